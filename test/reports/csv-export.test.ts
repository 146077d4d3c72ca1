// Spend CSV exports read by a real CSV parser: amounts of $1,000 and $1M stay one cell (no
// thousands separators), names with commas and quotes stay one cell, the usd column sums to the
// JSON report's total, and a name that looks like a formula is neutralised while a number stays
// a number. Through the CLI (`--csv`, `--json`) and the Slack upload (`/spend … csv`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { runCommandLine } from '../../src/app/cli.js';
import { makeServices } from '../support/services.js';
import { tempDir } from '../support/temp.js';
import { startTestApp, SIGNING_SECRET, INGEST_TOKEN } from '../support/app.js';
import { postSigned, slashCommandBody } from '../support/slack-request.js';
import { writeFileSync } from 'node:fs';
import { csvDocument, csvText } from '../../src/domain/csv.js';

const NUSD = 1_000_000_000n;

// $1,000 per million input tokens (priced from config) and provider-reported costs up to the
// $1M a row allows, so the amounts are exactly what the test says. The total stays under
// $9,007,199.25: nano-dollar sums are JavaScript numbers, exact up to 2^53.
const PRICING = [{ provider: 'acme', model: 'big-model', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 1000, cached_input: 1000, output: 1000 } }] }];
const PROVIDERS = { acme: { base_url: 'http://127.0.0.1:9/v1', api_key_env: 'ACME_API_KEY' } };
const rows = [
  { ts: '2026-11-02T10:00:00Z', provider: 'acme', model: 'big-model', input_tokens: 2_000_000, output_tokens: 0, user: 'Doe, "JJ"', request_id: 'c1' },
  ...Array.from({ length: 9 }, (_, i) => ({ ts: '2026-11-02T11:00:00Z', provider: 'acme-gw', model: 'huge,model', input_tokens: 10, output_tokens: 10, cost_usd: '999999.999999999', user: '=HYPERLINK("x")', request_id: `m${i}` })),
  { ts: '2026-11-03T11:00:00Z', provider: 'acme', model: 'big-model', input_tokens: 1_234_567, output_tokens: 0, user: 'plain', request_id: 'c3' },
  { ts: '2026-11-03T12:00:00Z', provider: 'acme', model: 'small "quoted" model', input_tokens: 10, output_tokens: 10, cost_usd: '0.000000001', user: 'semi;colon «guillemets»', request_id: 'c4' },
];
const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const PERIOD = '2026-11-01..2026-11-03';

/** Sum of exact decimal strings, in nano-dollars (BigInt: no float on the way). */
function sumNusd(values: string[]): bigint {
  return values.reduce((sum, v) => {
    assert.match(v, /^-?\d+\.\d{2,9}$/, `"${v}" is a plain decimal`);
    const [int, frac] = v.replace('-', '').split('.') as [string, string];
    const n = BigInt(int) * NUSD + BigInt(frac.padEnd(9, '0'));
    return sum + (v.startsWith('-') ? -n : n);
  }, 0n);
}

function checkCsv(csv: string, dim: string): string[][] {
  const records = parse(csv, { relax_column_count: false }) as string[][];
  assert.deepEqual(records[0], ['date', dim, 'usd', 'unpriced_rows']);
  for (const r of records) assert.equal(r.length, 4, `four cells: ${JSON.stringify(r)}`);
  return records.slice(1);
}

async function cli(argv: string[], services: ReturnType<typeof makeServices>['services']) {
  let stdout = '';
  let stderr = '';
  const code = await runCommandLine(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, { services: () => services });
  return { code, stdout, stderr };
}

