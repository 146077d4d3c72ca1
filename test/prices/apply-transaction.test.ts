// Applying a price proposal is one transaction (src/store/price-proposals.ts apply): the status,
// the re-priced ledger rows and rollup, and the audit entry commit together or not at all, and the
// catalog in force is replaced only after the commit. Rows written meanwhile by other connections
// (the ingest worker, a bot in another process) wait or are told to retry, and end up in the
// ledger at the price in force at their time. Real services, real SQLite files, real prices job.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { pricesJob } from '../../src/features/alerts/jobs/prices.js';
import { applyProposal } from '../../src/features/catalog/proposals/apply.js';
import { pricerOf } from '../../src/features/catalog/proposals/propose.js';
import { appliedLayer, catalogWith } from '../../src/features/catalog/catalog-holder.js';
import { followAppliedProposals, pricedLedger } from '../../src/app/ledger.js';
import { ingestUsageText } from '../../src/features/ledger/ingest.js';
import { createPriceProposalStore, type StoredProposal } from '../../src/store/price-proposals.js';
import { createUsageMeter } from '../../src/store/usage-meter.js';
import { Journal } from '../../src/store/journal.js';
import { openDatabase, type Db } from '../../src/store/open.js';
import { aggregateSql, SPEND_COLUMNS } from '../../src/store/ledger/sql.js';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import { makeZone } from '../../src/domain/time/zone.js';
import type { Pricer, UsageInput } from '../../src/store/ledger.js';
import type { Services } from '../../src/features/services.js';
import { peekDb } from '../support/db.js';
import { makeServices, type ServicesFixture } from '../support/services.js';

const MODEL = 'acme/widget-1';
const perToken = (usdPerM: number) => (usdPerM / 1e6).toFixed(12).replace(/\.?0+$/, '');
const quiet = pino({ level: 'silent' });

interface Env {
  fx: ServicesFixture;
  s: Services;
  /** Writes the OpenRouter listing (USD per million in, out) and runs the prices job at `at`. */
  fetch(prices: [number, number], at: string): Promise<void>;
}

function env(t: TestContext): Env {
  // A person applies (no catalog.auto_apply), as the tests below need proposals left open.
  const fx = makeServices({ timezone: 'UTC', slack: { alerts_channel: 'C0ALERTS' }, catalog: { auto_apply: [] } }, { owner: t, now: '2026-03-01T00:00:00Z' });
  const file = join(fx.tmp.dir, 'openrouter.json');
  fx.services.config.catalog.sources.openrouter = file;
  return {
    fx,
    s: fx.services,
    async fetch([input, output], at) {
      const data = [
        { id: 'acme/other', context_length: 100_000, pricing: { prompt: perToken(1), completion: perToken(1), request: '0' } },
        { id: MODEL, context_length: 100_000, pricing: { prompt: perToken(input), completion: perToken(output), request: '0' } },
      ];
      writeFileSync(file, JSON.stringify({ data }));
      fx.clock.now = new Date(at);
      await pricesJob.run(fx.services, new Date(at));
    },
  };
}

/** A row of the model: `input` and `output` million tokens at `ts`. */
const usage = (ts: string, id: string, input = 1, output = 1): UsageInput => ({
  ts,
  provider: 'openrouter',
  model: MODEL,
  input_tokens: input * 1_000_000,
  cached_input_tokens: 0,
  output_tokens: output * 1_000_000,
  reasoning_tokens: 0,
  request_id: id,
});

/**
 * The model (used on 02-10, so watched) priced from then at $2/M in, $6/M out (a new_model
 * proposal, applied), then a change to $3/M and $9/M first seen 03-04 and held on 03-05: the open
 * proposal returned.
 */
