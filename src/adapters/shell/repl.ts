// The shell adapter: a REPL that speaks the same commands as Slack, so routeops can be tried
// with nothing but a terminal (like Hubot's shell). Runs as the local operator.
import readline from 'node:readline';
import { dispatch } from '../../../commands/dispatch.js';
import { renderAfterProgress, terminalProgress } from './text.js';
import type { Services } from '../../features/services.js';

export interface ShellIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** A second Ctrl-C while an answer is awaited: quit without it. Default: exit 130 at once. */
  quitNow?: () => void;
}

/**
 * Runs one line typed at the prompt; returns the text to print, or null to quit. `write` shows a
 * streamed answer (and what it waits for: in place when `terminal`, else a line per update).
 */
export async function runShellLine(line: string, services: Services, write: (s: string) => void = () => {}, terminal = false): Promise<string | null> {
  const trimmed = line.trim();
  if (!trimmed) return '';
  if (/^\/?(exit|quit)$/i.test(trimmed)) return null;
  const [word = '', ...rest] = trimmed.split(/\s+/);
  const live = terminalProgress(write, { inPlace: terminal });
  const reply = await dispatch(word, rest.join(' '), services, { id: 'shell', local: true }, live, { adapter: 'shell' });
  let out = renderAfterProgress(reply, live);
  if (reply.file) out += `\n--- ${reply.file.filename} ---\n${reply.file.content}`;
  return out;
}

/** Opens the prompt; `notes` are printed under the greeting (where logs go, the HTTP server). */
export function startShell(services: Services, io: ShellIO = { input: process.stdin, output: process.stdout }, notes: readonly string[] = []): Promise<void> {
  const rl = readline.createInterface({ input: io.input, output: io.output, prompt: 'routeops> ', terminal: (io.output as NodeJS.WriteStream).isTTY === true });
  io.output.write('routeops shell: type /help, /spend week, or exit.\n');
  for (const note of notes) io.output.write(`${note}\n`);
  rl.prompt();
  return new Promise((resolve) => {
    // Lines are handled one at a time, in order, even when pasted together. After `exit`, the
    // lines already queued behind it (readline may have read them) run no more.
    let queue = Promise.resolve();
    let left = false;
    let pending = 0;
    let quitting = false;
    // Ctrl-C at the prompt leaves; while an answer is awaited (a command cannot be cancelled
    // midway), the first says the shell stops after it, and a second quits at once.
    rl.on('SIGINT', () => {
      if (!pending) return rl.close();
      if (quitting) return (io.quitNow ?? (() => process.exit(130)))();
      quitting = true;
      io.output.write('\nstopping after the answer in flight… (Ctrl-C again to quit now)\n');
    });
    rl.on('line', (line) => {
      pending++;
      queue = queue.then(async () => {
        try {
          if (left || quitting) return;
          const out = await runShellLine(line, services, (s) => io.output.write(s), (io.output as NodeJS.WriteStream).isTTY === true);
          if (out === null) {
            left = true;
            return rl.close();
          }
          io.output.write(out.endsWith('\n') || out === '' ? out : `${out}\n`);
          if (!quitting) rl.prompt();
        } finally {
          pending--;
          if (quitting && !pending) rl.close();
        }
      });
    });
    rl.on('close', () => void queue.then(() => resolve()));
  });
}
