// /ask's deadlines (config `ask`, docs/ARCHITECTURE.md §3.4) on real services against the
// simulator's hung providers: a route that sends no first token in time is left for the next one,
// keep-alives or not, and the answer's deadline stops everything. Deadlines are short here; the
// tests assert outcomes (which route answered, the wording, the rows), never how long it took.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ask } from '../../src/features/ask/engine.js';
import type { UsageRow } from '../../src/store/ledger.js';
import type { Services } from '../../src/app/services.js';
import { chatRequests, startSim, type Simulator } from '../support/sim.js';
import { simConfig, simProviders, SIM_KEYS, SIM_MODELS } from '../support/sim-config.js';
import { makeServices } from '../support/services.js';
import type { ConfigObject } from '../support/config.js';
import type { CleanupOwner } from '../support/temp.js';

let sim: Simulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

/** Services whose providers' own silence timeout (timeout_ms) is far off, so only /ask's deadlines can end a hung call. */
function servicesWith(t: CleanupOwner, askDeadlines: NonNullable<ConfigObject['ask']>): Services {
  const config = simConfig(sim, {
    providers: simProviders(sim, { timeout_ms: 60_000 }),
    models: {
      ...SIM_MODELS,
      three: {
        routes: [
          { provider: 'deepseek', model: 'deepseek-v4-flash' },
          { provider: 'qwen-intl', model: 'qwen-plus' },
          { provider: 'openrouter', model: 'qwen/qwen-plus' },
        ],
      },
    },
    ask: askDeadlines,
  });
  return makeServices(config, { secrets: SIM_KEYS, owner: t }).services;
}

async function newRows(services: Services, from: number): Promise<UsageRow[]> {
  const n = (await services.ledger.count()) - from;
  return n > 0 ? (await services.ledger.recentRows(n)).reverse() : [];
}

test('a route that sends only keep-alives is left at the first-token deadline, and the answer says which route timed out', async (t) => {
  const services = servicesWith(t, { first_token_timeout_ms: 1000, answer_timeout_ms: 60_000 });
  // DeepSeek under load: headers, then `: keep-alive` comments (docs/PROVIDERS.md §1), never a token.
  sim.setFaults('deepseek', { hangWithKeepAlives: true });
  const from = sim.requests.length;
  const out = await ask(services, { alias: 'deepseek-v4-flash', question: 'are you there?', user: 'U0ENG' });
  assert.equal(out.ok, true, out.text);
  assert.equal(out.text, 'Simulated openrouter answer to: are you there?');
  assert.equal(out.route?.provider, 'openrouter');
  assert.match(out.footer, /fallback after deepseek\/deepseek-v4-flash timed out: no first token within 1 s/);
  assert.deepEqual((await newRows(services, 0)).map((r) => [r.provider, r.status]), [['deepseek', 'timeout'], ['openrouter', 'ok']]);
  assert.equal(chatRequests(sim, 'deepseek', from).length, 1, 'the hung route is not retried');
});

test('the answer deadline stops everything: no further route is tried, and the answer says what was tried and what was not', async (t) => {
  // The first-token deadline is far off: only the answer's deadline can end the hung second route.
  const services = servicesWith(t, { first_token_timeout_ms: 60_000, answer_timeout_ms: 1000 });
  sim.setFaults('deepseek', { status: 503 });
  sim.setFaults('qwen', { hangWithKeepAlives: true });
  const from = sim.requests.length;
  const out = await ask(services, { alias: 'three', question: 'anyone?', user: 'U0ENG' });
  assert.equal(out.ok, false);
  assert.equal(
    out.text,
    'No answer from three within 1 s: deepseek/deepseek-v4-flash was overloaded (503); qwen-intl/qwen-plus had not finished when the 1 s answer deadline passed; not tried: openrouter/qwen/qwen-plus.',
  );
  assert.equal(chatRequests(sim, 'openrouter', from).length, 0, 'no fallback after the deadline');
  // Every attempt made is one ledger row.
  assert.deepEqual((await newRows(services, 0)).map((r) => [r.provider, r.status]), [['deepseek', 'overloaded'], ['qwen-intl', 'timeout']]);
});
