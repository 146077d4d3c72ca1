// The simulator's balance endpoints (tools/sim/balance-http.ts) over real HTTP: the documented
// shapes of docs/PROVIDERS.md §6, balances that go down by exactly what each answered call costs
// at the simulator's price list (tools/sim/prices.ts), DeepSeek granted-first and Kimi
// voucher-first deduction, Kimi cash below zero, the refusal of an empty account, and auth.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { SIM_MANAGEMENT_KEY } from '../../tools/sim/server.js';
import { chatRequests, startSim, type Simulator } from '../support/sim.js';

let sim: Simulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const KEY = 'sk-or-v1-abcdef0123456789';
const auth = (key = KEY) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

async function get(path: string, headers: Record<string, string> = auth()) {
  const res = await fetch(`${sim.url}${path}`, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: (await res.json()) as Record<string, unknown> };
}
const deepseekBalance = async () => (await get('/deepseek/user/balance')).json;
const kimiBalance = async () => (await get('/kimi/v1/users/me/balance')).json['data'];
const openrouterKey = async (s: Simulator = sim) => {
  const res = await fetch(`${s.url}/openrouter/api/v1/key`, { headers: auth() });
  return ((await res.json()) as { data: Record<string, unknown> }).data;
};

/** One chat call of "hi" (streamed or not); its status and, when answered whole, its usage. */
async function chat(profile: 'deepseek' | 'kimi' | 'openrouter', model: string, o: { stream?: boolean; s?: Simulator } = {}) {
  const s = o.s ?? sim;
  const res = await fetch(`${s.baseUrl(profile)}/chat/completions`, {
    method: 'POST',
    headers: auth(),
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...(o.stream ? { stream: true, stream_options: { include_usage: true } } : {}) }),
  });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, usage: null };
  if (!o.stream) return { status: 200, body: null, usage: (JSON.parse(text) as { usage: Record<string, unknown> }).usage };
  const chunks = text.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)) as Record<string, unknown>);
  const last = chunks[chunks.length - 1] as { usage?: unknown; choices: Array<{ usage?: unknown }> };
  return { status: 200, body: null, usage: (last.usage ?? last.choices[0]?.usage) as Record<string, unknown> };
}

test('each balance endpoint answers in its documented shape, at the real path under the profile\'s base', async () => {
  const ds = await get('/deepseek/user/balance');
  assert.equal(ds.status, 200);
  assert.match(ds.type, /^application\/json/);
  assert.deepEqual(ds.json, {
    is_available: true,
    balance_infos: [{ currency: 'USD', total_balance: '110.00', granted_balance: '10.00', topped_up_balance: '100.00' }],
  });
  // Moonshot's documented example, numbers (not strings).
  assert.deepEqual((await get('/kimi/v1/users/me/balance')).json, {
    code: 0,
    data: { available_balance: 49.58894, voucher_balance: 46.58893, cash_balance: 3.00001 },
    scode: '0x0',
    status: true,
  });
  assert.deepEqual(await openrouterKey(), {
    label: 'sk-or-v1-ab...789',
    limit: null,
    limit_reset: null,
    limit_remaining: null,
    include_byok_in_limit: false,
    usage: 0,
    usage_daily: 0,
    usage_weekly: 0,
    usage_monthly: 0,
    byok_usage: 0,
    byok_usage_daily: 0,
    byok_usage_weekly: 0,
    byok_usage_monthly: 0,
    is_free_tier: false,
    is_management_key: false,
    is_provisioning_key: false,
  });
  assert.deepEqual((await get('/openrouter/api/v1/credits', auth(SIM_MANAGEMENT_KEY))).json, { data: { total_credits: 100, total_usage: 0 } });
  // OpenRouter's older /auth/key answers the same; DeepSeek's balance is not under /v1 (its documented path has none).
  assert.deepEqual((await get('/openrouter/api/v1/auth/key')).json, { data: await openrouterKey() });
  assert.equal((await fetch(`${sim.url}/deepseek/v1/user/balance`, { headers: auth() })).status, 404);
});

test('a DeepSeek call takes exactly its price off the granted balance, streamed or not', async () => {
  const one = await chat('deepseek', 'deepseek-chat');
  assert.deepEqual([one.usage?.['prompt_tokens'], one.usage?.['completion_tokens']], [1, 8]);
  // 1 × 0.15 + 8 × 0.60 per million tokens = 0.00000495 USD.
  assert.deepEqual([sim.balance('deepseek')['granted'], sim.balance('deepseek')['topped_up']], ['9.99999505', '100.00']);
  const two = await chat('deepseek', 'deepseek-chat', { stream: true });
  assert.deepEqual([two.usage?.['prompt_tokens'], two.usage?.['completion_tokens']], [1, 8]);
  assert.equal(sim.balance('deepseek')['granted'], '9.9999901');
  assert.deepEqual(sim.balance('deepseek')['spent'], { calls: '0.0000099', outside: '0.00' });
  // Too little to show at 2 decimals; at 1,000 / 2,000 per million a call costs 0.001 + 0.016 = 0.017.
  sim.setPrice('deepseek', { model: 'deepseek-chat', input: '1000', output: '2000' });
  assert.equal((await chat('deepseek', 'deepseek-chat')).status, 200);
  assert.equal(sim.balance('deepseek')['granted'], '9.9829901');
  assert.deepEqual((await deepseekBalance())['balance_infos'], [{ currency: 'USD', total_balance: '109.98', granted_balance: '9.98', topped_up_balance: '100.00' }]);
});

