// The price proposal repository (src/store/price-proposals.ts) held to one behaviour on both
// stores: proposals added once, expired by newer ones, decided once, applied in one transaction
// with the ledger's re-pricing and the audit; and once across replicas (two handles at once).
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Pricer, RepriceScope, UsageInput } from '../../src/store/ledger.js';
import { createPriceProposalStore, type NewAuditEntry, type NewProposal, type PriceProposalStore, type StoredProposal } from '../../src/store/price-proposals.js';
import { createPgPriceProposalStore } from '../../src/store/postgres/price-proposals.js';
import { storeTest, type StoreKind } from '../support/both-stores.js';
import { fakePrice, makeLedger } from '../support/ledger-fixtures.js';
import { openBoth, type Opened } from './catalog-stores.js';
import { repriceUsage } from './usage-reprice.js';

const open = (kind: StoreKind, t: TestContext) =>
  openBoth<PriceProposalStore>(kind, t, { sqlite: createPriceProposalStore, postgres: (db) => createPgPriceProposalStore(db, { reprice: repriceUsage }) });

const proposal = (over: Partial<NewProposal> = {}): NewProposal => ({
  source: 'openrouter',
  provider: 'openrouter',
  model: 'deepseek/deepseek-v3.2',
  kind: 'price',
  fingerprint: 'fp1',
  seen_at: '2026-03-01T00:00:00.000Z',
  effective: '2026-03-01T00:00:00.000Z',
  version: { effective: '2026-03-01T00:00:00.000Z', per_million: { input: '0.28', output: '0.42' } },
  previous: { input: '0.25', output: '0.38' },
  suspect: false,
  created_at: '2026-03-01T06:00:00.000Z',
  ...over,
});

const auditOf = (p: StoredProposal, over: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  at: '2026-03-02T00:00:00.000Z',
  by: 'alice',
  action: 'applied',
  proposal_id: p.id,
  provider: p.provider,
  model: p.model,
  rows: 0,
  before_nusd: 0,
  after_nusd: 0,
  text: `alice applied proposal ${p.id}`,
  ...over,
});

storeTest('add: once per entry and first-seen time, and with onceEver once at any time', async (kind, t) => {
  const { store } = await open(kind, t);
  const first = await store.add(proposal({ suspect: true }));
  assert.ok(first);
  assert.deepEqual(first, { ...proposal({ suspect: true }), id: first.id, status: 'proposed', decided_at: null, decided_by: null });
  assert.deepEqual(await store.get(first.id), first);
  assert.equal(await store.add(proposal()), null, 'the same change again');
  const later = await store.add(proposal({ seen_at: '2026-03-05T00:00:00.000Z' }));
  assert.ok(later, 'the same entry first seen again later is a new change');
  assert.equal(await store.add(proposal({ seen_at: '2026-03-09T00:00:00.000Z' }), { onceEver: true }), null, 'onceEver: proposed before, at any time');
  assert.ok(await store.add(proposal({ fingerprint: 'fp2', seen_at: '2026-03-09T00:00:00.000Z', version: null, previous: null }), { onceEver: true }));
  assert.equal((await store.list()).length, 3);
  assert.equal(await store.get(999_999), null);
});

storeTest('list is newest first and filters by status; applied is oldest decision first', async (kind, t) => {
  const { store } = await open(kind, t);
  const ids: number[] = [];
  for (const fp of ['a', 'b', 'c', 'd']) ids.push((await store.add(proposal({ fingerprint: fp })))!.id);
  const [a, b, c, d] = ids as [number, number, number, number];
  assert.equal(await store.decide(c, 'proposed', 'applied', '2026-03-02T00:00:00.000Z', 'bob'), true);
  assert.equal(await store.decide(a, 'proposed', 'applied', '2026-03-03T00:00:00.000Z', 'bob'), true);
  assert.equal(await store.decide(b, 'proposed', 'ignored', '2026-03-02T00:00:00.000Z', 'carol'), true);
  assert.deepEqual((await store.list()).map((p) => p.id), [d, c, b, a]);
  assert.deepEqual((await store.list('proposed')).map((p) => p.id), [d]);
  assert.deepEqual((await store.list('ignored')).map((p) => [p.id, p.decided_by]), [[b, 'carol']]);
  assert.deepEqual((await store.applied()).map((p) => p.id), [c, a], 'decided 03-02 before 03-03');
  assert.deepEqual(await store.list('expired'), []);
});

