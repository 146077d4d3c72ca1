// Runs the compiled test files (dist/test/**/*.test.js) with node --test. Node 20 does not
// expand globs, and given dist/test/ it would also run every helper under a test/ folder
// (test/support/*) as a test file. Extra arguments go to node --test (e.g. --test-name-pattern).
// The PostgreSQL store's tests need a server: ROUTEOPS_TEST_DATABASE_URL when set (each test makes
// and drops its own database there), else a throwaway one started here (scripts/postgres-server.js).
import { readdirSync } from 'node:fs';
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
let server;
if (!process.env.ROUTEOPS_TEST_DATABASE_URL) {
  try {
    server = await startPostgres();
  } catch (err) {
    console.error(`the tests need PostgreSQL: ${err.message}`);
    process.exit(1);
  }
}
const env = { ...process.env, ROUTEOPS_TEST_DATABASE_URL: process.env.ROUTEOPS_TEST_DATABASE_URL ?? server.url };
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...process.argv.slice(2), ...files], { cwd: root, stdio: 'inherit', env });
// Ctrl-C reaches the test runner too (same process group); the server is stopped either way.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  server?.stop();
  process.exit(code ?? (signal ? 1 : 0));
});