async function pricedThenChanged(e: Env): Promise<number> {
  await e.s.ledger.record([usage('2026-02-10T00:00:00Z', 'first')], 'import');
  await e.fetch([2, 6], '2026-03-01T00:00:00Z');
  const [first] = await e.s.store.proposals.list('proposed');
  assert.equal((await applyProposal(e.s, first!.id, { by: 'alice' })).kind, 'applied');
  await e.fetch([3, 9], '2026-03-04T00:00:00Z');
  await e.fetch([3, 9], '2026-03-05T00:00:00Z');
  const [change] = await e.s.store.proposals.list('proposed');
  assert.equal(change?.effective, '2026-03-04T00:00:00.000Z');
  return change!.id;
}

/** Everything an apply may write: rows, rollup, proposals, audit. */
function everything(path: string) {
  return peekDb(path, (db) => ({
    usage: db.prepare('SELECT * FROM usage ORDER BY id').all(),
    rollup: db.prepare('SELECT * FROM spend_daily ORDER BY dim, day, key').all(),
    proposals: db.prepare('SELECT * FROM price_proposals ORDER BY id').all(),
    audit: db.prepare('SELECT * FROM price_audit ORDER BY id').all(),
  }));
}

function assertRollupEqualsRows(path: string): void {
  peekDb(path, (db) => {
    for (const dim of SPEND_DIMS) {
      const rollup = db.prepare(`SELECT ${SPEND_COLUMNS} FROM spend_daily WHERE dim = ? ORDER BY day, key`).all(dim);
      assert.deepEqual(rollup, db.prepare(`${aggregateSql(dim, '')} ORDER BY day, key`).all(), `the ${dim} rollup equals the rows`);
    }
  });
}

const costsOf = (path: string) =>
  Object.fromEntries(peekDb(path, (db) => db.prepare('SELECT request_id, cost_nusd FROM usage ORDER BY id').all() as Array<{ request_id: string; cost_nusd: number }>).map((r) => [r.request_id, r.cost_nusd]));

/** The pricer applyProposal builds inside the transaction: the catalog with the applied proposals. */
const appliedPricer = (s: Services, applied: readonly StoredProposal[]): Pricer => pricerOf(catalogWith(s.config, appliedLayer(applied)));

void test('a pricer that throws midway leaves rows, rollup, proposal status and audit as they were', async (t) => {
  const e = env(t);
  const id = await pricedThenChanged(e);
  await e.s.ledger.record(Array.from({ length: 40 }, (_, i) => usage(`2026-03-04T${String(i % 24).padStart(2, '0')}:${String(i).padStart(2, '0')}:00Z`, `r${i}`)), 'import');
  const before = everything(e.fx.dbPath);
  let priced = 0;
  const failing = (applied: StoredProposal[]): Pricer => {
    const real = appliedPricer(e.s, applied);
    return (row) => {
      if (++priced === 20) throw new Error('pricer failed at row 20');
      return real(row);
    };
  };
  await assert.rejects(
    e.s.store.proposals.apply(id, { at: '2026-03-05T01:00:00.000Z', by: 'bob' }, { provider: 'openrouter', model: MODEL, fromMs: Date.parse('2026-03-04T00:00:00Z') }, failing, () => {
      throw new Error('the audit is never reached');
    }),
    /pricer failed at row 20/,
  );
  assert.equal(priced, 20, 'it failed part-way, after re-pricing 19 rows in the transaction');
  assert.deepEqual(everything(e.fx.dbPath), before, 'nothing written: rows, rollup, proposals, audit');
  assert.equal((await e.s.store.proposals.get(id))?.status, 'proposed');
});