storeTest('a newer proposal expires the older open ones it replaces: prices replace prices, retirements retirements', async (kind, t) => {
  const { store } = await open(kind, t);
  const oldPrice = (await store.add(proposal({ fingerprint: 'p1' })))!;
  const decided = (await store.add(proposal({ fingerprint: 'p0', seen_at: '2026-02-01T00:00:00.000Z' })))!;
  await store.decide(decided.id, 'proposed', 'ignored', '2026-03-01T07:00:00.000Z', 'bob');
  const retirement = (await store.add(proposal({ kind: 'retirement', fingerprint: 'gone' })))!;
  const other = (await store.add(proposal({ fingerprint: 'p1', model: 'deepseek/deepseek-r1' })))!;
  const newPrice = await store.add(proposal({ fingerprint: 'p2', created_at: '2026-03-02T06:00:00.000Z' }), { replaces: true });
  assert.ok(newPrice);
  const status = async (id: number) => ((p) => [p?.status, p?.decided_at])(await store.get(id));
  assert.deepEqual(await status(oldPrice.id), ['expired', '2026-03-02T06:00:00.000Z']);
  assert.deepEqual(await status(decided.id), ['ignored', '2026-03-01T07:00:00.000Z'], 'a decided one is left alone');
  assert.deepEqual(await status(retirement.id), ['proposed', null], 'a price does not replace a retirement');
  assert.deepEqual(await status(other.id), ['proposed', null], 'another model');
  assert.deepEqual(await status(newPrice.id), ['proposed', null]);

  const newRetirement = (await store.add(proposal({ kind: 'retirement', fingerprint: 'gone2' })))!;
  assert.equal(await store.expireOlder('openrouter', 'openrouter', 'deepseek/deepseek-v3.2', newRetirement.id, '2026-03-03T00:00:00.000Z'), 1);
  assert.deepEqual(await status(retirement.id), ['expired', '2026-03-03T00:00:00.000Z']);
  assert.deepEqual(await status(newPrice.id), ['proposed', null], 'a retirement does not replace a price');
  assert.equal(await store.expireOlder('openrouter', 'openrouter', 'deepseek/deepseek-v3.2', newRetirement.id, '2026-03-04T00:00:00.000Z'), 0);
});

storeTest('decide changes the status only while it is still the one expected', async (kind, t) => {
  const { store } = await open(kind, t);
  const p = (await store.add(proposal()))!;
  assert.equal(await store.decide(p.id, 'applied', 'ignored', '2026-03-02T00:00:00.000Z', 'bob'), false);
  assert.equal(await store.decide(p.id, 'proposed', 'ignored', '2026-03-02T00:00:00.000Z', 'bob'), true);
  assert.equal(await store.decide(p.id, 'proposed', 'applied', '2026-03-03T00:00:00.000Z', 'carol'), false, 'someone decided first');
  assert.deepEqual(((r) => [r?.status, r?.decided_at, r?.decided_by])(await store.get(p.id)), ['ignored', '2026-03-02T00:00:00.000Z', 'bob']);
  assert.equal(await store.decide(999_999, 'proposed', 'ignored', '2026-03-02T00:00:00.000Z', 'bob'), false);
});

storeTest('the audit keeps each entry with its id, oldest first', async (kind, t) => {
  const { store } = await open(kind, t);
  const p = (await store.add(proposal()))!;
  const one = await store.addAudit(auditOf(p, { action: 'ignored', by: 'bob', text: 'bob ignored it' }));
  const two = await store.addAudit(auditOf(p, { rows: 3, before_nusd: 12_000_000_000, after_nusd: 18_000_000_000 }));
  assert.ok(two.id > one.id);
  assert.deepEqual(await store.history(), [one, two]);
  assert.deepEqual(two, { id: two.id, ...auditOf(p, { rows: 3, before_nusd: 12_000_000_000, after_nusd: 18_000_000_000 }) });
});

storeTest('the applied mark changes when a proposal is applied, and only then', async (kind, t) => {
  const { store, other } = await open(kind, t);
  const empty = await store.appliedMark();
  const p = (await store.add(proposal()))!;
  const q = (await store.add(proposal({ fingerprint: 'fp2' })))!;
  await store.decide(q.id, 'proposed', 'ignored', '2026-03-02T00:00:00.000Z', 'bob');
  assert.equal(await store.appliedMark(), empty, 'adding and ignoring apply nothing');
  await other.decide(p.id, 'proposed', 'applied', '2026-03-02T00:00:00.000Z', 'bob');
  const marked = await store.appliedMark();
  assert.notEqual(marked, empty, 'applied through another handle: seen');
  assert.equal(await other.appliedMark(), marked);
});

