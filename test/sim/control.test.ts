// Faults on demand over HTTP (POST/DELETE /_sim/faults/<name>, tools/sim/control.ts), as a user
// of `routeops sim` sends them with curl: a profile or the routeops provider name it stands for,
// a short message listing the accepted names for any other, and "expected a JSON object" for a
// body that is not one.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { describeSim } from '../../tools/sim/main.js';
import { SIM_PROFILES, startSim, type Simulator } from '../support/sim.js';

let sim: Simulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

/** A control request with the body sent as is (curl -d sends no content-type of JSON). */
async function control(method: string, name: string, body?: string) {
  const res = await fetch(`${sim.url}/_sim/faults${name ? `/${name}` : ''}`, { method, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function chatStatus(profile: (typeof SIM_PROFILES)[number]): Promise<number> {
  const res = await fetch(`${sim.baseUrl(profile.profile)}/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
    body: JSON.stringify({ model: profile.model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.text();
  return res.status;
}

const ACCEPTED = /deepseek, qwen or qwen-intl, kimi or moonshot, glm or zai, openrouter/;

test('faults are set and cleared by the profile name or by the provider name routeops uses', async () => {
  for (const p of SIM_PROFILES) {
    for (const name of new Set([p.provider, p.profile])) {
      const set = await control('POST', name, '{"status":503,"times":1}');
      assert.equal(set.status, 200, `${name}: ${JSON.stringify(set.json)}`);
      assert.deepEqual(set.json, { ok: true, profile: p.profile, provider: p.provider, faults: { status: 503, times: 1 } });
      assert.equal(await chatStatus(p), 503, `${name}: the fault applies to the ${p.profile} profile`);
      assert.equal(await chatStatus(p), 200, `${name}: once`);
    }
  }
  await control('POST', 'moonshot', '{"status":500}');
  await control('POST', 'zai', '{"status":500}');
  const cleared = await control('DELETE', 'moonshot');
  assert.deepEqual(cleared.json, { ok: true, cleared: ['kimi'] });
  const kimi = SIM_PROFILES.find((p) => p.profile === 'kimi')!;
  const glm = SIM_PROFILES.find((p) => p.profile === 'glm')!;
  assert.equal(await chatStatus(kimi), 200);
  assert.equal(await chatStatus(glm), 500, 'only the named one is cleared');
});

test('an unknown name gets a 404 that lists the accepted names', async () => {
  for (const [method, body] of [['POST', '{"status":429}'], ['DELETE', undefined]] as const) {
    const res = await control(method, 'qwen-plus', body);
    assert.equal(res.status, 404);
    assert.match(String(res.json['error']), /^unknown simulator profile "qwen-plus"; accepted: /);
    assert.match(String(res.json['error']), ACCEPTED);
  }
  const path = await fetch(`${sim.url}/_sim/nothing`, { method: 'POST', body: '{}' });
  assert.equal(path.status, 404);
  assert.match(String(((await path.json()) as { error: string }).error), ACCEPTED);
});

test('a body that is not a JSON object gets "expected a JSON object", and sets nothing', async () => {
  const cases: Array<[string, RegExp]> = [
    ['status=429', /the body is not JSON/],
    ['{"status":429', /the body is not JSON/],
    ['', /the body is empty/],
    ['"429"', /got a JSON string/],
    ['429', /got a JSON number/],
    ['[{"status":429}]', /got a JSON array/],
    ['null', /got null/],
  ];
  for (const [body, why] of cases) {
    const res = await control('POST', 'deepseek', body);
    assert.equal(res.status, 400, body);
    const error = String(res.json['error']);
    assert.match(error, /^bad faults: expected a JSON object such as \{"status":503\}; /, body);
    assert.match(error, why, body);
    assert.doesNotMatch(error, /received/, `${body}: not zod's wording`);
    assert.ok((res.json['accepted'] as string[]).includes('status'), 'the accepted fault names are listed');
  }
  assert.equal(await chatStatus(SIM_PROFILES[0]!), 200, 'no fault was set');
  // A JSON object with a wrong field still names the field.
  const wrong = await control('POST', 'deepseek', '{"status":"soon"}');
  assert.equal(wrong.status, 400);
  assert.match(String(wrong.json['error']), /^bad faults: status: /);
});

test('in process too, a provider name stands for its profile; others are refused with the accepted names', () => {
  assert.equal(sim.baseUrl('qwen-intl'), sim.baseUrl('qwen'));
  assert.equal(sim.baseUrl('zai'), sim.baseUrl('glm'));
  assert.throws(() => sim.setFaults('dashscope', { hang: true }), (e: Error) => /unknown simulator profile "dashscope"/.test(e.message) && ACCEPTED.test(e.message));
  const banner = describeSim(sim);
  assert.match(banner, ACCEPTED);
});
