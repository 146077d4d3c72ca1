// Each balance source over real HTTP against a local server replaying the documented replies
// (docs/PROVIDERS.md §6): amounts read exactly (strings and numbers, USD and CNY, negative cash),
// and every bad reply a short BalanceError that names what to check and never the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveBalance } from '../../src/config/balances.js';
import type { BalanceConfig } from '../../src/config/schema.js';
import { BalanceError, createBalanceSource, type BalanceSource } from '../../src/upstream/balances/index.js';
import { deepseekReply, kimiReply, startBalanceServer, type BalanceServer } from '../support/balance-server.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const KEY = 'sk-balance-test-0123456789abcdef';

/** The source a provider at `base` with `balance` gets, its key set to KEY (plus `env`). */
function sourceFor(base: string, balance: BalanceConfig, env: NodeJS.ProcessEnv = {}, keyEnv = 'TEST_API_KEY'): BalanceSource {
  const { source } = resolveBalance('p', { base_url: base, api_key_env: keyEnv, balance });
  assert.ok(source);
  return createBalanceSource(source, { [keyEnv]: KEY, ...env });
}

async function failure(source: BalanceSource, opts: { timeoutMs?: number } = {}): Promise<BalanceError> {
  try {
    await source.read({ now: NOW, ...opts });
  } catch (err) {
    assert.ok(err instanceof BalanceError, `expected a BalanceError, got ${String(err)}`);
    assert.match(err.message, /^balance unavailable: /);
    assert.ok(!err.message.includes(KEY), `the key leaked: ${err.message}`);
    assert.doesNotMatch(err.message, /\n/, 'one line, no stack');
    return err;
  }
  assert.fail('expected the read to fail');
}

async function server(t: { after(fn: () => unknown): void }): Promise<BalanceServer> {
  return startBalanceServer(t);
}

test('DeepSeek: decimal strings read exactly into nano-units, with the granted and topped-up parts; the key is sent as a bearer', async (t) => {
  const srv = await server(t);
  srv.set('/deepseek/user/balance', { json: deepseekReply({ infos: [{ currency: 'USD', total: '110.50', granted: '10.000000001', topped_up: '100.499999999' }] }) });
  const r = await sourceFor(`${srv.url}/deepseek`, { kind: 'deepseek' }).read({ now: NOW });
  assert.equal(r.currency, 'USD');
  assert.equal(r.balance_nano, 110_500_000_000n);
  assert.equal(r.granted_nano, 10_000_000_001n);
  assert.equal(r.topped_up_nano, 100_499_999_999n);
  assert.equal(r.available, true);
  assert.equal(r.at, NOW.toISOString());
  assert.deepEqual(r.detail, { is_available: true, currency: 'USD', total_balance: '110.50', granted_balance: '10.000000001', topped_up_balance: '100.499999999' });
  assert.equal(srv.requests[0]?.headers.authorization, `Bearer ${KEY}`);
});

test('DeepSeek: is_available false is kept; with several currencies the configured one is taken, else the first', async (t) => {
  const srv = await server(t);
  srv.set('/deepseek/user/balance', { json: deepseekReply({ available: false, infos: [{ currency: 'CNY', total: '0.00' }, { currency: 'USD', total: '3.20' }] }) });
  const first = await sourceFor(`${srv.url}/deepseek/v1`, { kind: 'deepseek' }).read({ now: NOW });
  assert.equal(first.currency, 'CNY');
  assert.equal(first.balance_nano, 0n);
  assert.equal(first.available, false);
  const usd = await sourceFor(`${srv.url}/deepseek`, { kind: 'deepseek', currency: 'USD' }).read({ now: NOW });
  assert.equal(usd.balance_nano, 3_200_000_000n);
  const err = await failure(sourceFor(`${srv.url}/deepseek`, { kind: 'deepseek', currency: 'EUR' }));
  assert.match(err.message, /balance_infos has no EUR entry \(listed: CNY, USD\); check balance\.currency/);
});

test('Kimi: JSON numbers read exactly (no float arithmetic), negative cash kept, available only above zero; .cn is CNY', async (t) => {
  const srv = await server(t);
  srv.set('/kimi/v1/users/me/balance', { json: kimiReply(49.58894, 46.58893, 3.00001) });
  const r = await sourceFor(`${srv.url}/kimi/v1`, { kind: 'moonshot' }).read({ now: NOW });
  assert.equal(r.currency, 'USD');
  assert.equal(r.balance_nano, 49_588_940_000n);
  assert.equal(r.voucher_nano, 46_588_930_000n);
  assert.equal(r.cash_nano, 3_000_010_000n);
  assert.equal(r.available, true);
  // 8.2 * 1e9 in floats is 8199999999.999999: the amount is read from its decimal digits.
  srv.set('/kimi/v1/users/me/balance', { json: kimiReply(8.2, 13, -4.8) });
  const neg = await sourceFor(`${srv.url}/kimi/v1`, { kind: 'moonshot', currency: 'CNY' }).read({ now: NOW });
  assert.equal(neg.currency, 'CNY');
  assert.equal(neg.balance_nano, 8_200_000_000n);
  assert.equal(neg.cash_nano, -4_800_000_000n);
  srv.set('/kimi/v1/users/me/balance', { json: kimiReply(0, 0, -2.5) });
  assert.equal((await sourceFor(`${srv.url}/kimi/v1`, { kind: 'moonshot' }).read({ now: NOW })).available, false);
  // The China service bills in CNY without being told.
  assert.equal(resolveBalance('moonshot-cn', { base_url: 'https://api.moonshot.cn/v1', api_key_env: 'K_API_KEY' }).source?.currency, 'CNY');
});

