// The catalog repository (src/store/catalog-snapshots.ts) held to one behaviour on both stores:
// history stored as changes only and rebuilt per fetch, the detection state as written, and the
// load-decide-write unit once across replicas (two handles running the catalog job at once).
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { runPriceCheck } from '../../src/features/catalog/price-check.js';
import type { ModelChange } from '../../src/features/catalog/price-alert.js';
import { loadSnapshot } from '../../src/features/catalog/snapshots.js';
import { createCatalogSnapshotStore, type CatalogSnapshotStore, type DetectionWrite, type FetchedEntry } from '../../src/store/catalog-snapshots.js';
import { createPgCatalogSnapshotStore } from '../../src/store/postgres/catalog-snapshots.js';
import { storeTest, type StoreKind } from '../support/both-stores.js';
import { openRouterSnapshots } from '../catalog-sources/helpers.js';
import { openBoth } from './catalog-stores.js';

const open = (kind: StoreKind, t: TestContext) => openBoth<CatalogSnapshotStore>(kind, t, { sqlite: createCatalogSnapshotStore, postgres: createPgCatalogSnapshotStore });

const entry = (model: string, price: number, provider = 'openrouter'): FetchedEntry => ({ provider, model, fingerprint: `p${price}`, data: { model, price } });
const at = (hour: number) => new Date(Date.UTC(2026, 0, 1, hour)).toISOString();

storeTest('recordFetch stores changes only, and every recorded fetch lists what it listed', async (kind, t) => {
  const { store, rows } = await open(kind, t);
  const f1 = await store.recordFetch({ source: 'openrouter', fetched_at: at(0), entries: [entry('a', 1), entry('b', 1), entry('a', 9)] });
  assert.deepEqual([f1.opened, f1.closed], [2, 0], 'a model listed twice in one fetch counts once (the first)');
  const f2 = await store.recordFetch({ source: 'openrouter', fetched_at: at(1), entries: [entry('a', 1), entry('b', 2), entry('c', 1)] });
  assert.deepEqual([f2.opened, f2.closed], [2, 1], 'b changed (closed and opened), c is new, a unchanged');
  const f3 = await store.recordFetch({ source: 'openrouter', fetched_at: at(2), entries: [entry('b', 2), entry('c', 1)] });
  assert.deepEqual([f3.opened, f3.closed], [0, 1], 'a is gone');
  await store.recordFetch({ source: 'litellm', fetched_at: at(1), entries: [entry('a', 5)] });

  assert.deepEqual(
    (await store.listFetches('openrouter')).map((f) => [f.id, f.source, f.fetched_at, f.entries, f.changed]),
    [
      [f1.fetch_id, 'openrouter', at(0), 3, 2],
      [f2.fetch_id, 'openrouter', at(1), 3, 3],
      [f3.fetch_id, 'openrouter', at(2), 2, 1],
    ],
  );
  assert.deepEqual(await rows('SELECT COUNT(*) AS n FROM catalog_entries'), [{ n: 5 }], 'a1, b1, b2, c1 and litellm a5: four versions of openrouter');
  const listed = async (id?: number) => {
    const l = await store.loadListing('openrouter', id);
    return l && { ...l, entries: l.entries.map((e) => JSON.stringify(e)).sort() };
  };
  assert.deepEqual(await listed(f1.fetch_id), { fetch_id: f1.fetch_id, fetched_at: at(0), entries: ['{"model":"a","price":1}', '{"model":"b","price":1}'] });
  assert.deepEqual((await listed(f2.fetch_id))?.entries, ['{"model":"a","price":1}', '{"model":"b","price":2}', '{"model":"c","price":1}']);
  assert.deepEqual(await listed(), { fetch_id: f3.fetch_id, fetched_at: at(2), entries: ['{"model":"b","price":2}', '{"model":"c","price":1}'] }, 'the latest by default');
  assert.equal(await store.loadListing('openrouter', 999_999), null, 'a fetch that is not there');
  assert.equal(await store.loadListing('models:deepseek'), null, 'a source never fetched');
  assert.deepEqual(await store.listFetches('models:deepseek'), []);
});

const pending = (model: string, over: Partial<Extract<DetectionWrite, { kind: 'pend' }>['pending']> = {}) => ({
  provider: 'openrouter',
  model,
  fingerprint: 'new',
  data: { model, price: 2 } as unknown,
  seen: 1,
  first_seen: at(1),
  last_seen: at(1),
  suspect: false,
  noted: false,
  ...over,
});

