// The last run of each alert job (src/store/job-runs.ts, src/store/postgres/job-runs.ts): one
// behaviour on both stores, and the recorded time never moves back, also when replicas record at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeTest } from '../support/both-stores.js';
import { openStores, replica } from '../support/slack-alert-stores.js';

storeTest('a job run is recorded and replaced by a later one; an earlier one keeps the time but takes the status', async (kind, t) => {
  const { jobRuns } = await openStores(kind, t);
  assert.equal(await jobRuns.last('budgets'), null);
  await jobRuns.record('budgets', new Date('2026-07-17T10:00:00Z'), 'ok');
  assert.deepEqual(await jobRuns.last('budgets'), { job: 'budgets', last_run_at: '2026-07-17T10:00:00.000Z', last_run_ms: Date.parse('2026-07-17T10:00:00Z'), status: 'ok', error: null });
  await jobRuns.record('budgets', new Date('2026-07-17T11:00:00Z'), 'failed', 'boom');
  assert.deepEqual(await jobRuns.last('budgets'), { job: 'budgets', last_run_at: '2026-07-17T11:00:00.000Z', last_run_ms: Date.parse('2026-07-17T11:00:00Z'), status: 'failed', error: 'boom' });
  await jobRuns.record('budgets', new Date('2026-07-17T09:00:00Z'), 'skipped');
  assert.deepEqual(await jobRuns.last('budgets'), { job: 'budgets', last_run_at: '2026-07-17T11:00:00.000Z', last_run_ms: Date.parse('2026-07-17T11:00:00Z'), status: 'skipped', error: null });
  assert.equal(await jobRuns.last('deprecations'), null, 'each job is its own');
});

test('postgres: replicas recording runs of one job at once keep the latest time', async (t) => {
  const { jobRuns, url } = await openStores('postgres', t);
  const other = replica(url!, t).jobRuns;
  const times = Array.from({ length: 20 }, (_, i) => new Date(Date.parse('2026-07-17T10:00:00Z') + i * 60_000));
  await Promise.all(times.map((at, i) => (i % 2 ? other : jobRuns).record('budgets', at, 'ok')));
  assert.equal((await jobRuns.last('budgets'))?.last_run_at, times.at(-1)!.toISOString());
});