test('OpenRouter /key: the balance is limit_remaining; a key without a limit says how to read one; the key label is never kept', async (t) => {
  const srv = await server(t);
  const key = (data: Record<string, unknown>) => ({ json: { data: { label: `sk-or-v1-${KEY.slice(-6)}…`, is_free_tier: false, usage_daily: 1.25, ...data } } });
  srv.set('/openrouter/api/v1/key', key({ limit: 100, usage: 25.5, limit_remaining: 74.5, limit_reset: null }));
  const r = await sourceFor(`${srv.url}/openrouter/api/v1`, { kind: 'openrouter' }).read({ now: NOW });
  assert.equal(r.currency, 'USD');
  assert.equal(r.balance_nano, 74_500_000_000n);
  assert.equal(r.limit_nano, 100_000_000_000n);
  assert.equal(r.usage_nano, 25_500_000_000n);
  assert.equal(r.available, true);
  assert.equal(r.detail.label, undefined);
  assert.ok(!JSON.stringify(r.detail).includes('sk-or'));
  srv.set('/openrouter/api/v1/key', key({ limit: null, usage: 25.5, limit_remaining: null }));
  const err = await failure(sourceFor(`${srv.url}/openrouter/api/v1`, { kind: 'openrouter' }));
  assert.equal(err.reason, 'no_balance');
  assert.match(err.message, /no credit limit.*set providers\.p\.balance\.management_key_env.*or balance: null/);
});

test('OpenRouter /credits with a management key: total_credits − total_usage; zeros read as a key that is not a management key', async (t) => {
  const srv = await server(t);
  srv.set('/openrouter/api/v1/credits', { json: { data: { total_credits: 50, total_usage: 12.345678901 } } });
  const source = sourceFor(`${srv.url}/openrouter/api/v1`, { kind: 'openrouter', management_key_env: 'OR_MGMT_KEY' }, { OR_MGMT_KEY: 'sk-or-mgmt-0123456789' });
  assert.deepEqual(source.missing, []);
  const r = await source.read({ now: NOW });
  assert.equal(r.balance_nano, 37_654_321_099n);
  assert.equal(srv.requests.at(-1)?.headers.authorization, 'Bearer sk-or-mgmt-0123456789');
  srv.set('/openrouter/api/v1/credits', { json: { data: { total_credits: 0, total_usage: 0 } } });
  const err = await failure(source);
  assert.match(err.message, /check that OR_MGMT_KEY holds a management key/);
  assert.ok(!err.message.includes('sk-or-mgmt'));
  // Without the management key set, the source is not ready (the poll leaves it out).
  const { source: cfg } = resolveBalance('p', { base_url: `${srv.url}/openrouter/api/v1`, api_key_env: 'TEST_API_KEY', balance: { kind: 'openrouter', management_key_env: 'OR_MGMT_KEY' } });
  assert.deepEqual(createBalanceSource(cfg!, { TEST_API_KEY: KEY }).missing, ['OR_MGMT_KEY']);
});