void test('an apply that fails part-way through the ledger changes nothing, and the catalog in force stays', async (t) => {
  const e = env(t);
  await pricedThenChanged(e);
  // A broken source: input $1,000,000 per million tokens. Held four fetches (a >10x move), then a
  // suspect proposal a person may apply, effective 03-06. A 10M-token row recorded since costs $10M
  // at that price, past what one row may cost (src/domain/money/cost.ts): the re-pricing throws on
  // it, after re-pricing the rows before it.
  await e.s.ledger.record([usage('2026-03-06T01:00:00Z', 'small-1'), usage('2026-03-07T01:00:00Z', 'small-2')], 'import');
  for (const day of ['06', '07', '08', '09']) await e.fetch([1_000_000, 9], `2026-03-${day}T00:00:00Z`);
  await e.s.ledger.record([usage('2026-03-09T12:00:00Z', 'huge', 10, 0)], 'import');
  const suspect = (await e.s.store.proposals.list('proposed')).find((p) => p.suspect);
  assert.ok(suspect, 'a suspect proposal');
  const before = everything(e.fx.dbPath);
  const inForce = e.s.catalog;
  await assert.rejects(applyProposal(e.s, suspect.id, { by: 'carol' }), /cost out of range/);
  assert.deepEqual(everything(e.fx.dbPath), before, 'nothing written: rows, rollup, proposals, audit');
  assert.equal(e.s.catalog, inForce, 'the catalog in force is the same object');
  // New rows still take the price in force: $2 + $6 for 1M in and 1M out (the $3/$9 change was never applied).
  await e.s.ledger.record([usage('2026-03-09T13:00:00Z', 'later')], 'import');
  assert.equal(costsOf(e.fx.dbPath).later, 8_000_000_000);
});

void test('a normal apply commits status, rows, rollup and audit together', async (t) => {
  const e = env(t);
  const id = await pricedThenChanged(e);
  await e.s.ledger.record([usage('2026-03-03T12:00:00Z', 'old'), usage('2026-03-04T12:00:00Z', 'new'), usage('2026-03-05T12:00:00Z', 'newer', 2, 0)], 'import');
  const totals = async () => (await e.s.ledger.totals('2026-02-10', '2026-03-05')).cost_nusd;
  const spent = await totals();
  const out = await applyProposal(e.s, id, { by: 'dave' });
  assert.ok(out.kind === 'applied');
  // 'new': $8 -> $12; 'newer' (2M in): $4 -> $6. 'old' and 'first' keep $8.
  assert.deepEqual([out.rows, out.before_nusd, out.after_nusd], [2, 12_000_000_000n, 18_000_000_000n]);
  assert.deepEqual(costsOf(e.fx.dbPath), { first: 8_000_000_000, old: 8_000_000_000, new: 12_000_000_000, newer: 6_000_000_000 });
  assert.equal((await totals()) - spent, out.after_nusd - out.before_nusd, 'the rollup moved by the money effect');
  assertRollupEqualsRows(e.fx.dbPath);
  assert.deepEqual([out.proposal.status, out.proposal.decided_by], ['applied', 'dave']);
  const audit = (await e.s.store.proposals.history()).at(-1)!;
  assert.deepEqual([audit.proposal_id, audit.rows, audit.before_nusd, audit.after_nusd], [id, 2, 12_000_000_000, 18_000_000_000]);
});

/** A connection like the ingest worker's (src/app/ingest-worker.ts), waiting `busyMs` for the lock. */
function workerLedger(e: Env, busyMs: number): { db: Db; ledger: ReturnType<typeof pricedLedger> } {
  const db = openDatabase(e.fx.dbPath, { busyTimeoutMs: busyMs });
  const { catalogs, refresh } = followAppliedProposals(e.s.config, createPriceProposalStore(db));
  return { db, ledger: pricedLedger(db, () => catalogs.current, makeZone('UTC'), refresh) };
}