test('CLI --csv: amounts over $1,000 and $1M are one plain cell and sum to --json total_usd', async (t) => {
  const { services } = makeServices({ timezone: 'UTC', providers: PROVIDERS, pricing: PRICING }, { owner: t });
  const file = tempDir('routeops-csv-', t).file('usage.jsonl');
  writeFileSync(file, jsonl);
  const imported = await cli(['ledger', 'import', file], services);
  assert.equal(imported.code, 0, imported.stderr);

  for (const dim of ['provider', 'model', 'user']) {
    const csv = await cli(['spend', PERIOD, 'by', dim, '--csv'], services);
    assert.equal(csv.code, 0, csv.stderr);
    const records = checkCsv(csv.stdout, dim);
    const json = await cli(['spend', PERIOD, 'by', dim, '--json'], services);
    const doc = JSON.parse(json.stdout) as { total_usd: number; groups: Array<{ key: string; days: Array<{ date: string; usd: number }> }> };
    const total = sumNusd(records.map((r) => r[2]!));
    assert.equal(total, 2000n * NUSD + 8_999_999_999_999_991n + 1_234_567_000_000n + 1n);
    assert.equal(Number(total) / 1e9, doc.total_usd, 'the CSV sums to total_usd');
    // Every CSV cell is the JSON day amount of its group, exactly to the nano-dollar.
    for (const [date, key, usd] of records) {
      const group = doc.groups.find((g) => g.key === key || `'${g.key}` === key);
      assert.ok(group, `group ${key} is in the JSON report`);
      assert.equal(group.days.find((d) => d.date === date)?.usd, Number(sumNusd([usd!])) / 1e9);
    }
  }
  const providerCsv = (await cli(['spend', PERIOD, 'by', 'provider', '--csv'], services)).stdout;
  assert.ok(providerCsv.endsWith('\r\n') && !/[^\r]\n/.test(providerCsv), 'lines end in CRLF (RFC 4180)');
  assert.equal((await cli(['spend', PERIOD, 'by', 'provider', 'csv'], services)).stdout, providerCsv, 'the csv word prints the same file');
  const byProvider = checkCsv(providerCsv, 'provider');
  assert.deepEqual(byProvider, [
    ['2026-11-02', 'acme-gw', '8999999.999999991', '0'],
    ['2026-11-02', 'acme', '2000.00', '0'],
    ['2026-11-03', 'acme', '1234.567000001', '0'],
  ]);
  const byUser = checkCsv((await cli(['spend', PERIOD, 'by', 'user', '--csv'], services)).stdout, 'user').map((r) => r[1]);
  assert.ok(byUser.includes('Doe, "JJ"'), 'a name with a comma and quotes is one cell');
  // (A name with a line break cannot get in: names are printable text, test/cli/cli.test.ts.)
  assert.ok(byUser.includes('semi;colon «guillemets»'), 'a name with a semicolon and non-ASCII is one cell');
  assert.ok(byUser.includes(`'=HYPERLINK("x")`), 'a formula is neutralised');
  const byModel = checkCsv((await cli(['spend', PERIOD, 'by', 'model', '--csv'], services)).stdout, 'model').map((r) => r[1]);
  assert.ok(byModel.includes('acme-gw/huge,model') && byModel.includes('acme/small "quoted" model'), JSON.stringify(byModel));
});

test('Slack /spend … csv uploads the same RFC 4180 file', async (t) => {
  const app = await startTestApp({ config: { timezone: 'UTC', providers: PROVIDERS, pricing: PRICING, access: { spend: ['U0CFO'] } }, owner: t });
  const res = await fetch(`${app.url}/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${INGEST_TOKEN}` }, body: jsonl });
  assert.equal(res.status, 200, await res.text());
  const posted = await postSigned(`${app.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/spend', text: `${PERIOD} by user csv`, user_id: 'U0CFO', response_url: `${app.slack.baseUrl}/respond/${randomUUID()}` }));
  assert.equal(posted.status, 200);
  // The file part of the multipart body files.uploadV2 posted to the upload URL (the chart is another file).
  const csv = await app.slack.waitForFile((f) => f.filename.endsWith('.csv'));
  const records = checkCsv(csv.data!.toString('utf8'), 'user');
  assert.equal(records.length, 4);
  assert.equal(sumNusd(records.map((r) => r[2]!)), 2000n * NUSD + 8_999_999_999_999_991n + 1_234_567_000_000n + 1n);
  assert.deepEqual(records.find((r) => r[1] === 'Doe, "JJ"'), ['2026-11-02', 'Doe, "JJ"', '2000.00', '0']);
});

test('the CSV writer keeps a line break inside one quoted cell (RFC 4180)', () => {
  assert.equal(csvDocument(['user', 'usd'], [[csvText('line\nbreak'), '1.00'], [csvText('a "b", c'), '2.00']]), 'user,usd\r\n"line\nbreak",1.00\r\n"a ""b"", c",2.00\r\n');
});
