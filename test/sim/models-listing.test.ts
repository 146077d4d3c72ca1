// The simulator's model listing set on demand (tools/sim/control.ts, Simulator#setModels): a
// provider renaming or retiring a model. GET /models lists the models set, chat takes only those
// (a model gone answers the provider's model-not-found error), and clearing gives back the
// profile's own.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, type Simulator } from '../support/sim.js';
import { PROFILES } from '../../tools/sim/profiles.js';

let sim: Simulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const auth = { authorization: 'Bearer sk-test' };

async function listed(profile: string): Promise<string[]> {
  const res = await fetch(`${sim.baseUrl(profile)}/models`, { headers: auth });
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
}

async function chat(profile: string, model: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sim.baseUrl(profile)}/chat/completions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, body: await res.json() };
}

async function control(method: string, path: string, body?: string) {
  const res = await fetch(`${sim.url}/_sim/models${path}`, { method, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test('a listing set over HTTP replaces the profile’s models: /models lists it and chat takes only its models', async () => {
  assert.deepEqual(await listed('deepseek'), PROFILES.deepseek.models);
  const set = await control('POST', '/deepseek', JSON.stringify({ models: ['deepseek-flash', 'deepseek-v4-pro'] }));
  assert.deepEqual([set.status, set.json], [200, { ok: true, profile: 'deepseek', provider: 'deepseek', models: ['deepseek-flash', 'deepseek-v4-pro'] }]);
  assert.deepEqual(await listed('deepseek'), ['deepseek-flash', 'deepseek-v4-pro']);
  assert.equal((await chat('deepseek', 'deepseek-flash')).status, 200);
  const gone = await chat('deepseek', 'deepseek-v4-flash');
  assert.deepEqual([gone.status, (gone.body as { error: { message: string } }).error.message], [400, 'Model Not Exist']);
  // Other profiles keep their own.
  assert.deepEqual(await listed('qwen'), PROFILES.qwen.models);
  const cleared = await control('DELETE', '/deepseek');
  assert.deepEqual(cleared.json, { ok: true, cleared: ['deepseek'] });
  assert.deepEqual(await listed('deepseek'), PROFILES.deepseek.models);
});

test('setModels does the same from a test, an empty listing lists nothing, and reset gives back the profile’s own', async () => {
  sim.setModels('moonshot', ['kimi-k2.6']);
  assert.deepEqual(await listed('kimi'), ['kimi-k2.6']);
  sim.setModels('deepseek', []);
  assert.deepEqual(await listed('deepseek'), []);
  sim.reset();
  assert.deepEqual(await listed('kimi'), PROFILES.kimi.models);
  assert.deepEqual(await listed('deepseek'), PROFILES.deepseek.models);
});

test('a bad listing body or an unknown profile is refused with what is accepted, and nothing changes', async () => {
  for (const body of ['', 'nope', '["deepseek-flash"]', '{"models":"deepseek-flash"}', '{"models":[""]}', '{"models":[],"extra":1}']) {
    const res = await control('POST', '/deepseek', body);
    assert.equal(res.status, 400, body);
    assert.match(String(res.json.error), /bad models: expected \{"models":\["id", …\]\}/);
  }
  assert.deepEqual(await listed('deepseek'), PROFILES.deepseek.models);
  const unknown = await control('POST', '/nosuch', '{"models":[]}');
  assert.equal(unknown.status, 404);
  assert.match(String(unknown.json.error), /deepseek, qwen or qwen-intl/);
  assert.equal((await control('POST', '', '{"models":[]}')).status, 405, 'a listing is set for one profile');
});
