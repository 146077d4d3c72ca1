// The balances job's alerts (docs/ARCHITECTURE.md §3.7) through `alerts run` against the
// simulator's balance endpoints: a balance drained by outside billing alerts on runway once per
// threshold, across a restart; a top-up alerts and re-arms the runway thresholds; a balance
// endpoint that keeps failing alerts once, only after FAILURES_IN_A_ROW polls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommandLine } from '../../src/app/cli.js';
import type { Services } from '../../src/features/services.js';
import { startSim } from '../support/sim.js';
import { simConfig, simProviders, SIM_KEYS } from '../support/sim-config.js';
import { makeServices } from '../support/services.js';

type Run = { alerts: Array<{ key: string; kind: string; text: string }> };

async function alertsRun(services: Services, now: string): Promise<Run['alerts']> {
  let stdout = '';
  const code = await runCommandLine(['alerts', 'run', '--json', '--now', now], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => services, alertPost: () => Promise.resolve(null) });
  assert.equal(code, 0, stdout);
  return (JSON.parse(stdout) as Run).alerts.filter((a) => ['runway', 'balance_floor', 'unavailable', 'top_up'].includes(a.kind));
}

async function fixtureOn(t: Parameters<typeof startSim>[0]) {
  const sim = await startSim(t);
  const base = simProviders(sim);
  const providers = {
    ...base,
    deepseek: { ...base.deepseek!, balance: { kind: 'deepseek' as const } },
    moonshot: { ...base.moonshot!, balance: { kind: 'moonshot' as const } },
  };
  const config = simConfig(sim, { providers, slack: { alerts_channel: 'C0ALERTS' }, budgets: { balance_floor: { deepseek: 20 } } });
  return { sim, fixture: makeServices(config, { secrets: SIM_KEYS, owner: t }) };
}

test('runway alerts once per threshold as outside billing drains the balance, across a restart; a top-up alerts and re-arms them', async (t) => {
  const { sim, fixture } = await fixtureOn(t);
  // DeepSeek starts at 110.00 on the simulator.
  assert.deepEqual(await alertsRun(fixture.services, '2026-11-16T00:00:00Z'), []);
  // 70.00 billed outside over the week: 10.00/day, 40.00 left → 4 days: under 7.
  sim.billOutside('deepseek', '70');
  const first = await alertsRun(fixture.services, '2026-11-23T00:00:00Z');
  assert.deepEqual(first.map((a) => [a.kind, a.key]), [['runway', 'runway:deepseek:7:0']]);
  assert.match(first[0]!.text, /^deepseek's balance runs out in 4 days, on 2026-11-27, at the last week's burn \(USD 10\.00 a day; USD 40\.00 left\): under 7 days\.$/);
  // Restarted: the same state alerts nothing again.
  const services = fixture.restart();
  assert.deepEqual(await alertsRun(services, '2026-11-23T01:00:00Z'), []);
  // 25.00 more: 15.00 left, 1.5 days: under 2, and under the 20.00 floor.
  sim.billOutside('deepseek', '25');
  const second = await alertsRun(services, '2026-11-23T02:00:00Z');
  assert.deepEqual(second.map((a) => [a.kind, a.key]).sort(), [['balance_floor', 'balance_floor:deepseek:0'], ['runway', 'runway:deepseek:2:0']]);
  assert.deepEqual(await alertsRun(services, '2026-11-23T03:00:00Z'), []);
  // A 100.00 top-up: alerted once; 115.00 left is 11.5 days, no runway alert.
  sim.setBalance('deepseek', { topUp: '100.00' });
  const topUp = await alertsRun(services, '2026-11-23T04:00:00Z');
  assert.equal(topUp.length, 1);
  assert.equal(topUp[0]!.kind, 'top_up');
  assert.equal(topUp[0]!.text, 'deepseek was topped up by USD 100.00 (seen at 2026-11-23 04:00 UTC).');
  assert.deepEqual(await alertsRun(services, '2026-11-23T05:00:00Z'), []);
  // Drained again after the top-up: the threshold alerts anew under the new episode.
  sim.billOutside('deepseek', '80');
  const again = await alertsRun(services, '2026-11-23T06:00:00Z');
  const topUpId = (await services.store.balances.events('deepseek', 0, Date.UTC(2030, 0))).find((e) => e.kind === 'top_up')!.id;
  assert.deepEqual(again.map((a) => a.key), [`runway:deepseek:7:${topUpId}`]);
});

