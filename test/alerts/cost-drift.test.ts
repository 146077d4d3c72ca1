// The daily cost-drift check (src/features/alerts/jobs/cost-drift.ts): real SQLite ledgers with
// rows that carry our cost (priced by the test config's `pricing`) and the provider-reported one
// (`cost_usd`), run through `routeops alerts run` as a person or the scheduler would. Totals are
// worked out by hand from the price below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommandLine } from '../../src/app/cli.js';
import type { Services } from '../../src/features/services.js';
import type { UsageInput } from '../../src/store/ledger.js';
import type { ConfigObject } from '../support/config.js';
import { testConfig } from '../support/config.js';
import { alertEnv, ALERTS_CHANNEL, fakePost, row } from '../support/alerts.js';
import type { AlertPost } from '../../src/features/alerts/types.js';
import { LedgerCostDrift } from '../../src/store/ledger/cost-drift.js';
import { openDatabase } from '../../src/store/open.js';

// USD per million: input 1.00, cached 0.10, cache write 1.25, output 2.00 (reasoning billed as output).
const PRICE = { input: 1, cached_input: 0.1, cache_write: 1.25, output: 2 };
const MODELS = ['test/steady', 'test/cache', 'test/reasoning', 'test/scattered', 'test/small-pct', 'test/small-usd', 'test/exactly-1pct', 'test/just-over'];

function config(extra: ConfigObject = {}): ConfigObject {
  return {
    timezone: 'UTC',
    slack: { alerts_channel: ALERTS_CHANNEL },
    pricing: MODELS.map((model) => ({ provider: 'openrouter', model, versions: [{ effective: '2026-01-01T00:00:00Z', per_million: PRICE }] })),
    ...extra,
  };
}

/** A row of 2026-11-22 (UTC) with the provider's reported cost. */
function billed(model: string, theirs: string, tokens: Partial<UsageInput>, ts = '2026-11-22T10:00:00Z'): UsageInput {
  return row(ts, 'openrouter', model, { input_tokens: 0, output_tokens: 0, ...tokens, cost_usd: theirs });
}

interface RunDoc {
  alerts: Array<{ key: string; kind: string; channel: string; text: string; status: string }>;
  jobs: Array<{ name: string; status: string; alerts: number; reason?: string }>;
}

async function alertsRun(services: Services, post: AlertPost | null, ...argv: string[]): Promise<RunDoc> {
  let stdout = '';
  let stderr = '';
  const code = await runCommandLine(['alerts', 'run', '--json', ...argv], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, { services: () => services, alertPost: () => Promise.resolve(post) });
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout) as RunDoc;
}

const driftAlerts = (doc: RunDoc) => doc.alerts.filter((a) => a.kind === 'cost_drift');

