// RouteCheckHistory (src/store/routecheck-history.ts, src/store/postgres/routecheck-history.ts),
// the same behaviour on both stores: a run saved with its results in one transaction, the last
// run of a target, and the results of the last runs, newest first, each run's in key order.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createRouteCheckHistory, type RouteCheckHistory, type RouteCheckRunRecord } from '../../src/store/routecheck-history.js';
import { createPgRouteCheckHistory } from '../../src/store/postgres/routecheck-history.js';
import { openPostgres } from '../../src/store/postgres/pool.js';
import { openDatabase } from '../../src/store/open.js';
import { storeTest, type StoreKind } from '../support/both-stores.js';
import { tempDb } from '../support/store.js';
import { tempPg } from '../support/postgres.js';

async function histories(kind: StoreKind, t: TestContext, n = 1): Promise<RouteCheckHistory[]> {
  if (kind === 'sqlite') {
    const tmp = tempDb(t);
    const others = Array.from({ length: n - 1 }, () => openDatabase(tmp.path));
    t.after(() => others.forEach((db) => db.close()));
    return [tmp.db, ...others].map(createRouteCheckHistory);
  }
  const pg = await tempPg(t);
  const others = Array.from({ length: n - 1 }, () => openPostgres(pg.url));
  t.after(() => Promise.all(others.map((db) => db.close())));
  return [pg.db, ...others].map(createPgRouteCheckHistory);
}

const result = (provider: string, model: string, check: string, status: 'pass' | 'fail' | 'n/a' = 'pass', latency_ms: number | null = 120) => ({ provider, model, check, status, reason: `${check} ${status}`, latency_ms });

function run(target: string, minute: number, results: RouteCheckRunRecord['results'], extra: Partial<RouteCheckRunRecord> = {}): RouteCheckRunRecord {
  const at = (m: number) => new Date(Date.UTC(2026, 10, 23, 12, m)).toISOString();
  return { target, startedAt: at(minute), finishedAt: at(minute + 1), ok: results.every((r) => r.status !== 'fail'), costNusd: 1234, scheduled: false, results, ...extra };
}

storeTest("lastRun gives a target's newest run with its results in key order; none for a target never checked", async (kind, t) => {
  const [h] = await histories(kind, t);
  assert.equal(await h!.lastRun('qwen-plus'), null);
  const first = await h!.save(run('qwen-plus', 0, [result('qwen', 'qwen-plus', 'chat')]));
  // Results saved out of order, with names whose byte order differs from a locale's ('Z' < 'a', '-' < '_').
  const second = await h!.save(
    run('qwen-plus', 5, [result('qwen', 'qwen_plus', 'stream', 'fail'), result('qwen', 'qwen-plus', 'tools', 'n/a', null), result('Qwen', 'qwen-plus', 'chat'), result('qwen', 'qwen-plus', 'chat')], { costNusd: null, scheduled: true }),
  );
  await h!.save(run('glm-4.7', 6, [result('zai', 'glm-4.7', 'chat')]));
  assert.ok(second > first);
  assert.deepEqual(await h!.lastRun('qwen-plus'), {
    id: second,
    finishedAt: '2026-11-23T12:06:00.000Z',
    results: [
      { provider: 'Qwen', model: 'qwen-plus', check: 'chat', status: 'pass', reason: 'chat pass' },
      { provider: 'qwen', model: 'qwen-plus', check: 'chat', status: 'pass', reason: 'chat pass' },
      { provider: 'qwen', model: 'qwen-plus', check: 'tools', status: 'n/a', reason: 'tools n/a' },
      { provider: 'qwen', model: 'qwen_plus', check: 'stream', status: 'fail', reason: 'stream fail' },
    ],
  });
});

storeTest('recentResults reads the results of the last N runs of any target, newest run first', async (kind, t) => {
  const [h] = await histories(kind, t);
  const ids: number[] = [];
  for (const [i, target] of ['a', 'b', 'a', 'c'].entries()) ids.push(await h!.save(run(target, i * 2, [result('p', `m-${target}`, 'json'), result('p', `m-${target}`, 'chat')])));
  const got = await h!.recentResults(2);
  assert.deepEqual(
    got.map((r) => [r.run_id, r.target, r.finished_at, r.model, r.check]),
    [
      [ids[3], 'c', '2026-11-23T12:07:00.000Z', 'm-c', 'chat'],
      [ids[3], 'c', '2026-11-23T12:07:00.000Z', 'm-c', 'json'],
      [ids[2], 'a', '2026-11-23T12:05:00.000Z', 'm-a', 'chat'],
      [ids[2], 'a', '2026-11-23T12:05:00.000Z', 'm-a', 'json'],
    ],
  );
  assert.equal((await h!.recentResults(10)).length, 8);
});

storeTest('a run whose result breaks a rule is not saved at all (one transaction)', async (kind, t) => {
  const [h] = await histories(kind, t);
  const bad = run('qwen-plus', 0, [result('qwen', 'qwen-plus', 'chat'), { ...result('qwen', 'qwen-plus', 'json'), status: 'maybe' as 'pass' }]);
  await assert.rejects(async () => h!.save(bad));
  // A result twice: the primary key refuses the second.
  await assert.rejects(async () => h!.save(run('qwen-plus', 1, [result('qwen', 'qwen-plus', 'chat'), result('qwen', 'qwen-plus', 'chat')])));
  assert.equal(await h!.lastRun('qwen-plus'), null);
  assert.deepEqual(await h!.recentResults(5), []);
});

storeTest('replicas saving runs at once each get their own run id and keep all their results', async (kind, t) => {
  const stores = await histories(kind, t, 3);
  const ids = await Promise.all(stores.flatMap((h, i) => [0, 1, 2].map((j) => h.save(run(`t${i}-${j}`, j, [result('p', 'm', 'chat'), result('p', 'm', 'json')])))));
  assert.equal(new Set(ids).size, 9);
  const all = await stores[0]!.recentResults(100);
  assert.equal(all.length, 18);
  for (const [k, id] of ids.entries()) assert.equal(all.filter((r) => r.run_id === id && r.target === `t${Math.floor(k / 3)}-${k % 3}`).length, 2);
});