test('a balance endpoint that keeps failing alerts unavailable once, only after three polls in a row; one failure alerts nothing', async (t) => {
  const { sim, fixture } = await fixtureOn(t);
  const { services } = fixture;
  assert.deepEqual(await alertsRun(services, '2026-11-23T00:00:00Z'), []);
  sim.balanceFault('kimi', { htmlBody: true });
  assert.deepEqual(await alertsRun(services, '2026-11-23T01:00:00Z'), [], 'one failure is no alert');
  assert.deepEqual(await alertsRun(services, '2026-11-23T02:00:00Z'), []);
  const third = await alertsRun(services, '2026-11-23T03:00:00Z');
  assert.deepEqual(third.map((a) => [a.kind, a.key]), [['unavailable', 'unavailable:moonshot:failing:2026-11-23T00:00:00.000Z']]);
  assert.match(third[0]!.text, /^moonshot's balance could not be read in the last 3 polls: balance unavailable: .*returned HTML, not JSON/);
  assert.deepEqual(await alertsRun(services, '2026-11-23T04:00:00Z'), [], 'once');
});

test('an account the provider calls unavailable alerts once, with why; polls that answer do not repeat it', async (t) => {
  const { sim, fixture } = await fixtureOn(t);
  const { services } = fixture;
  sim.balanceFault('deepseek', { unavailable: true });
  const first = await alertsRun(services, '2026-11-23T00:00:00Z');
  assert.deepEqual(first.map((a) => [a.kind, a.key]), [['unavailable', 'unavailable:deepseek:flag:0']]);
  assert.match(first[0]!.text, /^deepseek says its account is not available: calls are refused until it is topped up \(balance USD 110\.00\)\./);
  assert.deepEqual(await alertsRun(services, '2026-11-23T01:00:00Z'), []);
});

test('calls a provider refused for lack of balance alert unavailable once per episode, with why, for a provider with no balance source', async (t) => {
  const sim = await startSim(t);
  const base = simProviders(sim);
  // DeepSeek has no balance source here: the refusals on its route are all routeops sees.
  const providers = { ...base, deepseek: { ...base.deepseek!, balance: null } };
  const fixture = makeServices(simConfig(sim, { providers, slack: { alerts_channel: 'C0ALERTS' } }), { secrets: SIM_KEYS, owner: t });
  const { services, clock } = fixture;
  const ask = async (at: string) => {
    clock.now = new Date(at);
    let stdout = '';
    const code = await runCommandLine(['ask', '--model', 'deepseek-v4-flash', 'hello'], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => services });
    assert.equal(code, 0, stdout);
  };
  // Drained by outside billing: DeepSeek answers 402 Insufficient Balance, the route falls back to OpenRouter.
  sim.billOutside('deepseek', '110');
  await ask('2026-11-23T10:00:00Z');
  await ask('2026-11-23T10:30:00Z');
  const first = await alertsRun(services, '2026-11-23T11:00:00Z');
  assert.deepEqual(first.map((a) => [a.kind, a.key]), [['unavailable', `unavailable:deepseek:refused:${Date.parse('2026-11-23T10:00:00Z')}`]]);
  assert.match(first[0]!.text, /^deepseek refused 2 calls for lack of balance since 2026-11-23 10:00 UTC \(.*Insufficient Balance.*\)\. Routes fall back to their next provider until deepseek's account is topped up\.$/);
  await ask('2026-11-23T11:30:00Z');
  assert.deepEqual(await alertsRun(services, '2026-11-23T12:00:00Z'), [], 'once per episode, across further refusals');
  // Topped up: DeepSeek answers again, the episode is over — nothing alerts.
  sim.setBalance('deepseek', { topUp: '5.00' });
  await ask('2026-11-23T12:30:00Z');
  assert.deepEqual(await alertsRun(services, '2026-11-23T13:00:00Z'), []);
  // Drained again: a new episode, a new alert.
  sim.billOutside('deepseek', '5');
  await ask('2026-11-23T14:00:00Z');
  const again = await alertsRun(fixture.restart(), '2026-11-23T14:30:00Z');
  assert.deepEqual(again.map((a) => a.key), [`unavailable:deepseek:refused:${Date.parse('2026-11-23T14:00:00Z')}`]);
  assert.match(again[0]!.text, /^deepseek refused 1 call for lack of balance since 2026-11-23 14:00 UTC/, 'the episode\'s own refusals, not the day\'s');
});

test('a rise under 1.00 (rounding, a refund) is recorded as a top-up but not announced', async (t) => {
  const { sim, fixture } = await fixtureOn(t);
  const { services } = fixture;
  assert.deepEqual(await alertsRun(services, '2026-11-23T00:00:00Z'), []);
  sim.setBalance('deepseek', { topUp: '0.40' });
  assert.deepEqual(await alertsRun(services, '2026-11-23T01:00:00Z'), []);
  const events = await services.store.balances.events('deepseek', 0, Date.UTC(2030, 0));
  assert.deepEqual(events.map((e) => [e.kind, e.amount_nano]), [['top_up', 400_000_000n]], 'recorded all the same');
});
