// Runs the compiled test files (dist/test/**/*.test.js) with node --test. Node 20 does not
// expand globs, and given dist/test/ it would also run every helper under a test/ folder
// (test/support/*) as a test file. Extra arguments go to node --test (e.g. --test-name-pattern).
// The PostgreSQL store's tests need a server: ROUTEOPS_TEST_DATABASE_URL when set (each test makes
// and drops its own database there), else a throwaway one started here (scripts/postgres-server.js).
//
// Two passes: every file over the default store (SQLite, and PostgreSQL where a test asks for it),
// then the files that start the whole app (test/support/app.ts startTestApp) again with
// ROUTEOPS_TEST_STORE=postgres: the same Slack, gateway and CLI behaviour over PostgreSQL.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startPostgres } from './postgres-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = join(root, 'dist', 'test');

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testFiles(path);
    return e.isFile() && e.name.endsWith('.test.js') ? [path] : [];
  });
}

const files = testFiles(testDir)
  .map((f) => relative(root, f))
  .sort();
if (files.length === 0) {
  console.error(`no *.test.js under ${testDir}: run the build first`);
  process.exit(1);
}
// Ctrl-C, SIGTERM or a closed terminal: the test runner gets it (a Ctrl-C reaches it anyway, same
// process group), no further pass starts, and the server is stopped either way.
let child;
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    interrupted = true;
    child?.kill(sig);
  });
}
let server;
if (!process.env.ROUTEOPS_TEST_DATABASE_URL) {
  try {
    server = await startPostgres();
  } catch (err) {
    console.error(interrupted ? 'stopped while starting PostgreSQL' : `the tests need PostgreSQL: ${err.message}`);
    process.exit(1);
  }
  if (interrupted) {
    server.stop();
    process.exit(130);
  }
}
const env = { ...process.env, ROUTEOPS_TEST_DATABASE_URL: process.env.ROUTEOPS_TEST_DATABASE_URL ?? server.url };
// Files that look into SQLite itself (a write lock held by another connection, rows read from the
// file); their store-level behaviour is covered on both stores by test/store/.
const SQLITE_ONLY = new Set([
  'dist/test/http/ingest.test.js', // ingest answering 503 while SQLite's write lock is held
  'dist/test/slack/answer-feedback.test.js', // reads votes from the SQLite file
  'dist/test/slack/ask-conversations.test.js', // answers while SQLite's write lock is held
  'dist/test/slack/ask.test.js', // SQLite's lock and event ids read from the file
]);
const appFiles = files.filter((f) => !SQLITE_ONLY.has(f) && /startTestApp|startGateway\(/.test(readFileSync(join(root, f), 'utf8')));

const passes = [
  { files, env: {} },
  { files: appFiles, env: { ROUTEOPS_TEST_STORE: 'postgres' } },
];
let status = 0;
for (const [i, pass] of passes.entries()) {
  if (interrupted) break;
  if (i > 0) console.log(`\n# pass ${i + 1}: ${pass.files.length} files again over PostgreSQL (ROUTEOPS_TEST_STORE=postgres)\n`);
  child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...process.argv.slice(2), ...pass.files], { cwd: root, stdio: 'inherit', env: { ...env, ...pass.env } });
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, sg) => resolve([c, sg])));
  if (signal || interrupted) {
    status = status || 130;
    break;
  }
  if (code !== 0) status = code ?? 1;
}
server?.stop();
process.exit(status);
