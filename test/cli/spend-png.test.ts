// `routeops spend … --png FILE` over a real SQLite ledger: the chart written as a PNG beside the
// usual output (text, --json unchanged), and the path or flag errors said in one line, exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommandLine } from '../../src/app/cli.js';
import { makeServices } from '../support/services.js';
import { pngSize } from '../support/png.js';

async function withLedger(t: import('node:test').TestContext) {
  const fixture = makeServices({ timezone: 'UTC', budgets: { daily: 3 } }, { owner: t });
  await fixture.services.ledger.record(
    [
      { ts: '2026-11-20T10:00:00Z', provider: 'acme', model: 'acme/m', input_tokens: 10, cached_input_tokens: 0, output_tokens: 10, reasoning_tokens: 0, request_id: 'a1', cost_usd: 2.5 },
      { ts: '2026-11-21T10:00:00Z', provider: 'zeta', model: 'zeta/m', input_tokens: 10, cached_input_tokens: 0, output_tokens: 10, reasoning_tokens: 0, request_id: 'z1', cost_usd: 1.25 },
    ],
    'import',
  );
  const run = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCommandLine(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, { services: () => fixture.services });
    return { code, stdout, stderr };
  };
  return { run, dir: fixture.tmp.dir };
}

test('spend week --png FILE writes a PNG at least 1200 px wide and still prints the report', async (t) => {
  const { run, dir } = await withLedger(t);
  const file = join(dir, 'week.png');
  const r = await run('spend', 'week', '--png', file);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /Spend week by provider/);
  const { width } = pngSize(readFileSync(file));
  assert.ok(width >= 1200, `${width} px wide`);
  // --png=FILE and the flag before the period read the same.
  const other = join(dir, 'other.png');
  assert.equal((await run('spend', `--png=${other}`, 'week', 'by', 'model')).code, 0);
  assert.ok(readFileSync(other).length > 1000);
});

test('--json stays the same document with --png; the chart is written besides', async (t) => {
  const { run, dir } = await withLedger(t);
  const plain = await run('spend', 'week', '--json');
  const file = join(dir, 'c.png');
  const withPng = await run('spend', 'week', '--json', '--png', file);
  assert.equal(withPng.code, 0);
  assert.equal(withPng.stdout, plain.stdout);
  assert.equal(JSON.parse(withPng.stdout).total_usd, 3.75);
  pngSize(readFileSync(file));
});

test('a period with no spend still writes a chart (it says "No spend in this period")', async (t) => {
  const { run, dir } = await withLedger(t);
  const file = join(dir, 'empty.png');
  const r = await run('spend', '2026-01-01..2026-01-07', '--png', file);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(pngSize(readFileSync(file)).width >= 1200);
});

test('a FILE that cannot be written is bad usage: one line, exit 2, nothing run', async (t) => {
  const { run, dir } = await withLedger(t);
  const missing = await run('spend', 'week', '--png', join(dir, 'no-such-folder', 'c.png'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Cannot write the chart to .*no-such-folder\/c\.png: no such folder/);
  assert.equal(missing.stdout, '', 'no report printed');
  assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  const folder = await run('spend', 'week', '--png', dir);
  assert.equal(folder.code, 2);
  assert.match(folder.stderr, /Cannot write the chart to .*: it is a folder/);
  const dash = await run('spend', 'week', '--png', '-');
  assert.equal(dash.code, 2);
  assert.match(dash.stderr, /--png takes a file path/);
  assert.ok(!existsSync('-'), 'no file named "-"');
});

test('--png needs a FILE, is given once, and only commands that draw a chart take it', async (t) => {
  const { run, dir } = await withLedger(t);
  const bare = await run('spend', 'week', '--png');
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /--png needs a FILE/);
  const twice = await run('spend', '--png', join(dir, 'a.png'), '--png', join(dir, 'b.png'));
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /--png given twice/);
  const models = await run('models', '--png', join(dir, 'm.png'));
  assert.equal(models.code, 2);
  assert.match(models.stderr, /--png is not an option of routeops models \(spend draws a chart\)/);
  assert.equal(existsSync(join(dir, 'm.png')), false);
  const usage = await run('spend', 'fortnight', '--png', join(dir, 'f.png'));
  assert.equal(usage.code, 2, 'a bad period is a usage error as before');
  assert.equal(existsSync(join(dir, 'f.png')), false, 'and writes no chart');
});
