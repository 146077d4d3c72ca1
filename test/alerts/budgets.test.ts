// Budget thresholds (50/80/100%, once per period) and spend anomalies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertOutbox } from '../../src/features/alerts/delivery.js';
import { runJobs } from '../../src/features/alerts/run.js';
import { budgetsJob, crossedThreshold } from '../../src/features/alerts/jobs/budgets.js';
import { alertEnv, ALERTS_CHANNEL, fakePost, row, type AlertTestEnv } from '../support/alerts.js';

/** OpenRouter is unpriced in the catalog, so a row costs exactly the cost_usd it reports. */
async function spend(env: AlertTestEnv, ts: string, usd: string, user = 'U0ENG1'): Promise<void> {
  await env.services.ledger.record([row(ts, 'openrouter', 'mystery/model', { cost_usd: usd, user })], 'ingest');
}

async function run(env: AlertTestEnv, iso: string, sink = fakePost()): Promise<Array<{ key: string; kind: string; text: string }>> {
  env.clock.now = new Date(iso);
  const [outcome] = await runJobs(env.services, [budgetsJob], env.clock.now, { outbox: new AlertOutbox(env.services.store.alerts, env.services.log), post: sink.post });
  assert.equal(outcome?.status, 'ok', outcome?.reason);
  return outcome.alerts;
}
const keys = (alerts: Array<{ key: string }>) => alerts.map((a) => a.key);

test('crossedThreshold is the highest of 50/80/100 reached', () => {
  assert.equal(crossedThreshold(0), null);
  assert.equal(crossedThreshold(49), null);
  assert.equal(crossedThreshold(50), 50);
  assert.equal(crossedThreshold(79), 50);
  assert.equal(crossedThreshold(85), 80);
  assert.equal(crossedThreshold(100), 100);
  assert.equal(crossedThreshold(250), 100);
});

test('a daily budget alerts at 50, 80 and 100% once each, and again the next day', async () => {
  const env = alertEnv({ timezone: 'UTC', slack: { alerts_channel: ALERTS_CHANNEL }, budgets: { daily: 10 } }, '2026-07-17T08:00:00Z');
  const sink = fakePost();
  try {
    await spend(env, '2026-07-17T08:00:00Z', '3');
    assert.deepEqual(await run(env, '2026-07-17T08:15:00Z', sink), []);
    await spend(env, '2026-07-17T08:20:00Z', '2');
    const fifty = await run(env, '2026-07-17T08:30:00Z', sink);
    assert.deepEqual(keys(fifty), ['budget:daily:2026-07-17:50']);
    assert.equal(fifty[0]!.kind, 'budget');
    assert.match(fifty[0]!.text, /Daily budget at 50%: \$5\.00 of \$10\.00 spent on 2026-07-17/);
    assert.deepEqual(await run(env, '2026-07-17T08:45:00Z', sink), [], 'repeated runs send nothing new');

    await spend(env, '2026-07-17T09:00:00Z', '3.5');
    assert.deepEqual(keys(await run(env, '2026-07-17T09:15:00Z', sink)), ['budget:daily:2026-07-17:80']);
    assert.deepEqual(await run(env, '2026-07-17T09:30:00Z', sink), []);

    await spend(env, '2026-07-17T10:00:00Z', '1.5');
    const full = await run(env, '2026-07-17T10:15:00Z', sink);
    assert.deepEqual(keys(full), ['budget:daily:2026-07-17:100']);
    assert.match(full[0]!.text, /Daily budget reached: 100% used \(\$10\.00 of \$10\.00\) on 2026-07-17/);
    await spend(env, '2026-07-17T11:00:00Z', '5');
    assert.deepEqual(await run(env, '2026-07-17T11:15:00Z', sink), [], 'over budget: still once');

    // A new period starts over.
    await spend(env, '2026-07-18T09:00:00Z', '6');
    assert.deepEqual(keys(await run(env, '2026-07-18T09:15:00Z', sink)), ['budget:daily:2026-07-18:50']);
    assert.equal(sink.delivered.length, 4);
  } finally {
    env.cleanup();
  }
});

