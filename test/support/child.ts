// Any program as a child process for the start/stop tests (npm start, script, sh -c …): its
// stdout and stderr collected as text, a wait for a pattern in either (never a sleep), its exit.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Exit } from './bot-process.js';

export interface Child {
  proc: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the first match of `pattern` in the stream's output so far or to come; rejects if the child exits first. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray>;
  /** The process itself has exited (a grandchild may still hold its output open). */
  readonly ended: Promise<Exit>;
  /** It has exited and its output is closed: every process that held it is gone too. */
  readonly exited: Promise<Exit>;
}

export function spawnChild(command: string, args: readonly string[], opts: SpawnOptions): Child {
  const proc = spawn(command, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  const changed = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    proc[stream]!.setEncoding('utf8').on('data', (chunk: string) => {
      out[stream] += chunk;
      for (const check of [...changed]) check();
    });
  }
  const ended = once(proc, 'exit').then(([code, signal]) => ({ code, signal }) as Exit);
  // 'close': all output has been read by then.
  const exited = once(proc, 'close').then(([code, signal]) => ({ code, signal }) as Exit);
  const waitFor = (stream: 'stdout' | 'stderr', pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(out[stream]);
        if (!m) return false;
        changed.delete(check);
        resolve(m);
        return true;
      };
      if (check()) return;
      changed.add(check);
      void exited.then((e) => {
        if (changed.delete(check) && !check())
          reject(new Error(`${command} exited (${e.code ?? e.signal}) before ${pattern} on ${stream}; stdout:\n${out.stdout}\nstderr:\n${out.stderr}`));
      });
    });
  return {
    proc,
    get stdout() {
      return out.stdout;
    },
    get stderr() {
      return out.stderr;
    },
    waitFor,
    ended,
    exited,
  };
}

/** Whether a process with this id runs: it exists (signal 0 only checks) and is no zombie (exited, not yet reaped by its new parent). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false; // reaped since
  }
  // pid (comm) STATE …: comm may hold spaces and parentheses, so read after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/**
 * Resolves true once the process no longer runs, false if it still runs after `withinMs`. A
 * process's open files close before the kernel marks it exited, so a closed pipe (`exited`) can be
 * seen a moment before its last holder counts as gone: this watches for the mark itself.
 */
export async function stopsRunning(pid: number, withinMs = 5000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** The ids of a process's children (Linux /proc). */
export function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Whether something answers on 127.0.0.1:port/healthz (a refused connection is false). */
export async function healthAnswers(port: number): Promise<boolean> {
  try {
    await (await fetch(`http://127.0.0.1:${port}/healthz`)).arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
