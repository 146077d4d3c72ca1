// Price proposals through the real prices job, real services and SQLite: OpenRouter listings
// written to a file the job reads (catalog.sources.openrouter), changed between runs. Proposals
// appear once per real change (not on a flip), apply re-prices exactly (figures by hand in the
// comments), ignore changes nothing, a stale proposal is refused, config-priced models get none,
// catalog.auto_apply applies itself but never a suspect change.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pricesJob } from '../../src/features/alerts/jobs/prices.js';
import { applyProposal, ignoreProposal } from '../../src/features/catalog/proposals/apply.js';
import { aggregateSql, SPEND_COLUMNS } from '../../src/store/ledger/sql.js';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import { openDatabase } from '../../src/store/open.js';
import { createIngestWorker } from '../../src/app/ingest.js';
import { runCommandLine } from '../../src/app/cli.js';
import pino from 'pino';
import type { Services } from '../../src/features/services.js';
import type { ConfigObject } from '../support/config.js';
import { makeServices, type ServicesFixture } from '../support/services.js';

const MODEL = 'acme/widget-1';
/** USD per million -> OpenRouter's USD per token string. */
const perToken = (usdPerM: number) => (usdPerM / 1e6).toFixed(12).replace(/0+$/, '');

function listing(prices: Record<string, [number, number]>) {
  // Another model, so the listing is never empty.
  const all = { 'acme/other': [1, 1] as [number, number], ...prices };
  return { data: Object.entries(all).map(([id, [i, o]]) => ({ id, context_length: 100_000, pricing: { prompt: perToken(i), completion: perToken(o), request: '0' } })) };
}

interface Env {
  fx: ServicesFixture;
  services: () => Services;
  /** Writes the listing and runs the prices job at `at`; returns the alert text (or null). */
  run(prices: Record<string, [number, number]>, at: string): Promise<string | null>;
}

function env(t: TestContext, extra: ConfigObject = {}): Env {
  // A person decides unless a test says otherwise (OpenRouter's own proposals apply themselves by default).
  const fx = makeServices({ timezone: 'UTC', slack: { alerts_channel: 'C0ALERTS' }, catalog: { auto_apply: [] }, ...extra }, { owner: t, now: '2026-03-01T00:00:00Z' });
  const file = join(fx.tmp.dir, 'openrouter.json');
  writeFileSync(file, JSON.stringify(listing({})));
  // The source location is read from the config each run: point it at the file.
  fx.services.config.catalog.sources.openrouter = file;
  return {
    fx,
    services: () => fx.services,
    async run(prices, at) {
      writeFileSync(file, JSON.stringify(listing(prices)));
      fx.clock.now = new Date(at);
      const alerts = await pricesJob.run(fx.services, new Date(at));
      return alerts[0]?.text ?? null;
    },
  };
}

/** 1M input + 1M output tokens of the model at `ts`. */
async function traffic(s: Services, ts: string, id: string) {
  await s.ledger.record([{ ts, provider: 'openrouter', model: MODEL, input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 1_000_000, reasoning_tokens: 0, request_id: id }], 'import');
}

function assertRollupEqualsRows(dbPath: string) {
  const db = openDatabase(dbPath);
  try {
    for (const dim of SPEND_DIMS) {
      const rollup = db.prepare(`SELECT ${SPEND_COLUMNS} FROM spend_daily WHERE dim = ? ORDER BY day, key`).all(dim);
      assert.deepEqual(rollup, db.prepare(`${aggregateSql(dim, '')} ORDER BY day, key`).all(), `the ${dim} rollup equals the rows`);
    }
  } finally {
    db.close();
  }
}

const costs = async (s: Services) => (await s.ledger.recentRows(100)).map((r) => [r.request_id, r.cost_nusd]).sort();

