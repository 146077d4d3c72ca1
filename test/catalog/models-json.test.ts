// `routeops models --json` carries what the text marks with `*`: the tiers (boundaries and
// prices) and the UTC windows (times and prices) of the price in force, thinking prices
// included, in USD per million tokens as exact as the rest of the JSON (docs/ARCHITECTURE.md
// §3.1 `models`). Checked against the text for qwen-plus (a tier) and deepseek-flash (weekday windows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommandLine } from '../../src/app/cli.js';
import { formatRate, usdPerMillionToRate } from '../../src/domain/money/units.js';
import { makeServices } from '../support/services.js';
import type { PerMillion } from '../../src/features/catalog/listing.js';

interface ModelDoc {
  provider: string;
  model: string;
  aliases: string[];
  retires_at: string | null;
  per_million: PerMillion | null;
  price: {
    effective: string;
    per_million: PerMillion;
    per_request_usd: number;
    tiers: Array<{ above: number; inclusive: boolean; per_million: PerMillion }>;
    windows: Array<{ utc: string; days: string[] | null; skips_holidays: boolean; per_million: PerMillion; in_force: boolean }>;
    holidays: string[];
    source: string;
  } | null;
}

// Mainland-style qwen-plus terms in the config (docs/PROVIDERS.md §2): a tier above 128K and a
// thinking price, so the test does not lean on what the built-in catalog says today.
const QWEN_TIERED = {
  pricing: [
    {
      provider: 'qwen-intl',
      model: 'qwen-plus',
      versions: [
        {
          effective: '2026-01-01T00:00:00Z',
          per_million: { input: 0.4, cached_input: 0.08, output: 1.2, thinking_output: 4 },
          tiers: [{ above: 131072, input: 1.2, cached_input: 0.24, output: 3.6, thinking_output: 12 }],
          source: 'test: mainland qwen-plus ratios',
        },
      ],
    },
  ],
};

async function models(now: string, ...args: string[]) {
  const { services, cleanup } = makeServices(QWEN_TIERED, { now });
  try {
    const run = async (argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCommandLine(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, { services: () => services });
      return { code, stdout, stderr };
    };
    const text = await run(['models', ...args]);
    const json = await run(['models', ...args, '--json']);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(json.code, 0, json.stderr);
    return { text: text.stdout, raw: json.stdout, docs: (JSON.parse(json.stdout) as { models: ModelDoc[] }).models };
  } finally {
    cleanup();
  }
}

/** The text table's cells of a route's row: route, aliases, in, cached, out, retires. */
function textRow(text: string, route: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(`${route} `));
  assert.ok(line, `a row for ${route} in:\n${text}`);
  return line.split(/\s{2,}/).map((c) => c.trim());
}

const pm = (input: number, cached_input: number, output: number, thinking_output: number | null = null): PerMillion => ({ input, cached_input, cache_write: input, output, reasoning_output: null, thinking_output });
/** A JSON rate as the text shows it: through the exact decimal conversion, never float arithmetic. */
const shown = (usdPerMillion: number) => formatRate(usdPerMillionToRate(usdPerMillion));

test('qwen-plus: the tier the text marks with * is in the JSON with its boundary, prices and thinking price', async () => {
  const { text, docs } = await models('2026-11-23T12:00:00Z', 'qwen-plus');
  const doc = docs.find((m) => m.provider === 'qwen-intl' && m.model === 'qwen-plus')!;
  const [, , input, cached, output] = textRow(text, 'qwen-intl/qwen-plus');
  assert.equal(input, `${shown(doc.per_million!.input)} *`, 'starred in the text');
  assert.equal(cached, shown(doc.per_million!.cached_input));
  assert.equal(output, shown(doc.per_million!.output));
  assert.deepEqual(doc.per_million, pm(0.4, 0.08, 1.2, 4));
  const { source, ...price } = doc.price!;
  assert.deepEqual(price, {
    effective: '2026-01-01T00:00:00.000Z',
    per_million: pm(0.4, 0.08, 1.2, 4),
    per_request_usd: 0,
    tiers: [{ above: 131072, inclusive: false, per_million: pm(1.2, 0.24, 3.6, 12) }],
    windows: [],
    holidays: [],
  });
  assert.equal(source, 'test: mainland qwen-plus ratios');
  // A gateway route without a price has none to show.
  const gateway = docs.find((m) => m.provider === 'openrouter')!;
  assert.equal(gateway.price, null);
  assert.equal(textRow(text, 'openrouter/qwen/qwen-plus')[2], 'not priced');
});