const MODEL = 'deepseek/deepseek-v3.2';
const row = (ts: string, request_id: string): UsageInput => ({ ts, provider: 'openrouter', model: MODEL, input_tokens: 1000, cached_input_tokens: 0, output_tokens: 500, reasoning_tokens: 0, request_id });

/** Two rows before the scope and two in it, each costing input + output nano-USD (fakePrice). */
async function seedUsage(o: Opened<PriceProposalStore>): Promise<void> {
  const rows = [row('2026-02-28T12:00:00Z', 'before'), row('2026-03-01T01:00:00Z', 'in-1'), row('2026-03-01T02:00:00Z', 'in-2')];
  if (o.sqlite) {
    await makeLedger(o.sqlite).record(rows, 'import');
    return;
  }
  for (const r of rows) {
    const ms = Date.parse(r.ts);
    const priced = fakePrice({ ...r, tsMs: ms });
    await o.pg!.query(
      `INSERT INTO usage (ts_ms, day, provider, model, input_tokens, output_tokens, cost_nusd, price_version, source, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'import', $9)`,
      [ms, r.ts.slice(0, 10), r.provider, r.model, r.input_tokens, r.output_tokens, priced.cost_nusd, priced.price_version, r.request_id!],
    );
  }
}

const costs = async (o: Opened<PriceProposalStore>) =>
  Object.fromEntries((await o.rows('SELECT request_id, cost_nusd, price_version FROM usage ORDER BY id')).map((r) => [r.request_id, [r.cost_nusd, r.price_version]]));

const SCOPE: RepriceScope = { provider: 'openrouter', model: MODEL, fromMs: Date.parse('2026-03-01T00:00:00Z') };
/** Twice fakePrice, as version "test-v2". */
const doubled: Pricer = (r) => ({ cost_nusd: 2 * (r.input_tokens + r.output_tokens), price_version: 'test-v2' });

storeTest('apply commits the status, the re-priced rows and the audit together; the pricer sees this proposal applied', async (kind, t) => {
  const o = await open(kind, t);
  const { store } = o;
  await seedUsage(o);
  const p = (await store.add(proposal()))!;
  let seenApplied: number[] = [];
  const out = await store.apply(
    p.id,
    { at: '2026-03-02T00:00:00.000Z', by: 'dave' },
    SCOPE,
    (applied) => {
      seenApplied = applied.map((a) => a.id);
      return doubled;
    },
    (result, applied) => auditOf(applied, { by: 'dave', rows: result.changed, before_nusd: Number(result.before_nusd), after_nusd: Number(result.after_nusd) }),
  );
  assert.ok(out);
  assert.deepEqual(seenApplied, [p.id]);
  assert.deepEqual(out.result, { rows: 2, changed: 2, before_nusd: 3000n, after_nusd: 6000n });
  assert.deepEqual([out.proposal.status, out.proposal.decided_at, out.proposal.decided_by], ['applied', '2026-03-02T00:00:00.000Z', 'dave']);
  assert.deepEqual(out.proposal, await store.get(p.id));
  assert.deepEqual(await store.history(), [out.audit]);
  assert.deepEqual([out.audit.rows, out.audit.before_nusd, out.audit.after_nusd, out.audit.by], [2, 3000, 6000, 'dave']);
  assert.deepEqual(await costs(o), { before: [1500, 'test-v1'], 'in-1': [3000, 'test-v2'], 'in-2': [3000, 'test-v2'] });
});

storeTest('an apply whose re-pricing throws part-way writes nothing: status, rows and audit as they were', async (kind, t) => {
  const o = await open(kind, t);
  const { store } = o;
  await seedUsage(o);
  const p = (await store.add(proposal()))!;
  const before = await costs(o);
  let priced = 0;
  const failing: Pricer = (r) => {
    if (++priced === 2) throw new Error('pricer failed at row 2');
    return doubled(r);
  };
  await assert.rejects(async () => store.apply(p.id, { at: '2026-03-02T00:00:00.000Z', by: 'dave' }, SCOPE, () => failing, (_, a) => auditOf(a)), /pricer failed at row 2/);
  assert.equal(priced, 2, 'it failed after re-pricing one row in the transaction');
  assert.deepEqual(await costs(o), before);
  assert.equal((await store.get(p.id))?.status, 'proposed');
  assert.deepEqual(await store.history(), []);
  // An audit that cannot be written (no such proposal to refer to) undoes the re-pricing too.
  await assert.rejects(async () => store.apply(p.id, { at: '2026-03-02T00:00:00.000Z', by: 'dave' }, SCOPE, () => doubled, (_, a) => auditOf(a, { proposal_id: 999_999 })));
  assert.deepEqual(await costs(o), before);
  assert.equal((await store.get(p.id))?.status, 'proposed');
});

