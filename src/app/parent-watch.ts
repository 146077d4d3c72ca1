// npm and npx run a script through `sh -c` and pass SIGTERM/SIGINT on to that shell only
// (@npmcli/run-script's signal manager). dash does not forward them to its child: `npx routeops
// sim` stopped that way left routeops running with a new parent. `npm start` execs,
// so the signal reaches routeops directly (package.json); for every other npm path, routeops
// started by npm treats the npm/npx process going away as SIGTERM. That process is not always
// the parent: npx runs `sh -c 'routeops' …`, and a SIGKILL to npx leaves that shell alive, so on
// Linux the watch is on the nearest npm/npx ancestor (found through /proc), and on the parent too.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

let watching = false;

/** How far up the process tree the npm/npx process is looked for (npm → sh → node is 2). */
const MAX_HOPS = 8;

const NPM_NAMES = /^(npm|npx)(-cli(\.js)?)?$/;

/** Whether a command line (its NUL-separated words) is npm's or npx's: `npm exec …` (npm sets the title), `node …/npx-cli.js …`. */
export function isNpmCommandLine(cmdline: string): boolean {
  const words = cmdline.split(/[\0 ]/).filter(Boolean);
  return words.slice(0, 2).some((w) => NPM_NAMES.test(basename(w)));
}

interface ProcStat {
  ppid: number;
  /** Clock ticks after boot the process started: tells it apart from a later process given the same id. */
  startTime: string;
  zombie: boolean;
}

function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // pid (comm) STATE PPID … field 22 is starttime; comm may hold spaces and ')', so read after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), startTime: fields[19] ?? '', zombie: fields[0] === 'Z' };
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** The nearest ancestor (from `pid` up, at most MAX_HOPS) that is npm or npx, with its start time; null when none is found or /proc is not there. */
export function npmAncestor(pid: number): { pid: number; startTime: string } | null {
  for (let hop = 0; hop < MAX_HOPS && pid > 1; hop++) {
    const stat = procStat(pid);
    if (!stat) return null;
    if (isNpmCommandLine(cmdlineOf(pid))) return { pid, startTime: stat.startTime };
    pid = stat.ppid;
  }
  return null;
}

/** Started by npm or npx (they set npm_lifecycle_event), stop (SIGTERM to ourselves) once the parent or the npm/npx process is gone. */
export function stopWhenNpmParentExits(env: NodeJS.ProcessEnv = process.env, everyMs = 500): void {
  if (watching || !env.npm_lifecycle_event) return;
  watching = true;
  const parent = process.ppid;
  const npm = npmAncestor(parent);
  const npmGone = () => {
    if (!npm) return false;
    const stat = procStat(npm.pid);
    return !stat || stat.zombie || stat.startTime !== npm.startTime;
  };
  const timer = setInterval(() => {
    if (process.ppid === parent && !npmGone()) return;
    // Once: a second SIGTERM, later, stops routeops without waiting (src/app/main.ts).
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, everyMs);
  timer.unref();
}