storeTest('updateDetection writes the state that loadDetectionState reads back, sources and models in name order', async (kind, t) => {
  const { store } = await open(kind, t);
  const out = await store.updateDetection(['openrouter', 'litellm'], (state) => {
    assert.deepEqual(state, [], 'nothing stored yet');
    return {
      result: 'first',
      record: [{ source: 'openrouter', fetched_at: at(0), entries: [entry('b', 1), entry('a', 1)] }],
      writes: [
        { kind: 'source', source: 'openrouter', baseline_at: at(0), last_fetch_at: at(1) },
        { kind: 'source', source: 'litellm', baseline_at: at(0), last_fetch_at: at(0) },
        { kind: 'accept', source: 'openrouter', provider: 'openrouter', model: 'b', fingerprint: 'p1', data: { model: 'b', price: 1 }, accepted_at: at(0) },
        { kind: 'accept', source: 'openrouter', provider: 'openrouter', model: 'a', fingerprint: 'p1', data: { model: 'a', price: 1 }, accepted_at: at(0) },
        { kind: 'accept', source: 'litellm', provider: 'deepseek', model: 'chat', fingerprint: 'x', data: { n: 1 }, accepted_at: at(0) },
        { kind: 'pend', source: 'openrouter', pending: pending('b', { seen: 2, suspect: true }) },
        { kind: 'pend', source: 'openrouter', pending: pending('a', { data: null, noted: true }) },
      ],
    };
  });
  assert.equal(out.result, 'first');
  assert.deepEqual(out.recorded.map((r) => [r.opened, r.closed]), [[2, 0]]);
  const loaded = await store.loadDetectionState();
  assert.deepEqual(loaded, [
    { source: 'litellm', baseline_at: at(0), last_fetch_at: at(0), accepted: [{ provider: 'deepseek', model: 'chat', data: { n: 1 } }], pending: [] },
    {
      source: 'openrouter',
      baseline_at: at(0),
      last_fetch_at: at(1),
      accepted: [
        { provider: 'openrouter', model: 'a', data: { model: 'a', price: 1 } },
        { provider: 'openrouter', model: 'b', data: { model: 'b', price: 1 } },
      ],
      pending: [pending('a', { data: null, noted: true }), pending('b', { seen: 2, suspect: true })],
    },
  ]);
  assert.deepEqual(await store.loadDetectionState(['openrouter', 'models:x']), [loaded[1]], 'only the sources asked for');
  assert.deepEqual(await store.loadDetectionState([]), []);

  // The next run reads what the first wrote, and its unaccept/unpend/re-accept land.
  await store.updateDetection(['openrouter'], (state) => {
    assert.deepEqual(state, [loaded[1]], 'decide sees the sources asked for');
    return {
      result: null,
      record: [],
      writes: [
        { kind: 'unaccept', source: 'openrouter', provider: 'openrouter', model: 'a' },
        { kind: 'unpend', source: 'openrouter', provider: 'openrouter', model: 'a' },
        { kind: 'unpend', source: 'openrouter', provider: 'openrouter', model: 'b' },
        { kind: 'accept', source: 'openrouter', provider: 'openrouter', model: 'b', fingerprint: 'new', data: { model: 'b', price: 2 }, accepted_at: at(2) },
        { kind: 'source', source: 'openrouter', baseline_at: at(0), last_fetch_at: at(2) },
      ],
    };
  });
  const [after] = await store.loadDetectionState(['openrouter']);
  assert.deepEqual(after, { source: 'openrouter', baseline_at: at(0), last_fetch_at: at(2), accepted: [{ provider: 'openrouter', model: 'b', data: { model: 'b', price: 2 } }], pending: [] });
});

storeTest('a decide that throws writes nothing: no fetch, no state', async (kind, t) => {
  const { store } = await open(kind, t);
  // Through an async function, as callers await it (the SQLite store throws within the call).
  await assert.rejects(async () =>
    store.updateDetection(['openrouter'], () => {
      throw new Error('decide failed');
    }),
    /decide failed/,
  );
  // A write that the database refuses (seen must be ≥ 1) after a fetch was recorded: all of it undone.
  await assert.rejects(async () =>
    store.updateDetection(['openrouter'], () => ({
      result: null,
      record: [{ source: 'openrouter', fetched_at: at(0), entries: [entry('a', 1)] }],
      writes: [
        { kind: 'source', source: 'openrouter', baseline_at: at(0), last_fetch_at: at(0) },
        { kind: 'pend', source: 'openrouter', pending: pending('a', { seen: 0 }) },
      ],
    })),
  );
  assert.deepEqual(await store.listFetches('openrouter'), []);
  assert.deepEqual(await store.loadDetectionState(), []);
  assert.equal(await store.loadListing('openrouter'), null);
});

storeTest('acceptedOf: in the order asked, each model by source name, with the source last fetch; unknown models left out', async (kind, t) => {
  const { store } = await open(kind, t);
  const accept = (source: string, model: string, data: unknown): DetectionWrite => ({ kind: 'accept', source, provider: 'deepseek', model, fingerprint: 'f', data, accepted_at: at(0) });
  await store.updateDetection(['openrouter', 'litellm', 'models_dev'], () => ({
    result: null,
    record: [],
    writes: [
      { kind: 'source', source: 'openrouter', baseline_at: at(0), last_fetch_at: at(3) },
      { kind: 'source', source: 'litellm', baseline_at: at(0), last_fetch_at: at(1) },
      { kind: 'source', source: 'models_dev', baseline_at: at(0), last_fetch_at: at(2) },
      accept('openrouter', 'chat', 'or-chat'),
      accept('litellm', 'chat', 'll-chat'),
      accept('models_dev', 'reasoner', 'md-reasoner'),
      accept('openrouter', 'reasoner', 'or-reasoner'),
    ],
  }));
  const got = await store.acceptedOf([
    { provider: 'deepseek', model: 'reasoner' },
    { provider: 'deepseek', model: 'gone' },
    { provider: 'deepseek', model: 'chat' },
  ]);
  assert.deepEqual(
    got.map((e) => [e.model, e.source, e.data, e.last_fetch_at]),
    [
      ['reasoner', 'models_dev', 'md-reasoner', at(2)],
      ['reasoner', 'openrouter', 'or-reasoner', at(3)],
      ['chat', 'litellm', 'll-chat', at(1)],
      ['chat', 'openrouter', 'or-chat', at(3)],
    ],
  );
  assert.deepEqual(await store.acceptedOf([]), []);
});