test('deepseek-flash: the weekday windows the text marks with * are in the JSON with their days, UTC times, holidays and prices, the one in force flagged', async () => {
  // Monday 02:00 UTC is in the peak window 01:00-04:00: its prices are in force (and shown in
  // the text); Monday 12:00 and Saturday 02:00 are off-peak.
  const peak = await models('2026-11-23T02:00:00Z', 'deepseek-flash');
  const offPeak = await models('2026-11-23T12:00:00Z', 'deepseek-flash');
  const weekend = await models('2026-11-21T02:00:00Z', 'deepseek-flash');
  const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
  const windows = (inForce: string | null) => [
    { utc: '01:00-04:00', days: weekdays, skips_holidays: true, per_million: pm(0.3, 0.006, 1.2), in_force: inForce === '01:00-04:00' },
    { utc: '06:00-10:00', days: weekdays, skips_holidays: true, per_million: pm(0.3, 0.006, 1.2), in_force: inForce === '06:00-10:00' },
  ];
  for (const [run, inForce, now] of [[peak, '01:00-04:00', pm(0.3, 0.006, 1.2)], [offPeak, null, pm(0.15, 0.003, 0.6)], [weekend, null, pm(0.15, 0.003, 0.6)]] as const) {
    const doc = run.docs.find((m) => m.provider === 'deepseek' && m.model === 'deepseek-flash')!;
    assert.deepEqual(doc.per_million, now);
    const { source, holidays, ...price } = doc.price!;
    assert.deepEqual(price, { effective: '2026-09-10T00:00:00.000Z', per_million: pm(0.15, 0.003, 0.6), per_request_usd: 0, tiers: [], windows: windows(inForce) });
    assert.equal(holidays.length, 33, "China's 2026 public holidays");
    assert.ok(holidays.includes('2026-10-01'));
    assert.match(source, /checked 2026-11-15/);
    const [, , input, cached, output] = textRow(run.text, 'deepseek/deepseek-flash');
    assert.deepEqual([input, cached, output], [`${shown(now.input)} *`, shown(now.cached_input), shown(now.output)]);
  }
  // Exact decimals in the document itself, as money in JSON is.
  assert.match(offPeak.raw, /"cached_input": 0\.003,/);
  assert.match(peak.raw, /"cached_input": 0\.006,/);
});

test('a catalog too long to show lists every aliased or retiring model first, then fills up', async () => {
  const { text, docs } = await models('2026-11-23T12:00:00Z');
  assert.ok(docs.length > 60, 'the generated built-in catalog prices whole provider listings');
  assert.match(text, new RegExp(`Showing 60 of ${docs.length} \\(every model an alias routes to or that retires first\\)`));
  for (const doc of docs.filter((d) => d.aliases.length > 0 || d.retires_at !== null)) textRow(text, `${doc.provider}/${doc.model}`);
  const rows = text.split('\n').filter((l) => /^[a-z-]+\/\S+ /.test(l));
  assert.equal(rows.length, 60);
  assert.deepEqual(rows, [...rows].sort(), 'in the usual order');
});

test('every row the text stars has tiers or windows in the JSON, and no other row has', async () => {
  const { text, docs } = await models('2026-11-23T12:00:00Z');
  assert.ok(docs.length > 10);
  // The text shows the first rows only ("Showing 60 of …"); compare those.
  const shown = docs.filter((doc) => text.split('\n').some((l) => l.startsWith(`${doc.provider}/${doc.model} `)));
  assert.ok(shown.length >= 10 && shown.some((d) => d.price?.windows.length) && shown.some((d) => d.price?.tiers.length));
  for (const doc of shown) {
    // (A row without aliases has an empty alias cell, so look for the mark, not a column.)
    const starred = textRow(text, `${doc.provider}/${doc.model}`).some((cell) => cell.endsWith(' *'));
    const extras = doc.price !== null && (doc.price.tiers.length > 0 || doc.price.windows.length > 0);
    assert.equal(extras, starred, `${doc.provider}/${doc.model}`);
    if (doc.price) assert.ok(doc.per_million, 'a priced model has its rates in force');
  }
});

test('--csv is refused by models (and every command but spend) instead of searching for a model named "csv"', async (t) => {
  const { services } = makeServices({}, { owner: t });
  for (const argv of [['models', '--csv'], ['models', 'qwen', '--csv'], ['help', '--csv'], ['routecheck', 'all', '--csv']]) {
    let stdout = '';
    let stderr = '';
    const code = await runCommandLine(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, { services: () => services });
    assert.equal(code, 2, argv.join(' '));
    assert.equal(stdout, '');
    assert.match(stderr, new RegExp(`^--csv is not an option of routeops ${argv[0]} \\(spend writes CSV; --json gives the data\\)`));
    assert.doesNotMatch(stderr, /No model matches/);
  }
  // spend still takes it.
  let stdout = '';
  assert.equal(await runCommandLine(['spend', 'today', '--csv'], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => services }), 0);
  assert.equal(stdout, 'date,provider,usd,unpriced_rows\r\n');
});

test('in 2027 /models says the built-in holiday dates of the DeepSeek schedules have run out', async () => {
  const late = await models('2027-01-04T12:00:00Z', 'deepseek');
  assert.match(late.text, /Holiday dates of deepseek\/deepseek-flash, deepseek\/deepseek-v4-flash, deepseek\/deepseek-v4-pro end on 2026-10-07: peak prices apply on every weekday until this year's dates are added \(schedule\.holidays\)\./);
  const now = await models('2026-11-23T12:00:00Z', 'deepseek');
  assert.doesNotMatch(now.text, /Holiday dates/);
});
