// Runs the compiled test files (dist/test/**/*.test.js) with node --test. Node 20 does not
// expand globs, and given dist/test/ it would also run every helper under a test/ folder
// (test/support/*) as a test file. Extra arguments go to node --test (e.g. --test-name-pattern).
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...process.argv.slice(2), ...files], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
