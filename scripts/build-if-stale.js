// Builds only when the sources changed since the last build, so `npm start` with nothing changed
// starts in about a second (README "Quick start"). The last build is dist/tsconfig.build.tsbuildinfo
// (tsconfig.build.json is incremental, so `npm run build`, `npm test` and `tsc -p` write it too);
// a file or folder of the compiled tree or a build input newer than it means a build, which is
// `tsc -b` (incremental: only what changed is compiled again). Run directly (`prepare`), it builds
// if needed and exits with tsc's code.
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const buildInfoIn = (dir) => join(dir, 'dist', 'tsconfig.build.tsbuildinfo');
const buildInfo = buildInfoIn(root);
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

/** The newest file or folder under `dir` (a folder's time changes when a file is added or removed). */
function newest(path, best) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return best;
  if (st.mtimeMs > best.ms) best = { ms: st.mtimeMs, path };
  if (st.isDirectory()) for (const name of readdirSync(path)) best = newest(join(path, name), best);
  return best;
}

/** Why the package in `dir` needs a build, or null when its dist is as new as every source. */
export function staleReason(dir = root) {
  const built = statSync(buildInfoIn(dir), { throwIfNoEntry: false });
  if (!built || !existsSync(join(dir, 'dist', 'src', 'app', 'main.js'))) return 'there is no build yet';
  const { include } = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
  let best = { ms: 0, path: '' };
  for (const p of [...include, ...INPUT_FILES]) best = newest(join(dir, p), best);
  return best.ms > built.mtimeMs ? `${relative(dir, best.path)} changed since the last build` : null;
}

/** Runs tsc to its end; SIGTERM/SIGINT meanwhile are passed on to it (npm sends them to us). */
function runTsc(args) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const child = spawn(process.execPath, [tsc, ...args], { cwd: root, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGTERM', forward).on('SIGINT', forward);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      process.off('SIGTERM', forward).off('SIGINT', forward);
      resolve(signal ? 128 + ({ SIGINT: 2, SIGTERM: 15 }[signal] ?? 1) : (code ?? 1));
    });
  });
}

/** Builds when a source changed; returns 0 when dist is ready to run, else the exit code to give. */
export async function buildIfStale() {
  const reason = staleReason();
  if (!reason) return 0;
  process.stderr.write(`routeops: building (${reason})…\n`);
  const started = new Date();
  const code = await runTsc(['-b', 'tsconfig.build.json']);
  // The build is as new as the sources were when it began: a file saved during it counts as changed.
  // After a failed build, as old as can be: the next start checks again (and shows the errors again).
  if (existsSync(buildInfo)) utimesSync(buildInfo, code === 0 ? started : new Date(0), code === 0 ? started : new Date(0));
  if (code !== 0) process.stderr.write(`${buildFailedText(code)}\n`);
  return code;
}

const SIGNAL_NAMES = { 130: 'SIGINT', 143: 'SIGTERM' };

/** What a build that did not finish says: stopped by a signal (128+n), or failed with tsc's errors above. */
export function buildFailedText(code) {
  if (code > 128) return `routeops: the build was stopped by ${SIGNAL_NAMES[code] ?? `signal ${code - 128}`}; nothing was started`;
  return `routeops: the build failed (tsc exit ${code}); fix the errors above and start again`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await buildIfStale();
