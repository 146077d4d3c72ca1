// The prepaid accounts on demand (/_sim/balance…, tools/sim/balance-control.ts), as a user of
// `routeops sim` sends them with curl: top-ups and amounts, outside spend routeops never sees,
// prices, the balance faults (unavailable, a status, HTML, a missing field, a hang) and resets;
// and bad input answered with what was wrong and what is accepted.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { describeSim } from '../../tools/sim/main.js';
import { chatRequests, startSim, type Simulator } from '../support/sim.js';

let sim: Simulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const AUTH = { authorization: 'Bearer sk-test', 'content-type': 'application/json' };

/** A control request with the body sent as is (curl -d). */
async function control(method: string, path: string, body?: string) {
  const res = await fetch(`${sim.url}/_sim/balance${path}`, { method, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function balance(path: string) {
  const res = await fetch(`${sim.url}${path}`, { headers: AUTH });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text };
}
const DS = '/deepseek/user/balance';
const KIMI = '/kimi/v1/users/me/balance';

async function chatStatus(profile: 'deepseek' | 'kimi' | 'openrouter', model: string): Promise<number> {
  const res = await fetch(`${sim.baseUrl(profile)}/chat/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
  await res.text();
  return res.status;
}

test('a top-up and absolute amounts are set over HTTP, by profile or provider name, and answered with the account', async () => {
  const up = await control('POST', '/deepseek', '{"topUp":"50.00"}');
  assert.equal(up.status, 200);
  assert.deepEqual(up.json, {
    ok: true, profile: 'deepseek', provider: 'deepseek',
    balance: { currency: 'USD', is_available: true, total: '160.00', granted: '10.00', topped_up: '150.00', spent: { calls: '0.00', outside: '0.00' }, faults: null, prices: {} },
  });
  assert.match((await balance(DS)).text, /"total_balance":"160.00","granted_balance":"10.00","topped_up_balance":"150.00"/);
  const kimi = await control('POST', '/moonshot', '{"voucher":"0","cash":"-1.5","currency":"CNY"}');
  assert.equal(kimi.json['profile'], 'kimi');
  assert.deepEqual(JSON.parse((await balance(KIMI)).text).data, { available_balance: 0, voucher_balance: 0, cash_balance: -1.5 });
  const all = await control('GET', '');
  assert.deepEqual(Object.keys(all.json['balances'] as object), ['deepseek', 'kimi', 'openrouter']);
  assert.equal(((all.json['balances'] as Record<string, Record<string, unknown>>)['kimi'])!['currency'], 'CNY');
});

test('outside spend comes off the balance and no chat request is recorded', async () => {
  const from = sim.requests.length;
  const out = await control('POST', '/deepseek/outside', '{"usd":"1.25"}');
  assert.equal(out.status, 200);
  assert.equal(out.json['charged'], '1.25');
  assert.deepEqual(JSON.parse((await balance(DS)).text).balance_infos[0], { currency: 'USD', total_balance: '108.75', granted_balance: '8.75', topped_up_balance: '100.00' });
  // Tokens of a model at the simulator's list: deepseek-v4-pro 0.66 input, 1.98 output per million.
  const tokens = await control('POST', '/deepseek/outside', '{"model":"deepseek-v4-pro","prompt_tokens":1000000,"completion_tokens":500000}');
  assert.equal(tokens.json['charged'], '1.65');
  assert.deepEqual((tokens.json['balance'] as Record<string, unknown>)['spent'], { calls: '0.00', outside: '2.90' });
  assert.equal(chatRequests(sim, 'deepseek', from).length, 0);
});

test('a price set for a model is what its calls are charged from then on', async () => {
  const set = await control('POST', '/kimi/prices', '{"model":"moonshot-v1-8k","input":"100","output":"1000"}');
  assert.deepEqual((set.json['balance'] as Record<string, unknown>)['prices'], { 'moonshot-v1-8k': { input: '100.00', cached_input: '100.00', output: '1000.00' } });
  assert.equal(await chatStatus('kimi', 'moonshot-v1-8k'), 200);
  // 1 × 100 + 7 × 1,000 per million = 0.0071, from the voucher.
  assert.equal(sim.balance('kimi')['voucher'], '46.58183');
});

test('balance faults: a status, HTML, a missing field, for `times` requests; chat faults leave the balance endpoint alone', async () => {
  await control('POST', '/deepseek/faults', '{"status":500,"times":1}');
  const err = await balance(DS);
  assert.equal(err.status, 500);
  assert.deepEqual(JSON.parse(err.text), { error: { message: 'Server Error', type: 'server_error', param: null, code: 'internal_error' } });
  assert.equal((await balance(DS)).status, 200, 'once');

  sim.balanceFault('kimi', { htmlBody: true });
  const html = await balance(KIMI);
  assert.deepEqual([html.status, html.type.split(';')[0]], [200, 'text/html']);
  assert.match(html.text, /^<!DOCTYPE html>/);

  sim.balanceFault('kimi', { missingField: true });
  assert.deepEqual(JSON.parse((await balance(KIMI)).text).data, { voucher_balance: 46.58893, cash_balance: 3.00001 });
  sim.balanceFault('deepseek', { missingField: true });
  assert.deepEqual(JSON.parse((await balance(DS)).text).balance_infos[0], { currency: 'USD', granted_balance: '10.00', topped_up_balance: '100.00' });
  sim.balanceFault('deepseek', { missingField: 'is_available' });
  assert.deepEqual(Object.keys(JSON.parse((await balance(DS)).text)), ['balance_infos']);
  sim.balanceFault('openrouter', { missingField: true });
  assert.equal('usage' in JSON.parse((await balance('/openrouter/api/v1/key')).text).data, false);
  const credits = await fetch(`${sim.url}/openrouter/api/v1/credits`, { headers: { authorization: 'Bearer sk-or-v1-sim-management-key' } });
  assert.deepEqual(await credits.json(), { data: { total_usage: 0 } });

  sim.balanceFault('deepseek', null);
  sim.setFaults('deepseek', { status: 503 });
  assert.equal((await balance(DS)).status, 200);
  assert.equal(await chatStatus('deepseek', 'deepseek-chat'), 503);
});

test('unavailable: DeepSeek says is_available false and refuses calls with 402; Kimi refuses with 403 and its balance still answers', async () => {
  const set = await control('POST', '/deepseek/faults', '{"unavailable":true,"times":1}');
  assert.deepEqual(set.json['faults'], { unavailable: true, times: 1 });
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(JSON.parse((await balance(DS)).text), {
      is_available: false,
      balance_infos: [{ currency: 'USD', total_balance: '110.00', granted_balance: '10.00', topped_up_balance: '100.00' }],
    }, 'an account state, not counted by times');
  }
  assert.equal(await chatStatus('deepseek', 'deepseek-chat'), 402);
  sim.balanceFault('kimi', { unavailable: true });
  assert.equal(await chatStatus('kimi', 'kimi-k2.5'), 403);
  assert.equal((await balance(KIMI)).status, 200);
  sim.balanceFault('openrouter', { unavailable: true });
  assert.equal(await chatStatus('openrouter', 'qwen/qwen-plus'), 402);
  assert.deepEqual((await control('DELETE', '/deepseek/faults')).json, { ok: true, cleared: ['deepseek'] });
  assert.equal(await chatStatus('deepseek', 'deepseek-chat'), 200);
});

test('hang: a balance request gets no answer while others do, and close() ends it', async () => {
  const s2 = await startSim();
  s2.balanceFault('deepseek', { hang: true });
  let answered = false;
  const ended = new Promise<void>((resolve) => {
    const req = http.get(`${s2.url}${DS}`, { headers: AUTH }, (res) => {
      answered = true;
      res.resume();
      res.on('close', () => resolve());
    });
    req.on('error', () => resolve());
  });
  while (s2.requests.length === 0) await new Promise((r) => setImmediate(r));
  const other = await fetch(`${s2.url}${KIMI}`, { headers: AUTH });
  assert.equal(other.status, 200);
  await other.text();
  assert.equal(answered, false);
  await s2.close();
  await ended;
  assert.equal(answered, false, 'no status line was ever sent');
});

test('DELETE /_sim/balance[/PROFILE] and reset() give back fresh accounts, prices and no faults', async () => {
  sim.setBalance('deepseek', { granted: '0', toppedUp: '0' });
  sim.setBalance('kimi', { cash: '-5' });
  sim.balanceFault('kimi', { status: 500 });
  assert.deepEqual((await control('DELETE', '/kimi')).json, { ok: true, cleared: ['kimi'] });
  assert.equal((await balance(KIMI)).status, 200);
  assert.equal(sim.balance('kimi')['cash'], '3.00001');
  assert.equal(sim.balance('deepseek')['total'], '0.00', 'only the named one');
  assert.deepEqual((await control('DELETE', '')).json, { ok: true, cleared: ['deepseek', 'kimi', 'openrouter'] });
  assert.equal(sim.balance('deepseek')['total'], '110.00');
  sim.setPrice('openrouter', { model: 'qwen/qwen-plus', input: '9', output: '9' });
  sim.billOutside('openrouter', '3');
  sim.reset();
  assert.deepEqual([sim.balance('openrouter')['total_usage'], sim.balance('openrouter')['prices']], ['0.00', {}]);
});

test('bad input is a 4xx saying what was wrong and what is accepted; nothing changes', async () => {
  const cases: Array<[string, string, string | undefined, number, RegExp]> = [
    ['POST', '/deepseek', '{"voucher":"1"}', 400, /voucher is not for deepseek; accepted for deepseek: topUp, grant, granted, toppedUp, currency/],
    ['POST', '/deepseek', '{"topUp":"1,25"}', 400, /topUp: expected a decimal amount such as "50.00", got "1,25"/],
    ['POST', '/deepseek', '{"topUp":"-5"}', 400, /topUp: must be more than 0/],
    ['POST', '/deepseek', '{"topup":"5"}', 400, /bad balance: .*topup.*accepted for deepseek/],
    ['POST', '/deepseek', '{}', 400, /nothing to set/],
    ['POST', '/deepseek', 'topUp=5', 400, /bad balance: expected a JSON object; the body is not JSON/],
    ['POST', '/deepseek/outside', '{"usd":"1","model":"deepseek-flash"}', 400, /give exactly one of usd, amount or model/],
    ['POST', '/deepseek/outside', '{"usd":"1","otherKey":true}', 400, /otherKey is for openrouter only/],
    ['POST', '/deepseek/faults', '{"stauts":500}', 400, /bad balance faults: .*accepted: unavailable, status, htmlBody, missingField, hang, times/],
    ['POST', '/deepseek/prices', '{"model":"x","input":"0.0000000001","output":"1"}', 400, /bad price: expected .*at most 9 decimals/],
    ['POST', '/qwen', '{"topUp":"5"}', 404, /simulator profile "qwen" keeps no balance .*balances are kept for deepseek, kimi or moonshot, openrouter/],
    ['POST', '/dashscope', '{"topUp":"5"}', 404, /unknown simulator profile "dashscope"/],
    ['POST', '/deepseek/nothing', '{}', 404, /unknown control path; use GET or DELETE \/_sim\/balance/],
    ['PUT', '/deepseek', '{}', 405, /POST \/_sim\/balance\/PROFILE \{"topUp":"50.00"\}/],
  ];
  for (const [method, path, body, status, message] of cases) {
    const res = await control(method, path, body);
    assert.equal(res.status, status, `${method} ${path} ${body}`);
    assert.match(String(res.json['error']), message, `${method} ${path} ${body}`);
  }
  assert.equal(sim.balance('deepseek')['total'], '110.00');
  assert.throws(() => sim.setBalance('glm', { topUp: '1' }), /simulator profile "glm" keeps no balance/);
  assert.throws(() => sim.billOutside('deepseek', '0'), /usd|amount: must be more than 0/);
});

test('the banner shows the balance paths and how to change them', () => {
  const banner = describeSim(sim);
  for (const path of [DS, KIMI, '/openrouter/api/v1/key', '/openrouter/api/v1/credits']) assert.ok(banner.includes(`${sim.url}${path}`), path);
  assert.match(banner, /\/_sim\/balance\/deepseek\/outside -d '\{"usd":"1.25"\}'/);
});