test('a price that changed: one alert with both totals, the gap, the rows and "price changed"; rows without a provider cost are ignored', async (t) => {
  const env = alertEnv(config(), '2026-11-23T09:00:00Z');
  t.after(() => env.cleanup());
  const sink = fakePost();
  // The provider bills 1.25x our price on every row, whatever its mix of tokens.
  await env.services.ledger.record(
    [
      billed('test/steady', '2.5', { input_tokens: 1_000_000, output_tokens: 500_000 }), // ours 1.00 + 1.00 = 2.00
      billed('test/steady', '3.875', { input_tokens: 2_000_000, cached_input_tokens: 1_000_000, output_tokens: 1_000_000 }), // ours 1.00 + 0.10 + 2.00 = 3.10
      billed('test/steady', '5', { input_tokens: 4_000_000 }), // ours 4.00
      billed('test/steady', '3.75', { input_tokens: 1_000_000, output_tokens: 1_000_000, reasoning_tokens: 500_000 }), // ours 1.00 + 2.00 = 3.00
      // Not compared: no provider cost (ours alone), another day, a model we do not price (theirs alone).
      row('2026-11-22T11:00:00Z', 'openrouter', 'test/steady', { input_tokens: 50_000_000, output_tokens: 0 }),
      billed('test/steady', '100', { input_tokens: 1_000_000 }, '2026-11-21T23:59:59Z'),
      billed('test/steady', '100', { input_tokens: 1_000_000 }, '2026-11-23T00:00:00Z'),
      billed('test/unpriced', '50', { input_tokens: 1_000_000 }),
    ],
    'ingest',
  );
  const doc = await alertsRun(env.services, sink.post);
  assert.deepEqual(doc.jobs.find((j) => j.name === 'cost_drift'), { name: 'cost_drift', status: 'ok', alerts: 1 });
  const [alert, ...more] = driftAlerts(doc);
  assert.deepEqual(more, []);
  // ours 2.00 + 3.10 + 4.00 + 3.00 = 12.10; theirs 2.50 + 3.875 + 5.00 + 3.75 = 15.125; gap -3.025 = -20.0%.
  assert.equal(alert!.key, 'cost_drift:openrouter/test/steady:2026-11-22');
  assert.equal(alert!.channel, ALERTS_CHANNEL);
  assert.equal(alert!.status, 'sent');
  assert.equal(
    alert!.text,
    'Cost drift on 2026-11-22: openrouter/test/steady cost $12.10 by our prices and $15.13 as the provider reported (-$3.03, -20.0%) over 4 rows. ' +
      'Likely cause: price changed: 4 of 4 rows differ by the same factor (ours 0.800× theirs), so the price in force looks out of date.',
  );
  // The Slack message, and the exact amounts the outbox keeps.
  const posted = JSON.stringify(sink.delivered[0]!.message.blocks);
  assert.match(posted, /Cost drift: openrouter\/test\/steady on 2026-11-22/);
  assert.match(posted, /price changed/);
  const stored = await env.services.store.alerts.get(alert!.key);
  assert.ok(stored);
  const groups = await env.services.ledger.costDriftGroups('2026-11-22');
  const sum = (f: 'ours_nusd' | 'theirs_nusd') => groups.filter((g) => g.model === 'test/steady').reduce((s, g) => s + g[f], 0n);
  assert.equal(sum('ours_nusd'), 12_100_000_000n);
  assert.equal(sum('theirs_nusd'), 15_125_000_000n);
  assert.equal(groups.filter((g) => g.model === 'test/steady').reduce((s, g) => s + g.rows, 0), 4);
  assert.ok(!groups.some((g) => g.model === 'test/unpriced'), 'a row without our cost is not compared');
  // Read in slices of 3 ids (the ledger reads 100,000 at a time), the groups come out the same.
  const db = openDatabase(env.dbPath, { readonly: true });
  try {
    const order = (gs: typeof groups) => gs.map((g) => JSON.stringify(g, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).sort();
    assert.deepEqual(order(await new LedgerCostDrift(db, 3).groups('2026-11-22')), order(groups));
  } finally {
    db.close();
  }
});

test('below either threshold there is no alert: 0.9% of $200, $0.99 of $10, exactly 1%; 1.01% and $2.02 is one', async (t) => {
  const env = alertEnv(config(), '2026-11-23T09:00:00Z');
  t.after(() => env.cleanup());
  await env.services.ledger.record(
    [
      billed('test/small-pct', '200', { input_tokens: 201_800_000 }), // ours 201.80: +$1.80 but 0.9%
      billed('test/small-usd', '10', { input_tokens: 10_990_000 }), // ours 10.99: 9.9% but $0.99
      billed('test/exactly-1pct', '200', { input_tokens: 202_000_000 }), // ours 202.00: 1% is not above 1%
      billed('test/just-over', '200', { input_tokens: 202_020_000 }), // ours 202.02: 1.01% and $2.02
    ],
    'ingest',
  );
  const alerts = driftAlerts(await alertsRun(env.services, null));
  assert.deepEqual(alerts.map((a) => a.key), ['cost_drift:openrouter/test/just-over:2026-11-22']);
  assert.match(alerts[0]!.text, /cost \$202\.02 by our prices and \$200\.00 as the provider reported \(\+\$2\.02, \+1\.0%\) over 1 row\./);
});

test('the gap in rows with cached or cache-write tokens, the others agreeing: "cache billed differently"', async (t) => {
  const env = alertEnv(config(), '2026-11-23T09:00:00Z');
  t.after(() => env.cleanup());
  await env.services.ledger.record(
    [
      billed('test/cache', '10', { input_tokens: 10_000_000 }), // ours 10.00
      billed('test/cache', '10', { input_tokens: 10_000_000 }), // ours 10.00
      // The provider gives no cache discount and charges no cache-write premium.
      billed('test/cache', '10', { input_tokens: 10_000_000, cached_input_tokens: 5_000_000 }), // ours 5.00 + 0.50 = 5.50
      billed('test/cache', '10', { input_tokens: 10_000_000, cache_write_tokens: 4_000_000 }), // ours 6.00 + 5.00 = 11.00
    ],
    'ingest',
  );
  const [alert, ...more] = driftAlerts(await alertsRun(env.services, null));
  assert.deepEqual(more, []);
  // ours 36.50, theirs 40.00: -$3.50, -8.75% -> -8.8%.
  assert.equal(
    alert!.text,
    'Cost drift on 2026-11-22: openrouter/test/cache cost $36.50 by our prices and $40.00 as the provider reported (-$3.50, -8.8%) over 4 rows. ' +
      'Likely cause: cache billed differently: the gap is in rows with cached or cache-write tokens; the other rows agree.',
  );
});

test('the gap in rows with reasoning tokens or thinking mode: "reasoning billed differently"', async (t) => {
  const env = alertEnv(config(), '2026-11-23T09:00:00Z');
  t.after(() => env.cleanup());
  await env.services.ledger.record(
    [
      billed('test/reasoning', '9', { input_tokens: 5_000_000, output_tokens: 2_000_000 }), // ours 5 + 4 = 9
      // The provider bills reasoning (and thinking output) at 3.00 a million, we at 2.00.
      billed('test/reasoning', '12', { input_tokens: 1_000_000, output_tokens: 4_000_000, reasoning_tokens: 3_000_000 }), // ours 1 + 8 = 9
      billed('test/reasoning', '7', { input_tokens: 1_000_000, output_tokens: 2_000_000, thinking: true }), // ours 1 + 4 = 5
    ],
    'ingest',
  );
  const [alert] = driftAlerts(await alertsRun(env.services, null));
  // ours 23, theirs 28: -$5.00, -17.857% -> -17.9%.
  assert.match(alert!.text, /test\/reasoning cost \$23\.00 by our prices and \$28\.00 as the provider reported \(-\$5\.00, -17\.9%\) over 3 rows\./);
  assert.match(alert!.text, /Likely cause: reasoning billed differently: the gap is in rows with reasoning tokens or thinking mode/);
});

test('a gap with no common factor and no cache or reasoning rows to blame: "unknown"', async (t) => {
  const env = alertEnv(config(), '2026-11-23T09:00:00Z');
  t.after(() => env.cleanup());
  await env.services.ledger.record(
    ['12', '8.5', '15', '10'].map((theirs) => billed('test/scattered', theirs, { input_tokens: 10_000_000 })), // ours 10.00 each
    'ingest',
  );
  const [alert] = driftAlerts(await alertsRun(env.services, null));
  // ours 40.00, theirs 45.50: -$5.50, -12.087% -> -12.1%.
  assert.match(alert!.text, /cost \$40\.00 by our prices and \$45\.50 as the provider reported \(-\$5\.50, -12\.1%\) over 4 rows\. Likely cause: unknown:/);
});

test('posted once: the job run twice, or again later that day, sends nothing new; a dry run records nothing', async (t) => {
  const env = alertEnv(config(), '2026-11-23T08:00:00Z');
  t.after(() => env.cleanup());
  const sink = fakePost();
  await env.services.ledger.record([billed('test/scattered', '12', { input_tokens: 10_000_000 })], 'ingest');
  assert.equal(driftAlerts(await alertsRun(env.services, sink.post, '--dry-run'))[0]?.status, 'dry-run');
  assert.equal(driftAlerts(await alertsRun(env.services, sink.post)).length, 1);
  assert.deepEqual(driftAlerts(await alertsRun(env.services, sink.post)), []);
  assert.deepEqual(driftAlerts(await alertsRun(env.services, sink.post, '--now', '2026-11-23T20:00:00Z')), []);
  assert.equal(sink.delivered.filter((d) => JSON.stringify(d.message.blocks).includes('Cost drift')).length, 1);
  // The next day's run looks at the next day: nothing there.
  assert.deepEqual(driftAlerts(await alertsRun(env.services, sink.post, '--now', '2026-11-24T08:00:00Z')), []);
});

test('days are the configured timezone\'s, as /spend counts them; thresholds come from alerts.cost_drift', async (t) => {
  // Asia/Shanghai is UTC+8: 2026-11-22T20:00Z is 04:00 on the 23rd there.
  const env = alertEnv(config({ timezone: 'Asia/Shanghai' }), '2026-11-24T01:00:00Z');
  t.after(() => env.cleanup());
  await env.services.ledger.record(
    [
      billed('test/scattered', '12', { input_tokens: 10_000_000 }, '2026-11-22T20:00:00Z'), // the 23rd locally: checked
      billed('test/scattered', '99', { input_tokens: 10_000_000 }, '2026-11-22T10:00:00Z'), // the 22nd locally: not
    ],
    'ingest',
  );
  const [alert] = driftAlerts(await alertsRun(env.services, null, '--dry-run'));
  assert.equal(alert!.key, 'cost_drift:openrouter/test/scattered:2026-11-23');
  assert.match(alert!.text, /\$10\.00 by our prices and \$12\.00 as the provider reported \(-\$2\.00, -16\.7%\) over 1 row/);

  const strict = alertEnv(config({ alerts: { cost_drift: { min_percent: 20, min_usd: 1 } } }), '2026-11-23T09:00:00Z');
  t.after(() => strict.cleanup());
  await strict.services.ledger.record([billed('test/scattered', '12', { input_tokens: 10_000_000 })], 'ingest');
  assert.deepEqual(driftAlerts(await alertsRun(strict.services, null)), [], '16.7% is below a 20% threshold');
});

test('alerts.cost_drift: defaults 1% and $1; unknown keys and negative values are config errors', () => {
  assert.deepEqual(testConfig({}).alerts.cost_drift, { min_percent: 1, min_usd: 1 });
  assert.equal(testConfig({}).schedules.cost_drift, '0 8 * * *');
  assert.throws(() => testConfig({ alerts: { cost_drift: { min_pct: 1 } } } as unknown as ConfigObject), /alerts\.cost_drift\.min_pct: unknown key \(accepted: min_percent, min_usd\)/);
  assert.throws(() => testConfig({ alerts: { cost_drift: { min_usd: -1 } } }), /alerts\.cost_drift\.min_usd: /);
  assert.throws(() => testConfig({ schedules: { cost_drift: 'daily' } }), /schedules\.cost_drift: invalid cron expression "daily"/);
});