test('json: the amount at a dot path, string or number, in the configured currency; a bearer only with key_env', async (t) => {
  const srv = await server(t);
  srv.set('/gw/balance', { json: { data: { wallet: { balance: '12.3400' } } } });
  const withKey = sourceFor(srv.url, { kind: 'json', url: `${srv.url}/gw/balance?team=a`, field: 'data.wallet.balance', currency: 'USD', key_env: 'GW_API_KEY' }, { GW_API_KEY: KEY });
  const r = await withKey.read({ now: NOW });
  assert.equal(r.balance_nano, 12_340_000_000n);
  assert.deepEqual(r.detail, { 'data.wallet.balance': '12.3400' });
  assert.equal(srv.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`);
  srv.set('/gw/balance', { json: { accounts: [{ amount: 7.25 }] } });
  const noKey = sourceFor(srv.url, { kind: 'json', url: `${srv.url}/gw/balance`, field: 'accounts.0.amount', currency: 'EUR' });
  const n = await noKey.read({ now: NOW });
  assert.equal(n.currency, 'EUR');
  assert.equal(n.balance_nano, 7_250_000_000n);
  assert.equal(srv.requests.at(-1)?.headers.authorization, undefined, "the provider's key is not sent to another URL unasked");
  const missing = await failure(sourceFor(srv.url, { kind: 'json', url: `${srv.url}/gw/balance`, field: 'data.balance', currency: 'USD' }));
  assert.equal(missing.reason, 'field_missing');
  assert.match(missing.message, /the reply has no data\.balance/);
});

test('bad replies: HTML, not JSON, a missing field, a bad amount, 500, 401 and a redirect each say what happened, with the URL but never its query or the key', async (t) => {
  const srv = await server(t);
  const src = () => sourceFor(`${srv.url}/deepseek`, { kind: 'deepseek' });
  const path = '/deepseek/user/balance';
  srv.set(path, { raw: '<!doctype html><title>Just a moment...</title>' });
  assert.match((await failure(src())).message, /^balance unavailable: http:\/\/127\.0\.0\.1:\d+\/deepseek\/user\/balance returned HTML, not JSON/);
  srv.set(path, { raw: 'OK', contentType: 'text/plain' });
  assert.equal((await failure(src())).reason, 'not_json');
  srv.set(path, { json: { is_available: true, balance_infos: [{ currency: 'USD', granted_balance: '1.00' }] } });
  assert.match((await failure(src())).message, /the reply has no balance_infos\.0\.total_balance/);
  srv.set(path, { json: { is_available: true, balance_infos: [{ currency: 'USD', total_balance: '1,50' }] } });
  assert.match((await failure(src())).message, /balance_infos\.0\.total_balance is not a decimal amount \(got "1,50"\)/);
  // The server echoes the key it got: the message must not carry it.
  srv.set(path, { status: 500, json: { error: { message: `internal error for key ${KEY}` } } });
  const e500 = await failure(src());
  assert.equal(e500.status, 500);
  assert.match(e500.message, /HTTP 500 from http:\/\/127\.0\.0\.1:\d+\/deepseek\/user\/balance: internal error for key \[redacted\]/);
  srv.set(path, { status: 401, json: { error: { message: 'Authentication Fails (no such user)' } } });
  const e401 = await failure(src());
  assert.equal(e401.reason, 'auth');
  assert.match(e401.message, /HTTP 401 .* the key was refused: Authentication Fails \(no such user\); check TEST_API_KEY$/);
  srv.set(path, { status: 302, raw: '' });
  assert.match((await failure(src())).message, /HTTP 302 from/);
  const gw = sourceFor(srv.url, { kind: 'json', url: `${srv.url}/nowhere?token=${KEY}`, field: 'a', currency: 'USD' });
  const e404 = await failure(gw);
  assert.match(e404.message, /HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/nowhere: not found$/);
});

test('a slow endpoint times out after the given time and says so; an unreachable one names the connection error', async (t) => {
  const srv = await server(t);
  srv.set('/deepseek/user/balance', { hang: true });
  const slow = await failure(sourceFor(`${srv.url}/deepseek`, { kind: 'deepseek' }), { timeoutMs: 150 });
  assert.equal(slow.reason, 'timeout');
  assert.match(slow.message, /^balance unavailable: timed out after 150 ms \(GET http:\/\/127\.0\.0\.1:\d+\/deepseek\/user\/balance\)$/);
  const gone = await startBalanceServer();
  const url = gone.url;
  await gone.close();
  const refused = await failure(sourceFor(`${url}/deepseek`, { kind: 'deepseek' }));
  assert.equal(refused.reason, 'connection');
  assert.match(refused.message, /cannot reach http:\/\/127\.0\.0\.1:\d+\/deepseek\/user\/balance \(ECONNREFUSED\)/);
});

test('a reply that quotes the key back (a failure answered 200) is reported with the key redacted', async (t) => {
  const srv = await server(t);
  srv.set('/kimi/v1/users/me/balance', { json: { code: 1, error: `bad auth ${KEY}`, status: false } });
  const kimi = await failure(sourceFor(`${srv.url}/kimi/v1`, { kind: 'moonshot' }));
  assert.match(kimi.message, /bad auth \[redacted\]/);
  // A key shorter than the generic patterns catch is scrubbed too: the source knows its own.
  const short = 'AKIDXYZ1';
  srv.set('/json/balance', { json: { ok: false, message: `no such key ${short}` } });
  const { source } = resolveBalance('p', { base_url: `${srv.url}/json`, api_key_env: 'TEST_API_KEY', balance: { kind: 'json', url: `${srv.url}/json/balance`, field: 'data.balance', currency: 'USD', key_env: 'SHORT_KEY' } });
  srv.set('/json/balance', { json: { data: { balance: `not a number ${short}` } } });
  const err = await failure(createBalanceSource(source!, { SHORT_KEY: short }));
  assert.ok(!err.message.includes(short), err.message);
});