test('a jump past several thresholds sends only the highest; lower ones never follow', async () => {
  const env = alertEnv({ timezone: 'UTC', slack: { alerts_channel: ALERTS_CHANNEL }, budgets: { daily: 10 } }, '2026-07-17T08:00:00Z');
  try {
    await spend(env, '2026-07-17T08:00:00Z', '8.5');
    assert.deepEqual(keys(await run(env, '2026-07-17T08:15:00Z')), ['budget:daily:2026-07-17:80']);
    assert.deepEqual(await run(env, '2026-07-17T08:30:00Z'), [], 'the 50% alert is not sent late');
    await spend(env, '2026-07-17T09:00:00Z', '2');
    assert.deepEqual(keys(await run(env, '2026-07-17T09:15:00Z')), ['budget:daily:2026-07-17:100']);
  } finally {
    env.cleanup();
  }
});

test('monthly, per-provider and per-user budgets', async () => {
  const env = alertEnv(
    { timezone: 'UTC', slack: { alerts_channel: ALERTS_CHANNEL }, budgets: { monthly: 100, providers: { openrouter: { monthly: 20 } }, per_user_daily: 5 } },
    '2026-07-17T08:00:00Z',
  );
  try {
    await spend(env, '2026-07-17T08:00:00Z', '6', 'U0ENG1');
    const first = await run(env, '2026-07-17T08:15:00Z');
    assert.deepEqual(keys(first), ['budget:user:U0ENG1:daily:2026-07-17:100']);
    assert.match(first[0]!.text, /Daily budget of user U0ENG1 reached: 120% used/);

    await spend(env, '2026-07-18T08:00:00Z', '10', 'U0ENG2');
    const second = await run(env, '2026-07-18T08:15:00Z');
    assert.deepEqual(keys(second).sort(), ['budget:provider:openrouter:monthly:2026-07-01:80', 'budget:user:U0ENG2:daily:2026-07-18:100']);
    assert.match(second.find((a) => a.key.startsWith('budget:provider'))!.text, /in 2026-07 \(month to date\)/);

    await spend(env, '2026-07-19T08:00:00Z', '40', 'U0ENG3');
    const third = await run(env, '2026-07-19T08:15:00Z');
    assert.deepEqual(keys(third).sort(), ['budget:monthly:2026-07-01:50', 'budget:provider:openrouter:monthly:2026-07-01:100', 'budget:user:U0ENG3:daily:2026-07-19:100']);
  } finally {
    env.cleanup();
  }
});

test('a completed day above 3x the trailing 7-day average is flagged once', async () => {
  const env = alertEnv({ timezone: 'UTC', slack: { alerts_channel: ALERTS_CHANNEL } }, '2026-07-17T08:00:00Z');
  try {
    for (let d = 9; d <= 15; d++) await spend(env, `2026-07-${String(d).padStart(2, '0')}T12:00:00Z`, '1');
    await spend(env, '2026-07-16T12:00:00Z', '3');
    assert.deepEqual(await run(env, '2026-07-17T08:00:00Z'), [], 'exactly 3x is not above 3x');
    await spend(env, '2026-07-16T13:00:00Z', '0.01');
    // Today's spend, however high, is not judged until the day is complete.
    await spend(env, '2026-07-17T07:00:00Z', '100');
    const flagged = await run(env, '2026-07-17T08:15:00Z');
    assert.deepEqual(keys(flagged), ['anomaly:2026-07-16']);
    assert.equal(flagged[0]!.kind, 'anomaly');
    assert.match(flagged[0]!.text, /Spend anomaly on 2026-07-16: \$3\.01, 3\.0× the 7-day average before it \(\$1\.00 a day, 2026-07-09\.\.2026-07-15\)\. Top providers: openrouter \$3\.01\./);
    assert.deepEqual(await run(env, '2026-07-17T08:30:00Z'), []);
  } finally {
    env.cleanup();
  }
});

test('no anomaly without a full week of history', async () => {
  const env = alertEnv({ timezone: 'UTC', slack: { alerts_channel: ALERTS_CHANNEL } }, '2026-07-17T08:00:00Z');
  try {
    await spend(env, '2026-07-14T12:00:00Z', '1');
    await spend(env, '2026-07-16T12:00:00Z', '50');
    assert.deepEqual(await run(env, '2026-07-17T08:00:00Z'), []);
  } finally {
    env.cleanup();
  }
});
