// PricedWithStore (src/store/priced-with.ts, src/store/postgres/priced-with.ts), the same behaviour
// on both stores: the price versions the ledger's rows follow, per provider and model.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createPricedWithStore, type PricedWithStore } from '../../src/store/priced-with.js';
import { createPgPricedWithStore } from '../../src/store/postgres/priced-with.js';
import { openPostgres } from '../../src/store/postgres/pool.js';
import { storeTest, type StoreKind } from '../support/both-stores.js';
import { tempDb } from '../support/store.js';
import { tempPg } from '../support/postgres.js';

/** The store, a second replica's store, and a way to write a raw row. */
async function stores(kind: StoreKind, t: TestContext): Promise<{ a: PricedWithStore; b: PricedWithStore; rawRow: (versions: string) => Promise<void> }> {
  const sql = 'INSERT INTO ledger_priced_with (provider, model, versions) VALUES ';
  if (kind === 'sqlite') {
    const { db } = tempDb(t);
    return { a: createPricedWithStore(db), b: createPricedWithStore(db), rawRow: async (v) => void db.prepare(`${sql}('broken', 'm', ?)`).run(v) };
  }
  const pg = await tempPg(t);
  const other = openPostgres(pg.url);
  t.after(() => other.close());
  return { a: createPgPricedWithStore(pg.db), b: createPgPricedWithStore(other), rawRow: async (v) => void (await pg.db.query(`${sql}('broken', 'm', $1)`, [v])) };
}

const v = (id: string, terms = 'in 1 out 2') => ({ id, terms });

storeTest('set keeps the versions per provider and model; setting again replaces them', async (kind, t) => {
  const { a } = await stores(kind, t);
  assert.deepEqual(await a.all(), new Map());
  await a.set('deepseek', 'chat', [v('deepseek/chat@2026-01-01T00:00:00Z'), v('deepseek/chat@2026-03-01T00:00:00Z', 'in 2 out 3')]);
  await a.set('qwen', 'plus', [v('qwen/plus@2026-01-01T00:00:00Z')]);
  await a.set('deepseek', 'chat', [v('deepseek/chat@2026-05-01T00:00:00Z')]);
  assert.deepEqual(await a.all(), new Map([
    ['deepseek\u0000chat', [v('deepseek/chat@2026-05-01T00:00:00Z')]],
    ['qwen\u0000plus', [v('qwen/plus@2026-01-01T00:00:00Z')]],
  ]));
});

storeTest('a row that is not JSON is left out (its rows are checked again), the others still read', async (kind, t) => {
  const { a, rawRow } = await stores(kind, t);
  await rawRow('{not json');
  await a.set('qwen', 'plus', [v('qwen/plus@1')]);
  assert.deepEqual([...(await a.all()).keys()], ['qwen\u0000plus']);
});

storeTest('two replicas setting one model at once leave one row holding one of the two', async (kind, t) => {
  const { a, b } = await stores(kind, t);
  await Promise.all([a.set('p', 'm', [v('p/m@1')]), b.set('p', 'm', [v('p/m@2')]), a.set('p', 'n', [v('p/n@1')])]);
  const all = await b.all();
  assert.equal(all.size, 2);
  assert.ok(['p/m@1', 'p/m@2'].includes(all.get('p\u0000m')![0]!.id));
});
