// /spend sums of any size are exact (BigInt from the ledger to the text), and the rows the
// total leaves out or estimates are counted beside it (docs/ARCHITECTURE.md §3.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { runCommandLine } from '../../src/app/cli.js';
import { makeServices } from '../support/services.js';
import { tempDir } from '../support/temp.js';

type Services = ReturnType<typeof makeServices>['services'];

async function cli(argv: string[], services: Services) {
  let stdout = '';
  let stderr = '';
  const code = await runCommandLine(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, { services: () => services });
  return { code, stdout, stderr };
}

test('spend past $9,007,199.25 (2^53 nano-USD) is summed exactly, in text, JSON and CSV', async (t) => {
  const { services } = makeServices({ timezone: 'UTC' }, { owner: t, now: '2026-11-23T12:00:00Z' });
  const file = tempDir('routeops-big-', t).file('usage.jsonl');
  // 20 calls the provider billed $999,999.999999999 each (the most one row may cost): $19,999,999.99999998.
  const rows = Array.from({ length: 20 }, (_, i) =>
    JSON.stringify({ ts: `2026-11-23T0${i % 10}:00:00Z`, provider: 'gateway', model: 'big-model', input_tokens: 1, output_tokens: 1, cost_usd: '999999.999999999', request_id: `big-${i}` }),
  );
  writeFileSync(file, rows.join('\n') + '\n');
  assert.equal((await cli(['ledger', 'import', file], services)).code, 0);
  // The rollup (summed in one write) holds the exact sum the rows have.
  assert.equal((await services.ledger.totals('2026-11-23', '2026-11-23')).cost_nusd, 19_999_999_999_999_980n);
  assert.equal((await services.ledger.totalsRaw('2026-11-23', '2026-11-23')).cost_nusd, 19_999_999_999_999_980n);

  const json = JSON.parse((await cli(['spend', 'today', '--json'], services)).stdout) as { total_usd: number; groups: Array<{ total_usd: number }> };
  assert.equal(json.total_usd, 19999999.99999998);
  assert.equal(json.groups[0]!.total_usd, 19999999.99999998);
  const csv = (await cli(['spend', 'today', '--csv'], services)).stdout;
  assert.match(csv, /^2026-11-23,gateway,19999999\.99999998,0\r$/m);
  const text = (await cli(['spend', 'today'], services)).stdout;
  assert.match(text, /\$20,000,000\.00/);
});

test('/spend counts interrupted calls (cost estimated) and rows with usage missing, never as $0', async (t) => {
  const { services } = makeServices({ timezone: 'UTC' }, { owner: t, now: '2026-11-23T12:00:00Z' });
  const base = { ts: '2026-11-23T10:00:00.000Z', provider: 'deepseek', model: 'deepseek-v4-flash', cached_input_tokens: 0, reasoning_tokens: 0 };
  services.usage.record(
    [
      { ...base, input_tokens: 1000, output_tokens: 100, call_id: 'ok-1' },
      { ...base, input_tokens: 0, output_tokens: 0, call_id: 'missing-1', usage_status: 'missing' },
      { ...base, input_tokens: 0, output_tokens: 0, call_id: 'invalid-1', usage_status: 'invalid' },
      { ...base, input_tokens: 5000, output_tokens: 0, call_id: 'cut-1', usage_status: 'estimated', status: 'interrupted' },
    ],
    'ask',
  );
  const json = JSON.parse((await cli(['spend', 'today', '--json'], services)).stdout) as Record<string, unknown>;
  assert.equal(json.requests, 4);
  assert.equal(json.usage_missing_rows, 2);
  assert.equal(json.interrupted_calls, 1);
  assert.equal(json.unpriced_rows, 0);
  const text = (await cli(['spend', 'today'], services)).stdout;
  assert.match(text, /Usage missing\W+2 rows whose reply carried no usable token counts \(not in the total\)/);
  assert.match(text, /Interrupted\W+1 interrupted call, cost estimated/);
});
