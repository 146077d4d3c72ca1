// /ask on real services (SQLite file, catalog, provider clients on the simulator) when a reply is
// broken in a way its 200 does not show: usage beyond belief or not usable, an HTML page or a body
// cut short. Every attempt stays one ledger row with the right status; the rows say when their
// usage is missing or invalid (never $0), and a reply that is no reply falls back.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Services } from '../../src/app/services.js';
import { ask } from '../../src/features/ask/engine.js';
import type { UsageInput } from '../../src/domain/usage-rows/rows.js';
import type { UsageRow } from '../../src/store/ledger.js';
import type { Faults } from '../../tools/sim/server.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';
import { makeServices } from '../support/services.js';

let sim: Simulator;
let services: Services;
let cleanup: () => void;
/** The rows /ask hands the meter, as it hands them (usage_status included). */
const metered: UsageInput[] = [];

before(async () => {
  sim = await startSim();
  const fixture = makeServices(simConfig(sim), { secrets: SIM_KEYS });
  cleanup = fixture.cleanup;
  const real = fixture.services;
  services = {
    ...real,
    usage: {
      ...real.usage,
      record(rows, source) {
        metered.push(...rows);
        real.usage.record(rows, source);
      },
    },
  };
});
after(async () => {
  cleanup();
  await sim.close();
});
beforeEach(() => sim.reset());

/** Asks deepseek-v4-flash (deepseek first, OpenRouter second); gives the outcome, the metered rows and the new ledger rows, oldest first. */
async function askDeepseek(question: string) {
  const fromMeter = metered.length;
  const fromLedger = await services.ledger.count();
  const out = await ask(services, { alias: 'deepseek-v4-flash', question, user: 'U0ENG' });
  const newRows = (await services.ledger.count()) - fromLedger;
  const ledger: UsageRow[] = newRows > 0 ? (await services.ledger.recentRows(newRows)).reverse() : [];
  return { out, rows: metered.slice(fromMeter), ledger };
}

test('usage beyond any real request in a reply: the answer is delivered and its row kept, flagged invalid with no tokens', async () => {
  for (const huge of [1e300, 2 ** 53 + 10]) {
    sim.setFaults('deepseek', { usagePatch: { prompt_tokens: huge } });
    const { out, rows, ledger } = await askDeepseek(`huge usage ${huge}`);
    assert.equal(out.ok, true, out.text);
    assert.equal(out.text, `Simulated deepseek answer to: huge usage ${huge}`);
    assert.match(out.footer, /usage missing/);
    assert.deepEqual(rows.map((r) => [r.provider, r.status, r.usage_status, r.input_tokens, r.output_tokens]), [['deepseek', 'ok', 'invalid', 0, 0]]);
    assert.deepEqual(ledger.map((r) => [r.provider, r.status, r.input_tokens, r.output_tokens]), [['deepseek', 'ok', 0, 0]], 'the row is kept');
  }
});

test('a reply without usable usage (none, negative, "NaN") is "usage missing", never $0', async () => {
  const cases: Faults[] = [
    { omitUsage: true },
    { usagePatch: { completion_tokens: -5, total_tokens: 'NaN' } },
    { usagePatch: { prompt_tokens: 'NaN', prompt_cache_miss_tokens: -1, total_tokens: null } },
  ];
  for (const faults of cases) {
    sim.setFaults('deepseek', faults);
    const { out, rows, ledger } = await askDeepseek('no usable usage');
    assert.equal(out.ok, true, out.text);
    assert.match(out.footer, /usage missing/, JSON.stringify(faults));
    assert.doesNotMatch(out.footer, /\$0\.0/);
    assert.equal(out.cost_nusd, null);
    assert.deepEqual(rows.map((r) => [r.status, r.usage_status]), [['ok', 'missing']], JSON.stringify(faults));
    assert.deepEqual(ledger.map((r) => r.status), ['ok']);
  }
});

test('a call that failed before any output (429) is not billed: no tokens, usage ok; the fallback answers with its usage', async () => {
  sim.setFaults('deepseek', { status: 429 });
  const { out, rows, ledger } = await askDeepseek('rate limited');
  assert.equal(out.ok, true, out.text);
  assert.equal(out.text, 'Simulated openrouter answer to: rate limited');
  assert.deepEqual(rows.map((r) => [r.provider, r.status, r.usage_status, r.input_tokens]), [['deepseek', 'rate_limited', 'ok', 0], ['openrouter', 'ok', 'ok', rows[1]!.input_tokens]]);
  assert.ok(rows[1]!.input_tokens > 0);
  assert.doesNotMatch(out.footer, /usage missing/);
  assert.deepEqual(ledger.map((r) => [r.provider, r.status]), [['deepseek', 'rate_limited'], ['openrouter', 'ok']]);
});

test('a call cut after its output began, with no usage, is "usage missing"; the fallback answers', async () => {
  sim.setFaults('deepseek', { cutAfterChunks: 3 });
  const { out, rows, ledger } = await askDeepseek('cut mid-answer');
  assert.equal(out.ok, true, out.text);
  assert.equal(out.text, 'Simulated openrouter answer to: cut mid-answer', 'what the cut route showed is replaced');
  assert.deepEqual(rows.map((r) => [r.provider, r.status, r.usage_status]), [['deepseek', 'connection', 'missing'], ['openrouter', 'ok', 'ok']]);
  assert.match(out.footer, /usage missing/);
  assert.deepEqual(ledger.map((r) => r.status), ['connection', 'ok']);
});

test('a 200 that is not the reply (an HTML page, a body cut short) is a malformed row and falls back to the next route', async () => {
  for (const faults of [{ htmlBody: true }, { truncatedBody: true }]) {
    sim.setFaults('deepseek', faults);
    const { out, rows, ledger } = await askDeepseek('behind a proxy');
    assert.equal(out.ok, true, out.text);
    assert.equal(out.text, 'Simulated openrouter answer to: behind a proxy', JSON.stringify(faults));
    assert.match(out.footer, /fallback after deepseek\/deepseek-v4-flash sent a malformed reply/);
    assert.deepEqual(rows.map((r) => [r.provider, r.status]), [['deepseek', 'malformed'], ['openrouter', 'ok']]);
    // A page from a proxy carried nothing of the model's; a stream cut short had begun to answer.
    assert.equal(rows[0]!.usage_status, faults.htmlBody ? 'ok' : 'missing');
    assert.deepEqual(ledger.map((r) => r.status), ['malformed', 'ok']);
  }
});
