// The build `npm start` runs when sources changed (scripts/build-if-stale.js, tsconfig.build.json):
// a failed build leaves no JavaScript behind to be started, and a stopped one says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../support/bot-process.js';
import { runCommand } from '../support/dockerfile.js';
import { tempDir } from '../support/temp.js';

const { buildFailedText } = (await import(pathToFileURL(`${REPO_ROOT}scripts/build-if-stale.js`).href)) as { buildFailedText(code: number): string };

test('a build stopped by a signal says so, not that it failed', () => {
  assert.equal(buildFailedText(143), 'routeops: the build was stopped by SIGTERM; nothing was started');
  assert.equal(buildFailedText(130), 'routeops: the build was stopped by SIGINT; nothing was started');
  assert.equal(buildFailedText(2), 'routeops: the build failed (tsc exit 2); fix the errors above and start again');
});

test('with the build settings, a type error writes no JavaScript (nothing broken to start)', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir('routeops-build-', t);
  writeFileSync(tmp.file('ok.ts'), 'export const fine: number = 1;\n');
  writeFileSync(tmp.file('broken.ts'), 'export const wrong: number = "one";\n');
  // The repository's build settings, on two files of this folder.
  const settings = { extends: `${REPO_ROOT}tsconfig.build.json`, compilerOptions: { rootDir: '.', outDir: 'out', types: [] }, include: ['*.ts'] };
  writeFileSync(tmp.file('tsconfig.json'), JSON.stringify(settings));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = await runCommand(process.execPath, [tsc, '-b', tmp.file('tsconfig.json')]);
  assert.notEqual(build.code, 0);
  assert.match(build.stdout, /broken\.ts.*TS2322/);
  assert.equal(existsSync(tmp.file('out/broken.js')), false);
  assert.equal(existsSync(tmp.file('out/ok.js')), false, 'not even the files without errors');
});
