// The scheduler without waiting on cron: the catch-up decision over an injected clock, real
// node-cron tasks started and stopped, the no-overlap guard, and failing jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cron from 'node-cron';
import { lastJobRun, recordJobRun, startAlerts, startupDecision } from '../../src/features/alerts/scheduler.js';
import type { AlertJob, JobName } from '../../src/features/alerts/types.js';
import { alertEnv, ALERTS_CHANNEL, fakePost, REPORTS_CHANNEL } from '../support/alerts.js';
import { JOB_LEASE_MS } from '../../src/features/alerts/job-lease.js';
import { openDatabase } from '../../src/store/open.js';

const config = {
  timezone: 'UTC',
  slack: { alerts_channel: ALERTS_CHANNEL, reports_channel: REPORTS_CHANNEL },
  schedules: { deprecations: '0 9 * * *', prices: '0 */6 * * *', budgets: '*/15 * * * *', spend_report: '0 9 * * 1', routecheck: null },
};

/** A job that counts its runs and posts one alert per run (keyed by its `now`). */
function countingJob(name: JobName, opts: { fail?: boolean; gate?: Promise<void> } = {}): AlertJob & { runs: Date[] } {
  const runs: Date[] = [];
  return {
    name,
    channel: 'alerts',
    runs,
    async run(_services, now) {
      runs.push(now);
      if (opts.gate) await opts.gate;
      if (opts.fail) throw new Error(`${name} broke`);
      return [{ key: `test:${name}:${now.toISOString()}`, kind: 'budget', channel: ALERTS_CHANNEL, text: `${name} ran`, reply: { kind: 'result', title: `${name} ran` } }];
    },
  };
}

const ours = () => [...cron.getTasks().values()].filter((t) => t.name?.startsWith('routeops-alerts-')).map((t) => t.name).sort();

test('startupDecision: baseline when never run, catch-up once when a run was missed', () => {
  assert.deepEqual(startupDecision('0 9 * * *', 'UTC', null, new Date('2026-07-17T10:00:00Z')), { action: 'baseline' });
  assert.deepEqual(startupDecision('0 9 * * *', 'UTC', Date.parse('2026-07-16T08:00:00Z'), new Date('2026-07-17T10:00:00Z')), {
    action: 'catch-up',
    missed: new Date('2026-07-17T09:00:00Z'),
  });
  // Several missed days still give one catch-up run (the latest missed time).
  assert.deepEqual(startupDecision('0 9 * * *', 'UTC', Date.parse('2026-07-01T08:00:00Z'), new Date('2026-07-17T10:00:00Z')), {
    action: 'catch-up',
    missed: new Date('2026-07-17T09:00:00Z'),
  });
  assert.deepEqual(startupDecision('0 9 * * *', 'UTC', Date.parse('2026-07-17T10:00:00Z'), new Date('2026-07-17T10:30:00Z')), { action: 'none' });
});

test('a run missed while down is caught up once at start; a restart does not run it again', async () => {
  const env = alertEnv(config, '2026-07-17T10:00:00Z');
  const sink = fakePost();
  try {
    await recordJobRun(env.services, 'deprecations', new Date('2026-07-16T08:00:00Z'), 'ok');
    await recordJobRun(env.services, 'budgets', new Date('2026-07-17T10:00:00Z'), 'ok');
    const deprecations = countingJob('deprecations');
    const budgets = countingJob('budgets');
    const report = countingJob('spend_report');
    let handle = startAlerts(env.services, sink.post, { jobs: [deprecations, budgets, report], flushIntervalMs: 0 });
    await handle.ready;
    assert.deepEqual(ours(), ['routeops-alerts-budgets', 'routeops-alerts-deprecations', 'routeops-alerts-spend_report'], 'real node-cron tasks');
    assert.deepEqual(deprecations.runs.map((d) => d.toISOString()), ['2026-07-17T10:00:00.000Z'], 'one catch-up run');
    assert.equal(budgets.runs.length, 0, 'budgets ran at 10:00 before the restart: nothing missed');
    assert.equal(report.runs.length, 0, 'never ran before: a baseline, not a run');
    assert.equal((await lastJobRun(env.services, 'spend_report'))?.status, 'baseline');
    assert.equal((await lastJobRun(env.services, 'deprecations'))?.last_run_at, '2026-07-17T10:00:00.000Z');
    assert.deepEqual(
      handle.scheduled().map((s) => [s.job, s.next?.toISOString()]),
      [
        ['deprecations', '2026-07-18T09:00:00.000Z'],
        ['budgets', '2026-07-17T10:15:00.000Z'],
        ['spend_report', '2026-07-20T09:00:00.000Z'],
      ],
    );
    // A cron tick (run through the real node-cron task, not its timer) for the 09:00 that was
    // just caught up does nothing; the next day's tick runs.
    const task = () => [...cron.getTasks().values()].find((t) => t.name === 'routeops-alerts-deprecations')!;
    env.clock.now = new Date('2026-07-17T10:00:30Z');
    await task().execute();
    assert.equal(deprecations.runs.length, 1, 'no double run');
    env.clock.now = new Date('2026-07-18T09:00:00.010Z');
    await task().execute();
    assert.deepEqual(deprecations.runs.map((d) => d.toISOString()), ['2026-07-17T10:00:00.000Z', '2026-07-18T09:00:00.010Z']);
    await handle.stop();
    assert.deepEqual(ours(), [], 'stop destroys the cron tasks');
    assert.equal(sink.delivered.length, 2);

    // Restart later that morning: nothing missed since the last run.
    env.clock.now = new Date('2026-07-18T10:05:00Z');
    env.restart();
    handle = startAlerts(env.services, sink.post, { jobs: [deprecations, budgets, report], flushIntervalMs: 0 });
    await handle.ready;
    await handle.stop();
    assert.equal(deprecations.runs.length, 2, 'deprecations: nothing missed since 09:00, no run at restart');
    assert.equal(budgets.runs.length, 1, 'budgets (every 15 minutes) missed its runs while down: one catch-up');
    assert.equal(report.runs.length, 0);
    assert.equal(sink.delivered.length, 3);
  } finally {
    env.cleanup();
  }
});