void test('rows written while an apply holds the lock are all kept, each at the price in force at its time', async (t) => {
  const e = env(t);
  const id = await pricedThenChanged(e);
  await e.s.ledger.record([usage('2026-03-03T12:00:00Z', 'old'), usage('2026-03-04T00:30:00Z', 'new')], 'import');
  // The ingest worker, waiting no time at all for the lock (it waits 1 s; the re-pricing is longer).
  const ingest = workerLedger(e, 0);
  // A bot in another process (the apply ran from the CLI): its usage meter, journal and all.
  const bot = workerLedger(e, 0);
  const meter = createUsageMeter({ db: bot.db, ledger: bot.ledger, log: quiet, journal: new Journal(join(e.fx.tmp.dir, 'bot-journal')), busyWaitMs: 0, retryMs: 3_600_000 });
  t.after(() => {
    meter.stop();
    ingest.db.close();
    bot.db.close();
  });
  const body = (rowId: string, ts: string) => `${JSON.stringify(usage(ts, rowId))}\n`;
  // Both read the catalog in force (the applied mark) now, before the apply.
  assert.deepEqual(await ingestUsageText(ingest.ledger, body('ingest-before', '2026-03-04T01:00:00Z')), { kind: 'written', inserted: 1, skipped: 0 });
  meter.record([usage('2026-03-04T01:30:00Z', 'bot-before')], 'ask');
  assert.equal(meter.pending, 0);

  let during: Promise<unknown> | null = null;
  const pricer = (appliedList: StoredProposal[]): Pricer => {
    const real = appliedPricer(e.s, appliedList);
    return (row) => {
      if (during === null) {
        // Mid-transaction: the others try to write and find the lock held.
        during = ingestUsageText(ingest.ledger, body('ingest-during', '2026-03-04T02:00:00Z'));
        meter.record([usage('2026-03-04T02:30:00Z', 'bot-during')], 'ask');
      }
      return real(row);
    };
  };
  const applied = await e.s.store.proposals.apply(
    id,
    { at: '2026-03-05T01:00:00.000Z', by: 'erin' },
    { provider: 'openrouter', model: MODEL, fromMs: Date.parse('2026-03-04T00:00:00Z') },
    pricer,
    (result, p) => ({ at: '2026-03-05T01:00:00.000Z', by: 'erin', action: 'applied', proposal_id: p.id, provider: p.provider, model: p.model, rows: result.changed, before_nusd: 0, after_nusd: 0, text: 'test' }),
  );
  assert.equal(applied?.result.changed, 3, "'new', 'ingest-before' and 'bot-before' were re-priced");
  // The ingest was told to retry (503, nothing written); the meter kept its row (memory + journal).
  assert.deepEqual(await during, { kind: 'busy' });
  assert.equal(meter.pending, 1);

  // After the commit: the meter's retry, the client's retry, and new rows from both, whose
  // catalogs were read before the apply: each write looks again inside its transaction.
  assert.equal(await meter.flush(), true);
  assert.deepEqual(await ingestUsageText(ingest.ledger, body('ingest-during', '2026-03-04T02:00:00Z')), { kind: 'written', inserted: 1, skipped: 0 });
  assert.deepEqual(await ingestUsageText(ingest.ledger, body('ingest-after', '2026-03-04T03:00:00Z')), { kind: 'written', inserted: 1, skipped: 0 });
  meter.record([usage('2026-03-04T03:30:00Z', 'bot-after')], 'ask');
  // And this process's own services, whose catalog holder the test never replaced.
  await e.s.ledger.record([usage('2026-03-04T04:00:00Z', 'services-after')], 'import');

  // Before 03-04: $2 + $6 = $8; from 03-04: $3 + $9 = $12. Every row is there.
  const eight = 8_000_000_000;
  const twelve = 12_000_000_000;
  const costs = costsOf(e.fx.dbPath);
  assert.deepEqual(
    Object.fromEntries(Object.keys(costs).sort().map((k) => [k, costs[k]])),
    {
      'bot-after': twelve,
      'bot-before': twelve,
      'bot-during': twelve,
      first: eight,
      'ingest-after': twelve,
      'ingest-before': twelve,
      'ingest-during': twelve,
      new: twelve,
      old: eight,
      'services-after': twelve,
    },
  );
  assertRollupEqualsRows(e.fx.dbPath);
});