void test('a used model with no price gets a new_model proposal on the first fetch; applying it prices its rows; the alert says what was unpriced', async (t) => {
  const e = env(t);
  const s = e.services();
  await traffic(s, '2026-02-10T12:00:00Z', 'a');
  await traffic(s, '2026-02-20T12:00:00Z', 'b');
  const text = await e.run({ [MODEL]: [2, 6] }, '2026-03-01T00:00:00Z');
  const [p] = await s.store.proposals.list();
  assert.equal(p?.kind, 'new_model');
  // Effective from its first row, so those rows stop being "not priced". Each row at $2 + $6 = $8.
  assert.equal(p?.effective, '2026-02-10T12:00:00.000Z');
  assert.match(text!, new RegExp(`Proposal ${p!.id}: openrouter/acme/widget-1 new model from openrouter`));
  assert.match(text!, /2 rows were not priced; at this price they come to \$16\.00/);
  assert.match(text!, new RegExp(`routeops prices apply ${p!.id}`));
  // The next run, same listing: nothing new.
  assert.equal(await e.run({ [MODEL]: [2, 6] }, '2026-03-01T06:00:00Z'), null);
  assert.equal((await s.store.proposals.list()).length, 1);

  assert.deepEqual(await costs(s), [['a', null], ['b', null]]);
  const out = await applyProposal(s, p!.id, { by: 'alice' });
  assert.equal(out.kind, 'applied');
  assert.deepEqual(await costs(s), [['a', 8_000_000_000], ['b', 8_000_000_000]]);
  assert.equal(out.kind === 'applied' && out.audit.text, `alice applied proposal ${p!.id} (new_model from openrouter, effective 2026-02-10T12:00:00.000Z): re-priced 2 rows of openrouter/acme/widget-1 since 2026-02-10 12:00 UTC: $0.00 → $16.00, +$16.00`);
  assertRollupEqualsRows(e.fx.dbPath);
  // New rows take the applied price at once (the catalog was replaced, no restart).
  await traffic(s, '2026-03-01T07:00:00Z', 'c');
  assert.equal((await costs(s)).find(([id]) => id === 'c')?.[1], 8_000_000_000);
  // Applying twice does nothing the second time.
  assert.equal((await applyProposal(s, p!.id, { by: 'alice' })).kind, 'already');
  assert.equal((await s.store.proposals.history()).length, 1);
  // After a restart the applied version is still in force.
  const again = e.fx.restart();
  assert.equal(again.catalog.priceAt('openrouter', MODEL, Date.parse('2026-03-01T00:00:00Z'))?.source.startsWith('openrouter (acme/widget-1)'), true);
});

void test('a price change makes one proposal once held two fetches, none on a flip; apply re-prices from when it was first seen', async (t) => {
  const e = env(t);
  const s = e.services();
  await traffic(s, '2026-02-28T12:00:00Z', 'old');
  await e.run({ [MODEL]: [2, 6] }, '2026-03-01T00:00:00Z');
  const [first] = await s.store.proposals.list();
  assert.equal((await applyProposal(s, first!.id, { by: 'alice' })).kind, 'applied');
  // A flip: seen once, then back. No proposal.
  assert.equal(await e.run({ [MODEL]: [3, 9] }, '2026-03-02T00:00:00Z'), null);
  assert.equal(await e.run({ [MODEL]: [2, 6] }, '2026-03-03T00:00:00Z'), null);
  assert.equal((await s.store.proposals.list()).length, 1);
  // A real change: first seen 03-04, held 03-05.
  await e.run({ [MODEL]: [3, 9] }, '2026-03-04T00:00:00Z');
  await traffic(s, '2026-03-04T12:00:00Z', 'new');
  const text = await e.run({ [MODEL]: [3, 9] }, '2026-03-05T00:00:00Z');
  assert.equal(await e.run({ [MODEL]: [3, 9] }, '2026-03-06T00:00:00Z'), null);
  const proposals = await s.store.proposals.list('proposed');
  assert.equal(proposals.length, 1);
  const p = proposals[0]!;
  assert.match(text!, new RegExp(`Proposal ${p.id}: openrouter/acme/widget-1 price from openrouter, effective 2026-03-04T00:00:00.000Z: input \\$3/M, output \\$9/M \\(now input \\$2/M, output \\$6/M\\)`));
  assert.deepEqual({ kind: p.kind, suspect: p.suspect, previous: p.previous }, { kind: 'price', suspect: false, previous: { input: 2, output: 6 } });

  const out = await applyProposal(s, p.id, { by: 'bob' });
  // The row of 03-04 12:00: $2 + $6 = $8 -> $3 + $9 = $12; the row of 02-28 stays at $8.
  assert.ok(out.kind === 'applied');
  assert.deepEqual([out.rows, out.before_nusd, out.after_nusd], [1, 8_000_000_000n, 12_000_000_000n]);
  assert.match(out.audit.text, /re-priced 1 row of openrouter\/acme\/widget-1 since 2026-03-04 00:00 UTC: \$8\.00 → \$12\.00, \+\$4\.00$/);
  assert.deepEqual(await costs(s), [['new', 12_000_000_000], ['old', 8_000_000_000]]);
  assertRollupEqualsRows(e.fx.dbPath);
});

