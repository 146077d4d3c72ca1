// The bill check end to end (docs/ARCHITECTURE.md §3.7 `reconciliation`): the balances job of
// `alerts run` polls the simulator's DeepSeek balance hourly, the ledger holds routeops' spend
// (imported rows at known costs), and the simulator's balance falls by what the provider bills —
// driven here with its outside-billing switch, hour by hour. The next day's run compares the two.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { runCommandLine } from '../../src/app/cli.js';
import type { Services } from '../../src/features/services.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, simProviders, SIM_KEYS } from '../support/sim-config.js';
import { makeServices } from '../support/services.js';

type Alert = { key: string; kind: string; text: string };

async function alertsRun(services: Services, now: string): Promise<Alert[]> {
  let stdout = '';
  const code = await runCommandLine(['alerts', 'run', '--json', '--now', now], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => services, alertPost: () => Promise.resolve(null) });
  assert.equal(code, 0, stdout);
  return (JSON.parse(stdout) as { alerts: Alert[] }).alerts.filter((a) => a.kind === 'reconciliation');
}

async function setup(t: TestContext): Promise<{ sim: Simulator; services: Services }> {
  const sim = await startSim(t);
  const base = simProviders(sim);
  const providers = { ...base, deepseek: { ...base.deepseek!, balance: { kind: 'deepseek' as const } } };
  const { services } = makeServices(simConfig(sim, { providers, slack: { alerts_channel: 'C0ALERTS' } }), { secrets: SIM_KEYS, owner: t });
  return { sim, services };
}

/** A ledger row of routeops' spend on DeepSeek at a known cost (a model without a catalog price: the cost given is the cost). */
const spend = (services: Services, ts: string, model: string, usd: string) =>
  services.ledger.record([{ ts, provider: 'deepseek', model, input_tokens: 1000, cached_input_tokens: 0, output_tokens: 100, reasoning_tokens: 0, cost_usd: usd, request_id: `${model}-${ts}` }], 'import');

test('outside traffic: the provider deducted 8.00 while the ledger has 3.00; the gap of 5.00 is named for deepseek, once', async (t) => {
  const { sim, services } = await setup(t);
  assert.deepEqual(await alertsRun(services, '2026-11-22T00:00:00Z'), []);
  await spend(services, '2026-11-22T00:30:00Z', 'bill-check-a', '1.00');
  sim.billOutside('deepseek', '3.00'); // the 1.00 routeops spent, and 2.00 it never saw
  assert.deepEqual(await alertsRun(services, '2026-11-22T01:00:00Z'), []);
  await spend(services, '2026-11-22T01:30:00Z', 'bill-check-a', '2.00');
  sim.billOutside('deepseek', '5.00');
  const next = await alertsRun(services, '2026-11-23T00:00:00Z');
  assert.deepEqual(next.map((a) => a.key), ['reconciliation:deepseek:2026-11-22']);
  assert.equal(
    next[0]!.text,
    "deepseek's bill for 2026-11-22 does not match the ledger: the provider deducted USD 8.00, the ledger says USD 3.00 (gap USD 5.00, +166.6%). Likely cause: traffic not going through routeops (or its imports): the provider deducted far more than the ledger recorded.",
  );
  assert.deepEqual(await alertsRun(services, '2026-11-23T01:00:00Z'), [], 'once a day');
});

test('a model billed at twice the price routeops has: the gap follows that model in every hour and is attributed to it', async (t) => {
  const { sim, services } = await setup(t);
  await alertsRun(services, '2026-11-22T00:00:00Z');
  await spend(services, '2026-11-22T00:30:00Z', 'bill-check-a', '1.00');
  sim.billOutside('deepseek', '2.00');
  await alertsRun(services, '2026-11-22T01:00:00Z');
  await spend(services, '2026-11-22T01:30:00Z', 'bill-check-b', '2.00');
  sim.billOutside('deepseek', '2.00');
  await alertsRun(services, '2026-11-22T02:00:00Z');
  await spend(services, '2026-11-22T02:30:00Z', 'bill-check-a', '1.00');
  await spend(services, '2026-11-22T02:40:00Z', 'bill-check-b', '1.00');
  sim.billOutside('deepseek', '3.00');
  const next = await alertsRun(services, '2026-11-23T00:00:00Z');
  assert.equal(next.length, 1);
  assert.match(next[0]!.text, /deducted USD 7\.00, the ledger says USD 5\.00 \(gap USD 2\.00, \+40%\)\. Likely cause: prices out of date: bill-check-a was billed at 200% of routeops' price in every hour\.$/);
});

test('a bill that matches the ledger alerts nothing', async (t) => {
  const { sim, services } = await setup(t);
  await alertsRun(services, '2026-11-22T00:00:00Z');
  await spend(services, '2026-11-22T00:30:00Z', 'bill-check-a', '4.00');
  sim.billOutside('deepseek', '4.00');
  assert.deepEqual(await alertsRun(services, '2026-11-23T00:00:00Z'), []);
});