storeTest('apply of a proposal no longer proposed answers null and writes nothing', async (kind, t) => {
  const o = await open(kind, t);
  const { store } = o;
  await seedUsage(o);
  const p = (await store.add(proposal()))!;
  await store.decide(p.id, 'proposed', 'ignored', '2026-03-02T00:00:00.000Z', 'bob');
  const before = await costs(o);
  let called = false;
  const out = await store.apply(p.id, { at: '2026-03-03T00:00:00.000Z', by: 'dave' }, SCOPE, () => ((called = true), doubled), (_, a) => auditOf(a));
  assert.deepEqual([out, called], [null, false]);
  assert.equal(await store.apply(999_999, { at: '2026-03-03T00:00:00.000Z', by: 'dave' }, SCOPE, () => doubled, (_, a) => auditOf(a)), null);
  assert.deepEqual(await costs(o), before);
  assert.deepEqual(((r) => [r?.status, r?.decided_by])(await store.get(p.id)), ['ignored', 'bob']);
  assert.deepEqual(await store.history(), []);
});

storeTest('two replicas deciding one proposal at once: exactly one of them wins', async (kind, t) => {
  const { store, other } = await open(kind, t);
  await other.list(); // both connected before they race
  for (let i = 0; i < 10; i++) {
    const p = (await store.add(proposal({ fingerprint: `fp${i}` })))!;
    const [applied, ignored] = await Promise.all([
      store.decide(p.id, 'proposed', 'applied', '2026-03-02T00:00:00.000Z', 'bob'),
      other.decide(p.id, 'proposed', 'ignored', '2026-03-02T00:00:00.000Z', 'carol'),
    ]);
    assert.equal(Number(applied) + Number(ignored), 1, `proposal ${i}: one winner`);
    assert.equal((await store.get(p.id))?.status, applied ? 'applied' : 'ignored', 'the status is the winner’s');
  }
});

storeTest('two replicas applying one proposal at once: it is applied, re-priced and audited once', async (kind, t) => {
  const o = await open(kind, t);
  const { store, other } = o;
  await seedUsage(o);
  await other.list();
  const p = (await store.add(proposal()))!;
  const apply = (s: PriceProposalStore, by: string) =>
    s.apply(p.id, { at: '2026-03-02T00:00:00.000Z', by }, SCOPE, () => doubled, (result, a) => auditOf(a, { by, rows: result.changed }));
  const outs = await Promise.all([apply(store, 'dave'), apply(other, 'erin')]);
  const won = outs.filter((x) => x !== null);
  assert.equal(won.length, 1, 'one applied, the other found it decided');
  assert.equal(won[0]!.result.changed, 2);
  assert.deepEqual((await store.history()).map((a) => [a.by, a.rows]), [[won[0]!.proposal.decided_by, 2]]);
  assert.deepEqual(await costs(o), { before: [1500, 'test-v1'], 'in-1': [3000, 'test-v2'], 'in-2': [3000, 'test-v2'] });
});

storeTest('two replicas adding the same proposal at once add it once, also once-ever ones first seen at other times', async (kind, t) => {
  const { store, other } = await open(kind, t);
  await other.list();
  for (let i = 0; i < 5; i++) {
    const same = await Promise.all([store.add(proposal({ fingerprint: `same${i}` })), other.add(proposal({ fingerprint: `same${i}` }))]);
    assert.equal(same.filter((x) => x !== null).length, 1, `round ${i}: the same change once`);
    const ever = await Promise.all([
      store.add(proposal({ fingerprint: `ever${i}`, seen_at: '2026-03-01T00:00:00.000Z' }), { onceEver: true }),
      other.add(proposal({ fingerprint: `ever${i}`, seen_at: '2026-03-01T06:00:00.000Z' }), { onceEver: true }),
    ]);
    assert.equal(ever.filter((x) => x !== null).length, 1, `round ${i}: once ever`);
  }
  assert.equal((await store.list()).length, 10);
});