test('schedules set to null are off; schedules without a job start nothing', async () => {
  const env = alertEnv({ ...config, schedules: { ...config.schedules, budgets: null } }, '2026-07-17T10:00:00Z');
  try {
    const handle = startAlerts(env.services, null, { jobs: [countingJob('deprecations'), countingJob('budgets')], flushIntervalMs: 0 });
    await handle.ready;
    assert.deepEqual(handle.scheduled().map((s) => s.job), ['deprecations']);
    assert.deepEqual(ours(), ['routeops-alerts-deprecations']);
    await handle.stop();
  } finally {
    env.cleanup();
  }
});

test('a job never overlaps itself; a failing job does not stop the others', async () => {
  const env = alertEnv(config, '2026-07-17T10:00:00Z');
  const sink = fakePost();
  try {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = countingJob('deprecations', { gate });
    const broken = countingJob('budgets', { fail: true });
    const report = countingJob('spend_report');
    const handle = startAlerts(env.services, sink.post, { jobs: [slow, broken, report], flushIntervalMs: 0, catchUp: false });
    const first = handle.runNow('deprecations');
    assert.equal(await handle.runNow('deprecations'), null, 'skipped while the first run is busy');
    open();
    assert.equal((await first)?.status, 'ok');
    assert.equal(slow.runs.length, 1);

    const failed = await handle.runNow('budgets');
    assert.equal(failed?.status, 'failed');
    assert.equal(failed.reason, 'budgets broke');
    assert.equal((await lastJobRun(env.services, 'budgets'))?.status, 'failed');
    assert.equal((await handle.runNow('spend_report'))?.status, 'ok', 'the others still run');
    assert.equal((await handle.runNow('budgets'))?.status, 'failed', 'and the failing one runs again next time');
    await handle.stop();
    assert.equal(await handle.runNow('spend_report'), null, 'nothing runs after stop');
    assert.deepEqual(sink.delivered.map((d) => d.message.text), ['deprecations ran', 'spend_report ran']);
  } finally {
    env.cleanup();
  }
});

test('pending alerts are flushed at start', async () => {
  const env = alertEnv(config, '2026-07-17T10:00:00Z');
  const sink = fakePost();
  try {
    const job = countingJob('deprecations');
    sink.failWith = new Error('socket hang up');
    let handle = startAlerts(env.services, sink.post, { jobs: [job], flushIntervalMs: 0, catchUp: false });
    assert.equal((await handle.runNow('deprecations'))?.alerts[0]?.status, 'pending');
    await handle.stop();
    sink.failWith = null;
    env.clock.now = new Date('2026-07-17T10:05:00Z');
    env.restart();
    handle = startAlerts(env.services, sink.post, { jobs: [job], flushIntervalMs: 0, catchUp: false });
    await handle.ready;
    await handle.stop();
    assert.deepEqual(sink.delivered.map((d) => d.message.text), ['deprecations ran']);
  } finally {
    env.cleanup();
  }
});

// Replicas share one store; each scheduler here is one replica (its own holder name).
const replica = (services: ReturnType<typeof alertEnv>['services'], name: string) => ({ ...services, instance: name });