void test('ignore leaves prices and rows as they were; a proposal the source no longer shows is refused and nothing changes', async (t) => {
  const e = env(t);
  const s = e.services();
  await traffic(s, '2026-02-28T12:00:00Z', 'r');
  await e.run({ [MODEL]: [2, 6] }, '2026-03-01T00:00:00Z');
  const [p] = await s.store.proposals.list();
  const ignored = await ignoreProposal(s, p!.id, { by: 'carol' });
  assert.equal(ignored.kind, 'ignored');
  assert.equal(s.catalog.priceAt('openrouter', MODEL, Date.parse('2026-03-01T00:00:00Z')), null);
  assert.deepEqual(await costs(s), [['r', null]]);
  assert.match((await s.store.proposals.history())[0]!.text, /^carol ignored proposal \d+ /);
  // An ignored proposal is not made again, nor applied.
  assert.equal(await e.run({ [MODEL]: [2, 6] }, '2026-03-01T06:00:00Z'), null);
  assert.equal((await applyProposal(s, p!.id, { by: 'carol' })).kind, 'refused');

  // A change held two fetches, then the source moves on (seen once): the proposal is stale.
  await e.run({ [MODEL]: [3, 9] }, '2026-03-02T00:00:00Z');
  await e.run({ [MODEL]: [3, 9] }, '2026-03-03T00:00:00Z');
  const [q] = await s.store.proposals.list('proposed');
  await e.run({ [MODEL]: [4, 12] }, '2026-03-04T00:00:00Z');
  const out = await applyProposal(s, q!.id, { by: 'carol' });
  assert.deepEqual(out, { kind: 'refused', reason: `proposal ${q!.id} no longer matches its source: openrouter now shows another price for openrouter/acme/widget-1 (seen since 2026-03-04T00:00:00.000Z). Nothing applied.` });
  assert.equal((await s.store.proposals.get(q!.id))?.status, 'proposed');
  assert.deepEqual(await costs(s), [['r', null]]);
  assert.equal((await s.store.proposals.history()).length, 1);
});

void test('a model the config file prices gets no proposal', async (t) => {
  const e = env(t, { pricing: [{ provider: 'openrouter', model: MODEL, versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 1, output: 1 } }] }] });
  await traffic(e.services(), '2026-02-28T12:00:00Z', 'r');
  await e.run({ [MODEL]: [2, 6] }, '2026-03-01T00:00:00Z');
  await e.run({ [MODEL]: [3, 9] }, '2026-03-02T00:00:00Z');
  assert.match((await e.run({ [MODEL]: [3, 9] }, '2026-03-03T00:00:00Z'))!, /widget-1/, 'the change is still announced');
  assert.deepEqual(await e.services().store.proposals.list(), []);
});

void test('catalog.auto_apply applies a trusted source\'s proposal itself, but never a suspect (>10x) one; OpenRouter for openrouter routes by default', async (t) => {
  // No catalog.auto_apply in the file: the default trusts OpenRouter for openrouter routes.
  const e = env(t, { catalog: {} });
  const s = e.services();
  await traffic(s, '2026-02-28T12:00:00Z', 'r');
  const text = await e.run({ [MODEL]: [2, 6] }, '2026-03-01T00:00:00Z');
  assert.match(text!, /applied automatically \(catalog\.auto_apply\): re-priced 1 row of openrouter\/acme\/widget-1 since 2026-02-28 12:00 UTC: \$0\.00 → \$8\.00, \+\$8\.00/);
  assert.deepEqual(await costs(s), [['r', 8_000_000_000]]);
  assert.equal((await s.store.proposals.history())[0]?.by, 'auto_apply');
  // 20x: held as suspect four fetches, then proposed as suspect and left for a person.
  for (const day of ['02', '03', '04', '05']) await e.run({ [MODEL]: [40, 120] }, `2026-03-${day}T00:00:00Z`);
  const [p] = await s.store.proposals.list('proposed');
  assert.equal(p?.suspect, true);
  assert.deepEqual(await costs(s), [['r', 8_000_000_000]]);
  assert.equal((await applyProposal(s, p!.id, { by: 'auto_apply', automatic: true })).kind, 'refused');
  // A person may.
  assert.equal((await applyProposal(s, p!.id, { by: 'dave' })).kind, 'applied');
});

