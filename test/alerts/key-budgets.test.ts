// Budget alerts for the gateway keys (src/features/gateway/key-budgets.ts): a key's daily and
// monthly budgets alert at 50, 80 and 100% once per period, as the global budgets do, from
// ledger rows of source 'gateway' whose user is the key name; keys made through the real CLI.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { runCommandLine } from '../../src/app/cli.js';
import { AlertOutbox } from '../../src/features/alerts/delivery.js';
import { runJobs } from '../../src/features/alerts/run.js';
import { budgetsJob } from '../../src/features/alerts/jobs/budgets.js';
import { alertEnv, ALERTS_CHANNEL, fakePost, row, type AlertTestEnv } from '../support/alerts.js';

async function keys(env: AlertTestEnv, ...argv: string[]): Promise<void> {
  let stderr = '';
  const code = await runCommandLine(['keys', ...argv], { stdout: () => {}, stderr: (s) => (stderr += s) }, { services: () => env.services });
  assert.equal(code, 0, stderr);
}

const spend = (env: AlertTestEnv, user: string, ts: string, usd: string) => env.services.ledger.record([row(ts, 'openrouter', 'mystery/model', { cost_usd: usd, user })], 'gateway');

async function run(env: AlertTestEnv, iso: string, sink = fakePost()) {
  env.clock.now = new Date(iso);
  const [outcome] = await runJobs(env.services, [budgetsJob], env.clock.now, { outbox: new AlertOutbox(env.services.store.alerts, env.services.log), post: sink.post });
  assert.equal(outcome?.status, 'ok', outcome?.reason);
  return outcome.alerts;
}
const keysOf = (alerts: Array<{ key: string }>) => alerts.map((a) => a.key);

function setUp(t: TestContext, budgets: Record<string, unknown> = {}): AlertTestEnv {
  const env = alertEnv({ timezone: 'UTC', slack: { alerts_channel: ALERTS_CHANNEL }, budgets }, '2026-07-17T08:00:00Z');
  t.after(() => env.cleanup());
  return env;
}

test("a key's daily budget alerts at 50, 80 and 100% once each, and again the next day", async (t) => {
  const env = setUp(t);
  const sink = fakePost();
  await keys(env, 'create', 'checkout', '--budget-daily', '10');
  await spend(env, 'checkout', '2026-07-17T08:05:00Z', '4.99');
  assert.deepEqual(await run(env, '2026-07-17T08:15:00Z', sink), []);
  await spend(env, 'checkout', '2026-07-17T08:20:00Z', '0.01');
  const fifty = await run(env, '2026-07-17T08:30:00Z', sink);
  assert.deepEqual(keysOf(fifty), ['budget:key:checkout:daily:2026-07-17:50']);
  assert.match(fifty[0]!.text, /^Daily budget of key checkout at 50%: \$5\.00 of \$10\.00 spent on 2026-07-17, past the 50% mark\.$/);
  assert.deepEqual(await run(env, '2026-07-17T08:45:00Z', sink), [], 'once');

  await spend(env, 'checkout', '2026-07-17T09:00:00Z', '3');
  assert.deepEqual(keysOf(await run(env, '2026-07-17T09:15:00Z', sink)), ['budget:key:checkout:daily:2026-07-17:80']);
  await spend(env, 'checkout', '2026-07-17T10:00:00Z', '2');
  const full = await run(env, '2026-07-17T10:15:00Z', sink);
  assert.deepEqual(keysOf(full), ['budget:key:checkout:daily:2026-07-17:100']);
  assert.match(full[0]!.text, /^Daily budget of key checkout reached: 100% used \(\$10\.00 of \$10\.00\) on 2026-07-17\.$/);
  await spend(env, 'checkout', '2026-07-17T11:00:00Z', '5');
  assert.deepEqual(await run(env, '2026-07-17T11:15:00Z', sink), [], 'over budget: still once');

  await spend(env, 'checkout', '2026-07-18T09:00:00Z', '5');
  assert.deepEqual(keysOf(await run(env, '2026-07-18T09:15:00Z', sink)), ['budget:key:checkout:daily:2026-07-18:50']);
  assert.equal(sink.delivered.length, 4);
});

test("a key's monthly budget alerts once per month; a crossing late in a day is announced after midnight; rotation keeps the budget's alerts", async (t) => {
  const env = setUp(t);
  await keys(env, 'create', 'batch', '--budget-monthly', '100');
  await spend(env, 'batch', '2026-07-02T10:00:00Z', '60');
  assert.deepEqual(keysOf(await run(env, '2026-07-17T08:15:00Z')), ['budget:key:batch:monthly:2026-07-01:50']);
  await keys(env, 'rotate', 'batch');
  assert.deepEqual(await run(env, '2026-07-17T08:30:00Z'), [], 'the rotated key is the same budget');
  await spend(env, 'batch', '2026-07-17T23:50:00Z', '40');
  // The run after midnight still sees July's 100%.
  assert.deepEqual(keysOf(await run(env, '2026-07-18T00:05:00Z')), ['budget:key:batch:monthly:2026-07-01:100']);
  await spend(env, 'batch', '2026-08-01T12:00:00Z', '55');
  assert.deepEqual(keysOf(await run(env, '2026-08-01T12:15:00Z')), ['budget:key:batch:monthly:2026-08-01:50']);
});

test('keys without a budget, revoked before the day began or expired are not alerted; key names are not held to per_user_daily', async (t) => {
  const env = setUp(t, { per_user_daily: 1 });
  await keys(env, 'create', 'free');
  env.clock.now = new Date('2026-07-16T10:00:00Z');
  await keys(env, 'create', 'gone', '--budget-daily', '1');
  await keys(env, 'revoke', 'gone');
  env.clock.now = new Date('2026-07-17T08:00:00Z');
  await keys(env, 'create', 'soon', '--budget-daily', '1', '--expires', '2026-07-17T09:00:00Z');
  for (const name of ['free', 'gone', 'soon']) await spend(env, name, '2026-07-17T08:05:00Z', '5');
  await spend(env, 'U0ENG1', '2026-07-17T08:05:00Z', '2');
  assert.deepEqual(keysOf(await run(env, '2026-07-17T08:15:00Z')), ['budget:user:U0ENG1:daily:2026-07-17:100', 'budget:key:soon:daily:2026-07-17:100']);
  await spend(env, 'soon', '2026-07-18T08:05:00Z', '5');
  assert.deepEqual(await run(env, '2026-07-18T08:15:00Z'), [], 'soon expired yesterday');
});