test('a tick left undone by a replica that died holding its lease is run by another once the lease lapses, once', async () => {
  const env = alertEnv(config, '2026-07-17T09:00:01Z');
  const sink = fakePost();
  try {
    await recordJobRun(env.services, 'deprecations', new Date('2026-07-16T09:00:00Z'), 'ok');
    // Replica "a" took the 09:00 tick and was killed: its lease stands until it lapses.
    assert.equal(await env.services.store.leases.acquire('alerts:deprecations', 'replica-a', env.clock.now.getTime(), JOB_LEASE_MS), true);
    const job = countingJob('deprecations');
    const handle = startAlerts(replica(env.services, 'replica-b'), sink.post, { jobs: [job], flushIntervalMs: 0, takeoverIntervalMs: 0, catchUp: false });
    await handle.takeover();
    assert.equal(job.runs.length, 0, 'the lease is still live: a stays the holder');
    env.clock.now = new Date(env.clock.now.getTime() + JOB_LEASE_MS);
    await handle.takeover();
    assert.deepEqual(job.runs.map((d) => d.toISOString()), ['2026-07-17T09:00:31.000Z'], 'taken over at the lapse');
    assert.equal((await lastJobRun(env.services, 'deprecations'))?.last_run_at, '2026-07-17T09:00:31.000Z');
    assert.equal(await env.services.store.leases.current('alerts:deprecations', env.clock.now.getTime()), null, 'given up after the run');
    await handle.takeover();
    assert.equal(job.runs.length, 1, 'recorded: not run again');
    await handle.stop();
    assert.deepEqual(sink.delivered.map((d) => d.message.text), ['deprecations ran']);
  } finally {
    env.cleanup();
  }
});

test('replicas ticking together run a job once: the others skip while it runs and find it recorded after', async () => {
  const env = alertEnv(config, '2026-07-17T09:00:00.500Z');
  const sink = fakePost();
  try {
    await recordJobRun(env.services, 'deprecations', new Date('2026-07-16T09:00:00Z'), 'ok');
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const jobs = ['replica-a', 'replica-b', 'replica-c'].map(() => countingJob('deprecations', { gate }));
    const handles = jobs.map((job, i) => startAlerts(replica(env.services, `replica-${i}`), sink.post, { jobs: [job], flushIntervalMs: 0, takeoverIntervalMs: 0, catchUp: false }));
    const first = handles[0]!.takeover();
    // The first holds the lease (its job waits at the gate): the others' sweeps skip it.
    await new Promise<void>((resolve) => {
      const check = () => (jobs[0]!.runs.length === 1 ? resolve() : setImmediate(check));
      check();
    });
    await Promise.all([handles[1]!.takeover(), handles[2]!.takeover()]);
    open();
    await first;
    await Promise.all([handles[1]!.takeover(), handles[2]!.takeover()]);
    assert.deepEqual(jobs.map((j) => j.runs.length), [1, 0, 0]);
    await Promise.all(handles.map((h) => h.stop()));
    assert.deepEqual(sink.delivered.map((d) => d.message.text), ['deprecations ran']);
  } finally {
    env.cleanup();
  }
});

test('while another process holds SQLite\'s write lock a tick waits for the sweep after it, runs once, and is not run again when its record could not be written', async () => {
  const env = alertEnv(config, '2026-07-17T09:00:01Z');
  const sink = fakePost();
  const importer = openDatabase(env.dbPath);
  try {
    await recordJobRun(env.services, 'deprecations', new Date('2026-07-16T09:00:00Z'), 'ok');
    let lockAtEnd = false;
    const job = countingJob('deprecations');
    const run = job.run.bind(job);
    // The import starts while the job runs: its run cannot be recorded.
    job.run = async (services, now) => {
      const out = await run(services, now);
      if (lockAtEnd) importer.prepare('BEGIN IMMEDIATE').run();
      return out;
    };
    const handle = startAlerts(env.services, sink.post, { jobs: [job], flushIntervalMs: 0, takeoverIntervalMs: 0, catchUp: false });
    importer.prepare('BEGIN IMMEDIATE').run();
    await handle.takeover();
    assert.equal(job.runs.length, 0, 'nobody can be asked who runs it: skipped, not run by everyone');
    importer.prepare('ROLLBACK').run();
    lockAtEnd = true;
    await handle.takeover();
    assert.equal(job.runs.length, 1, 'run once the store answers');
    assert.equal((await lastJobRun(env.services, 'deprecations'))?.last_run_at, '2026-07-16T09:00:00.000Z', 'its record could not be written');
    await handle.takeover();
    await handle.takeover();
    assert.equal(job.runs.length, 1, 'not run again by this process');
    importer.prepare('ROLLBACK').run();
    await handle.stop();
  } finally {
    importer.close();
    env.cleanup();
  }
});