test('DeepSeek spends granted before topped-up; the call that empties it is answered, then 402 and is_available false', async () => {
  sim.setBalance('deepseek', { granted: '1.00', toppedUp: '2.00' });
  assert.equal(sim.billOutside('deepseek', '1.50'), '1.50');
  assert.deepEqual((await deepseekBalance())['balance_infos'], [{ currency: 'USD', total_balance: '1.50', granted_balance: '0.00', topped_up_balance: '1.50' }]);
  sim.setBalance('deepseek', { toppedUp: '0.000001' });
  assert.equal((await chat('deepseek', 'deepseek-chat')).status, 200, 'a positive balance takes the call');
  assert.equal(sim.balance('deepseek')['topped_up'], '-0.00000395');
  const refused = await chat('deepseek', 'deepseek-chat');
  assert.equal(refused.status, 402);
  assert.deepEqual(refused.body, { error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' } });
  assert.deepEqual(await deepseekBalance(), {
    is_available: false,
    balance_infos: [{ currency: 'USD', total_balance: '0.00', granted_balance: '0.00', topped_up_balance: '0.00' }],
  });
  assert.deepEqual(sim.balance('deepseek')['spent'], { calls: '0.00000495', outside: '1.50' }, 'the refused call is not charged');
  sim.setBalance('deepseek', { topUp: '5.00' });
  assert.equal((await deepseekBalance())['is_available'], true);
  assert.equal((await chat('deepseek', 'deepseek-chat')).status, 200);
});

test('Kimi spends the voucher before cash; cash goes below zero; at available ≤ 0 calls get 403', async () => {
  sim.setBalance('kimi', { voucher: '1.00', cash: '0.50' });
  sim.billOutside('kimi', '1.20');
  assert.deepEqual(await kimiBalance(), { available_balance: 0.3, voucher_balance: 0, cash_balance: 0.3 });
  sim.billOutside('kimi', '0.50');
  // Moonshot: "when cash is negative, available_balance equals voucher_balance".
  assert.deepEqual(await kimiBalance(), { available_balance: 0, voucher_balance: 0, cash_balance: -0.2 });
  const refused = await chat('kimi', 'moonshot-v1-8k');
  assert.equal(refused.status, 403);
  assert.deepEqual(refused.body, { error: { message: 'Your account is suspended, please check your plan and billing details', type: 'exceeded_current_quota_error' } });
  sim.setBalance('kimi', { grant: '1.00' });
  const paid = await chat('kimi', 'moonshot-v1-8k', { stream: true });
  assert.equal(paid.status, 200);
  assert.deepEqual([paid.usage?.['prompt_tokens'], paid.usage?.['completion_tokens']], [1, 7]);
  // 1 × 0.20 + 7 × 2.00 per million = 0.0000142, from the voucher; 5 decimals as Moonshot shows them.
  assert.deepEqual([sim.balance('kimi')['voucher'], sim.balance('kimi')['cash']], ['0.9999858', '-0.20']);
  assert.deepEqual(await kimiBalance(), { available_balance: 0.99999, voucher_balance: 0.99999, cash_balance: -0.2 });
});

test('a Kimi account in CNY keeps the same shape (Moonshot sends no currency) and takes outside spend in CNY only', async () => {
  sim.setBalance('kimi', { currency: 'CNY', voucher: '10', cash: '5' });
  assert.equal(sim.balance('kimi')['currency'], 'CNY');
  assert.deepEqual(await kimiBalance(), { available_balance: 15, voucher_balance: 10, cash_balance: 5 });
  assert.throws(() => sim.billOutside('kimi', { usd: '1.00' }), /the kimi account is in CNY; give "amount" in CNY/);
  sim.billOutside('kimi', { amount: '2.5' });
  assert.deepEqual(await kimiBalance(), { available_balance: 12.5, voucher_balance: 7.5, cash_balance: 5 });
});

test('OpenRouter: the key\'s usage grows by exactly the usage.cost it reported, by UTC day, week and month', async () => {
  let now = Date.parse('2026-11-28T12:00:00Z'); // a Saturday
  const s = await startSim(undefined, { now: () => now });
  try {
    const first = await chat('openrouter', 'qwen/qwen-plus', { s });
    // 1 × 0.14 + 9 × 0.28 per million = 0.00000266 USD, reported and charged alike.
    assert.deepEqual([first.usage?.['prompt_tokens'], first.usage?.['completion_tokens'], first.usage?.['cost']], [1, 9, 0.00000266]);
    now = Date.parse('2026-11-30T09:00:00Z'); // the Monday after
    await chat('openrouter', 'qwen/qwen-plus', { s, stream: true });
    const key = await openrouterKey(s);
    assert.deepEqual([key['usage'], key['usage_daily'], key['usage_weekly'], key['usage_monthly']], [0.00000532, 0.00000266, 0.00000266, 0.00000532]);
    now = Date.parse('2026-12-01T00:00:00Z');
    const dec = await openrouterKey(s);
    assert.deepEqual([dec['usage'], dec['usage_daily'], dec['usage_weekly'], dec['usage_monthly']], [0.00000532, 0, 0.00000266, 0]);
    const credits = await fetch(`${s.url}/openrouter/api/v1/credits`, { headers: auth(SIM_MANAGEMENT_KEY) });
    assert.deepEqual(await credits.json(), { data: { total_credits: 100, total_usage: 0.00000532 } });
  } finally {
    await s.close();
  }
});

test('OpenRouter: a key limit shows what is left of it; outside spend through another key moves /credits only; no credits left is a 402', async () => {
  sim.setBalance('openrouter', { limit: '5', credits: '10' });
  sim.billOutside('openrouter', '1.25');
  let key = await openrouterKey();
  assert.deepEqual([key['usage'], key['limit'], key['limit_remaining']], [1.25, 5, 3.75]);
  sim.billOutside('openrouter', { usd: '2', otherKey: true });
  key = await openrouterKey();
  assert.deepEqual([key['usage'], key['limit_remaining']], [1.25, 3.75]);
  assert.deepEqual((await get('/openrouter/api/v1/credits', auth(SIM_MANAGEMENT_KEY))).json, { data: { total_credits: 10, total_usage: 3.25 } });
  sim.billOutside('openrouter', { usd: '6.75', otherKey: true });
  const refused = await chat('openrouter', 'qwen/qwen-plus');
  assert.equal(refused.status, 402);
  assert.deepEqual(refused.body, { error: { code: 402, message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits' } });
  sim.setBalance('openrouter', { topUp: '20' });
  assert.equal((await chat('openrouter', 'qwen/qwen-plus')).status, 200);
});

test('auth as the real ones: no key or a bad one is a 401 in the provider\'s shape; /credits with a normal key is 200 with zeros', async () => {
  const paths = ['/deepseek/user/balance', '/kimi/v1/users/me/balance', '/openrouter/api/v1/key', '/openrouter/api/v1/credits'];
  for (const path of paths) {
    for (const headers of [{}, auth('bad-key')]) {
      const res = await get(path, headers);
      assert.equal(res.status, 401, path);
      assert.ok(typeof (res.json['error'] as { message?: unknown }).message === 'string', path);
    }
  }
  assert.deepEqual((await get('/kimi/v1/users/me/balance', {})).json, { error: { message: 'Invalid Authentication', type: 'invalid_authentication_error' } });
  sim.billOutside('openrouter', '1');
  assert.deepEqual((await get('/openrouter/api/v1/credits')).json, { data: { total_credits: 0, total_usage: 0 } });
  // A configured management key; the key routeops calls with stays a normal one.
  sim.setBalance('openrouter', { managementKey: 'sk-or-v1-mine' });
  assert.deepEqual((await get('/openrouter/api/v1/credits', auth('sk-or-v1-mine'))).json, { data: { total_credits: 100, total_usage: 1 } });
  assert.deepEqual((await get('/openrouter/api/v1/credits', auth(SIM_MANAGEMENT_KEY))).json, { data: { total_credits: 0, total_usage: 0 } });
  const mgmt = (await get('/openrouter/api/v1/key', auth('sk-or-v1-mine'))).json['data'] as Record<string, unknown>;
  assert.deepEqual([mgmt['is_management_key'], mgmt['usage']], [true, 0]);
});

test('only answered calls are charged: a cut stream is not, a reply without usage is', async () => {
  const from = sim.requests.length;
  sim.setFaults('deepseek', { cutAfterChunks: 1, times: 1 });
  await chat('deepseek', 'deepseek-chat', { stream: true }).catch(() => null);
  assert.equal((sim.balance('deepseek')['spent'] as { calls: string }).calls, '0.00');
  sim.setFaults('deepseek', { omitUsage: true });
  const r = await chat('deepseek', 'deepseek-chat');
  assert.equal(r.usage, undefined);
  assert.equal((sim.balance('deepseek')['spent'] as { calls: string }).calls, '0.00000495');
  assert.equal(chatRequests(sim, 'deepseek', from).length, 2);
});
