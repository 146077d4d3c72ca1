// `routeops balance poll` against the provider simulator's balance endpoints (docs/ARCHITECTURE.md
// §3.9): the URLs derived from each sim provider's base_url, the documented shapes read exactly,
// top-ups and grants made on the simulator recorded as such, outside spend as a fall, and the
// simulator's balance faults as "balance unavailable" with nothing recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommandLine } from '../../src/app/cli.js';
import type { Services } from '../../src/features/services.js';
import { SIM_MANAGEMENT_KEY } from '../../tools/sim/server.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, simProviders, SIM_KEYS } from '../support/sim-config.js';
import { makeServices } from '../support/services.js';

type Doc = { providers: Array<{ provider: string; currency: string | null; balance: number | null; available: boolean | null; error: string | null; top_up: number | null; grant: number | null }> };

function servicesOn(sim: Simulator, owner: { after(fn: () => unknown): void }) {
  const base = simProviders(sim);
  const providers = {
    ...base,
    deepseek: { ...base.deepseek!, balance: { kind: 'deepseek' as const } },
    moonshot: { ...base.moonshot!, balance: { kind: 'moonshot' as const } },
    openrouter: { ...base.openrouter!, balance: { kind: 'openrouter' as const, management_key_env: 'OPENROUTER_MANAGEMENT_KEY' } },
    // The same account read through the key's /key (its limit set below).
    'openrouter-key': { ...base.openrouter!, balance: { kind: 'openrouter' as const } },
  };
  return makeServices(simConfig(sim, { providers }), { secrets: { ...SIM_KEYS, OPENROUTER_MANAGEMENT_KEY: SIM_MANAGEMENT_KEY }, owner }).services;
}

async function poll(services: Services, now: string): Promise<{ code: number; doc: Doc }> {
  let stdout = '';
  const code = await runCommandLine(['balance', 'poll', '--json', '--now', now], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => services });
  return { code, doc: JSON.parse(stdout) as Doc };
}

const row = (doc: Doc, provider: string) => doc.providers.find((p) => p.provider === provider)!;

test("the simulator's balances are read from the paths under each provider's base_url, exactly; top-ups and grants are recorded as such", async (t) => {
  const sim = await startSim(t);
  const services = servicesOn(sim, t);
  sim.setBalance('openrouter', { limit: 20 });
  const first = await poll(services, '2026-11-23T12:00:00Z');
  assert.equal(first.code, 0, JSON.stringify(first.doc));
  assert.deepEqual(
    first.doc.providers.map((p) => [p.provider, p.currency, p.balance, p.available, p.error]),
    [
      ['deepseek', 'USD', 110, true, null],
      ['moonshot', 'USD', 49.58894, true, null],
      ['openrouter', 'USD', 100, true, null],
      ['openrouter-key', 'USD', 20, true, null],
    ],
  );
  sim.setBalance('deepseek', { topUp: '50.00', grant: '2.50' });
  sim.setBalance('kimi', { topUp: '10' });
  assert.equal(sim.billOutside('deepseek', '1.25'), '1.25');
  const second = await poll(services, '2026-11-23T13:00:00Z');
  assert.equal(second.code, 0);
  // The topped-up part rose by the 50.00 bought. The outside spend came off the granted part first,
  // so that part shows the 2.50 granted less the 1.25 spent: a grant of 1.25 is what the parts can tell.
  assert.deepEqual([row(second.doc, 'deepseek').balance, row(second.doc, 'deepseek').top_up, row(second.doc, 'deepseek').grant], [161.25, 50, 1.25]);
  assert.deepEqual([row(second.doc, 'moonshot').balance, row(second.doc, 'moonshot').top_up, row(second.doc, 'moonshot').grant], [59.58894, 10, null]);
  const events = await services.store.balances.events(null, 0, Date.UTC(2030, 0));
  assert.deepEqual(events.map((e) => [e.provider, e.kind, e.amount_nano]), [
    ['deepseek', 'top_up', 50_000_000_000n],
    ['deepseek', 'grant', 1_250_000_000n],
    ['moonshot', 'top_up', 10_000_000_000n],
  ]);
});

test("the simulator's balance faults are named per provider, the others still read, and nothing is recorded for them", async (t) => {
  const sim = await startSim(t);
  const services = servicesOn(sim, t);
  sim.balanceFault('kimi', { htmlBody: true });
  sim.balanceFault('deepseek', { missingField: true });
  const { code, doc } = await poll(services, '2026-11-23T12:00:00Z');
  assert.equal(code, 1);
  assert.match(row(doc, 'moonshot').error ?? '', /^balance unavailable: http:\/\/127\.0\.0\.1:\d+\/kimi\/v1\/users\/me\/balance returned HTML, not JSON/);
  assert.match(row(doc, 'deepseek').error ?? '', /^balance unavailable: the reply has no balance_infos\.0\.total_balance/);
  // The key's /key has no limit on a fresh account: no balance there, and it says what to set.
  assert.match(row(doc, 'openrouter-key').error ?? '', /no credit limit.*management_key_env/);
  assert.equal(row(doc, 'openrouter').balance, 100);
  assert.deepEqual((await services.store.balances.latest()).map((s) => s.provider), ['openrouter']);
  sim.balanceFault('openrouter', { status: 500 });
  const down = await poll(services, '2026-11-23T12:30:00Z');
  assert.match(row(down.doc, 'openrouter').error ?? '', /^balance unavailable: HTTP 500 from http:\/\/127\.0\.0\.1:\d+\/openrouter\/api\/v1\/credits/);
  assert.equal((await services.store.balances.snapshots('openrouter', 0, Date.UTC(2030, 0))).length, 1);
  sim.balanceFault('kimi', null);
  sim.balanceFault('deepseek', { unavailable: true });
  const again = await poll(services, '2026-11-23T13:00:00Z');
  assert.deepEqual([row(again.doc, 'deepseek').available, row(again.doc, 'deepseek').error], [false, null]);
  assert.equal(row(again.doc, 'moonshot').balance, 49.58894);
});