/** The confirmed announcements of some price-check results, as "model at". */
const announced = (changes: readonly ModelChange[]) => changes.filter((c) => c.status === 'confirmed').map((c) => `${c.model} ${c.at}`);

storeTest('replay of 11 OpenRouter fetches: held changes announced once, each fetch rebuilt from the stored changes', async (kind, t) => {
  const { store } = await open(kind, t);
  const snaps = openRouterSnapshots().slice(0, 11);
  const watched = () => true;
  const changes: ModelChange[] = [];
  for (const s of snaps) changes.push(...((await runPriceCheck(store, [s], { watched })).alert?.changes ?? []));
  assert.deepEqual(
    announced(changes).filter((c) => /^(z-ai\/glm-4\.6|deepseek\/deepseek-v3\.2|qwen\/qwen3-next-80b-a3b-instruct) /.test(c)),
    ['z-ai/glm-4.6 2025-12-30T00:10:00.000Z', 'deepseek/deepseek-v3.2 2025-12-31T00:11:00.000Z', 'qwen/qwen3-next-80b-a3b-instruct 2026-01-01T00:11:00.000Z'],
  );
  const again = await runPriceCheck(store, [snaps.at(-1)!], { watched });
  assert.deepEqual([again.alert, again.skipped.length, again.recorded], [null, 1, []], 'the same fetch again is skipped and recorded nowhere');
  const fetches = await store.listFetches('openrouter');
  assert.equal(fetches.length, 11);
  for (const i of [0, 5, 10]) {
    const rebuilt = await loadSnapshot(store, 'openrouter', fetches[i]!.id);
    assert.deepEqual(rebuilt?.entries, snaps[i]!.entries, `fetch ${i}`);
  }
});

storeTest('two replicas running the catalog job at once record each fetch once and announce each change once', async (kind, t) => {
  const { store, other, rows } = await open(kind, t);
  const snaps = openRouterSnapshots().slice(0, 11);
  const watched = () => true;
  const alone: string[] = [];
  const both: string[] = [];
  for (const s of snaps) {
    const results = await Promise.all([runPriceCheck(store, [s], { watched }), runPriceCheck(other, [s], { watched })]);
    assert.equal(results.filter((r) => r.recorded.length === 1).length, 1, `${s.fetched_at}: one of them recorded the fetch, the other skipped it`);
    assert.equal(results.filter((r) => r.skipped.length === 1).length, 1);
    both.push(...results.flatMap((r) => announced(r.alert?.changes ?? [])));
  }
  // What one replica alone announces over the same fetches (a second database).
  const { store: single } = await open(kind, t);
  for (const s of snaps) alone.push(...announced((await runPriceCheck(single, [s], { watched })).alert?.changes ?? []));
  assert.ok(alone.length >= 3);
  assert.deepEqual(both, alone, 'each change announced once, by one of them');
  assert.deepEqual(await rows('SELECT COUNT(*) AS n FROM catalog_fetches'), [{ n: 11 }]);
});

storeTest('two replicas recording fetches of one source at once all land, one current version per model', async (kind, t) => {
  const { store, other, rows } = await open(kind, t);
  await store.recordFetch({ source: 'openrouter', fetched_at: at(0), entries: [entry('a', 1), entry('b', 1)] });
  await other.listFetches('openrouter'); // both connected before they race
  let opened = 0;
  let closed = 0;
  for (let round = 1; round <= 5; round++) {
    const two = await Promise.all([
      store.recordFetch({ source: 'openrouter', fetched_at: at(2 * round - 1), entries: [entry('a', 10 * round), entry('b', 1)] }),
      other.recordFetch({ source: 'openrouter', fetched_at: at(2 * round), entries: [entry('a', 10 * round + 1), entry('b', 1)] }),
    ]);
    for (const r of two) [opened, closed] = [opened + r.opened, closed + r.closed];
  }
  assert.deepEqual([opened, closed], [10, 10], 'each saw the version the other left: a closed and opened by every fetch');
  assert.deepEqual(await rows('SELECT model, COUNT(*) AS n FROM catalog_entries WHERE until_fetch IS NULL GROUP BY model ORDER BY model'), [
    { model: 'a', n: 1 },
    { model: 'b', n: 1 },
  ]);
  assert.equal((await store.listFetches('openrouter')).length, 11);
});