void test('the ingest worker prices with a version applied while it runs', async (t) => {
  const e = env(t);
  const s = e.services();
  const worker = createIngestWorker({ dbPath: e.fx.dbPath, config: s.config, log: pino({ level: 'silent' }) });
  t.after(() => worker.close());
  const body = (id: string) => [Buffer.from(`${JSON.stringify({ ts: '2026-03-01T01:00:00Z', provider: 'openrouter', model: MODEL, input_tokens: 1_000_000, output_tokens: 1_000_000, request_id: id })}\n`)];
  await traffic(s, '2026-02-28T12:00:00Z', 'r');
  await e.run({ [MODEL]: [2, 6] }, '2026-03-01T00:00:00Z');
  assert.deepEqual(await worker.ingest(body('before')), { kind: 'written', inserted: 1, skipped: 0 });
  const [p] = await s.store.proposals.list();
  assert.equal((await applyProposal(s, p!.id, { by: 'erin' })).kind, 'applied');
  assert.deepEqual(await worker.ingest(body('after')), { kind: 'written', inserted: 1, skipped: 0 });
  // $2 + $6 = $8 each: 'before' was re-priced by the apply, 'after' priced by the worker's reloaded catalog.
  assert.deepEqual(await costs(s), [['after', 8_000_000_000], ['before', 8_000_000_000], ['r', 8_000_000_000]]);
});

void test('routeops prices list|apply|ignore|history: the JSON contracts and exit codes', async (t) => {
  const e = env(t);
  const s = e.services();
  const cli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCommandLine(argv, { stdout: (x) => (stdout += x), stderr: (x) => (stderr += x) }, { services: () => s });
    return { code, stdout, stderr };
  };
  await traffic(s, '2026-02-28T12:00:00Z', 'r');
  await e.run({ [MODEL]: [2, 6] }, '2026-03-01T00:00:00Z');
  const listed = await cli('prices', 'list', '--json');
  assert.equal(listed.code, 0);
  const [p] = (JSON.parse(listed.stdout) as { proposals: Array<{ id: number }> }).proposals;
  assert.deepEqual(JSON.parse(listed.stdout), {
    proposals: [{ id: p!.id, provider: 'openrouter', model: MODEL, source: 'openrouter', kind: 'new_model', effective: '2026-02-28T12:00:00.000Z', per_million: { input: 2, output: 6 }, previous: null, status: 'proposed', suspect: false }],
  });
  const applied = await cli('prices', 'apply', String(p!.id), '--by', 'frank', '--json');
  assert.deepEqual([applied.code, JSON.parse(applied.stdout)], [0, { id: p!.id, rows_repriced: 1, before_usd: 0, after_usd: 8 }]);
  assert.deepEqual(JSON.parse((await cli('prices', 'apply', String(p!.id), '--json')).stdout).rows_repriced, 0);
  const ignored = await cli('prices', 'ignore', String(p!.id));
  assert.equal(ignored.code, 1, 'an applied proposal cannot be ignored');
  assert.equal((await cli('prices', 'apply', 'x')).code, 2);
  assert.equal((await cli('prices', 'apply', '999')).code, 1);
  const history = JSON.parse((await cli('prices', 'history', '--json')).stdout) as { history: Array<Record<string, unknown>> };
  assert.deepEqual(
    history.history.map((h) => [h.by, h.action, h.rows_repriced, h.before_usd, h.after_usd]),
    [['frank', 'applied', 1, 0, 8]],
  );
  assert.match(String(history.history[0]!.text), /re-priced 1 row of openrouter\/acme\/widget-1 since 2026-02-28 12:00 UTC: \$0\.00 → \$8\.00, \+\$8\.00$/);
});
