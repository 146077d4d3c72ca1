// Balance history over real SQLite and real HTTP: each poll's good readings become snapshots, a
// rise between consecutive snapshots is money added (a top-up, or a grant where DeepSeek splits
// its balance), never negative spend, and a bad reply records nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { pollBalances } from '../../src/features/balances/poll.js';
import type { Services } from '../../src/features/services.js';
import { deepseekReply, kimiReply, startBalanceServer, type BalanceServer } from '../support/balance-server.js';
import { makeServices } from '../support/services.js';
import { peekDb } from '../support/db.js';
import type { ConfigObject } from '../support/config.js';

const KEYS = { GW_API_KEY: 'sk-gw-secret-0123456789', DEEPSEEK_API_KEY: 'sk-ds-secret-0123456789', MOONSHOT_API_KEY: 'sk-kimi-secret-0123456789' };

function config(srv: BalanceServer): ConfigObject {
  return {
    providers: {
      deepseek: { base_url: `${srv.url}/deepseek`, api_key_env: 'DEEPSEEK_API_KEY', balance: { kind: 'deepseek' } },
      moonshot: { base_url: `${srv.url}/kimi/v1`, api_key_env: 'MOONSHOT_API_KEY', balance: { kind: 'moonshot' } },
      gateway: { base_url: `${srv.url}/gw/v1`, api_key_env: 'GW_API_KEY', balance: { kind: 'json', url: `${srv.url}/gw/balance`, field: 'balance', currency: 'USD', key_env: 'GW_API_KEY' } },
      // Defaults with no key set, and providers with no source: not polled.
      qwen: { base_url: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1', api_key_env: 'DASHSCOPE_API_KEY' },
    },
  };
}

const at = (hour: number) => new Date(Date.UTC(2026, 10, 23, hour));

async function poll(services: Services, hour: number) {
  return pollBalances(services, { now: at(hour), timeoutMs: 5000 });
}

const usd = (n: number | string) => BigInt(Math.round(Number(n) * 100)) * 10_000_000n;

test('a rise between polls is a top-up of the difference; a fall is spending and records no event', async (t) => {
  const srv = await startBalanceServer(t);
  const { services } = makeServices(config(srv), { secrets: KEYS, owner: t });
  const steps: Array<[string, bigint | null]> = [
    ['100.00', null], // the first snapshot: nothing to compare with
    ['90.00', null], // spent 10
    ['140.00', usd(50)], // topped up 50
    ['140.00', null],
  ];
  for (const [i, [balance, topUp]] of steps.entries()) {
    srv.set('/gw/balance', { json: { balance } });
    const { results } = await poll(services, i);
    const gw = results.find((r) => r.provider === 'gateway')!;
    assert.ok(gw.ok);
    assert.deepEqual(gw.recorded!.events.map((e) => [e.kind, e.amount_nano]), topUp === null ? [] : [['top_up', topUp]]);
  }
  const events = await services.store.balances.events('gateway', 0, Date.UTC(2030, 0));
  assert.deepEqual(events.map((e) => [e.kind, e.amount_nano, e.currency, e.at]), [['top_up', usd(50), 'USD', at(2).toISOString()]]);
  const snaps = await services.store.balances.snapshots('gateway', 0, Date.UTC(2030, 0));
  assert.deepEqual(snaps.map((s) => s.balance_nano), [usd(100), usd(90), usd(140), usd(140)]);
  assert.equal((await services.store.balances.atOrBefore('gateway', 'USD', at(1).getTime() + 1))?.balance_nano, usd(90));
});

test('DeepSeek: a top-up hidden by spending the granted part in the same hour is still seen, and a grant is kept apart', async (t) => {
  const srv = await startBalanceServer(t);
  const { services } = makeServices(config(srv), { secrets: KEYS, owner: t });
  const set = (granted: string, topped: string) =>
    srv.set('/deepseek/user/balance', { json: deepseekReply({ infos: [{ currency: 'CNY', total: (Number(granted) + Number(topped)).toFixed(2), granted, topped_up: topped }] }) });
  set('5.00', '100.00');
  await poll(services, 0);
  // Spent 5 from the granted part, topped up 30: the total rose by 25 only.
  set('0.00', '130.00');
  const second = (await poll(services, 1)).results.find((r) => r.provider === 'deepseek')!;
  assert.ok(second.ok);
  assert.deepEqual(second.recorded!.events.map((e) => [e.kind, e.amount_nano, e.currency]), [['top_up', usd(30), 'CNY']]);
  set('10.00', '130.00');
  const third = (await poll(services, 2)).results.find((r) => r.provider === 'deepseek')!;
  assert.ok(third.ok);
  assert.deepEqual(third.recorded!.events.map((e) => [e.kind, e.amount_nano]), [['grant', usd(10)]]);
});

test('Kimi: cash going from negative to positive is a top-up of the whole rise', async (t) => {
  const srv = await startBalanceServer(t);
  const { services } = makeServices(config(srv), { secrets: KEYS, owner: t });
  srv.set('/kimi/v1/users/me/balance', { json: kimiReply(1.5, 4, -2.5) });
  await poll(services, 0);
  srv.set('/kimi/v1/users/me/balance', { json: kimiReply(50, 2.5, 47.5) });
  const r = (await poll(services, 1)).results.find((x) => x.provider === 'moonshot')!;
  assert.ok(r.ok);
  assert.deepEqual(r.recorded!.events.map((e) => [e.kind, e.amount_nano]), [['top_up', usd(50)]]);
});

test('nothing is recorded from a bad reply; the next good reading is compared with the last good one', async (t) => {
  const srv = await startBalanceServer(t);
  const fixture = makeServices(config(srv), { secrets: KEYS, owner: t });
  const { services } = fixture;
  srv.set('/gw/balance', { json: { balance: '100.00' } });
  await poll(services, 0);
  for (const [hour, reply] of [
    [1, { status: 500, json: { error: { message: 'upstream down' } } }],
    [2, { raw: '<html>maintenance</html>' }],
    [3, { json: { data: {} } }],
    [4, { json: { balance: 'n/a' } }],
  ] as const) {
    srv.set('/gw/balance', reply);
    const gw = (await poll(services, hour)).results.find((r) => r.provider === 'gateway')!;
    assert.equal(gw.ok, false, `hour ${hour}`);
  }
  assert.equal(peekDb(fixture.dbPath, (db) => db.prepare("SELECT COUNT(*) FROM balance_snapshots WHERE provider = 'gateway'").pluck().get()), 1);
  srv.set('/gw/balance', { json: { balance: '120.00' } });
  const good = (await poll(services, 5)).results.find((r) => r.provider === 'gateway')!;
  assert.ok(good.ok);
  assert.equal(good.recorded!.previous?.at, at(0).toISOString());
  assert.deepEqual(good.recorded!.events.map((e) => [e.kind, e.amount_nano]), [['top_up', usd(20)]]);
});

test('the providers are read concurrently: each reply waits until every request has arrived', async (t) => {
  const srv = await startBalanceServer(t);
  const { services } = makeServices(config(srv), { secrets: KEYS, owner: t });
  srv.set('/gw/balance', { json: { balance: '1.00' } });
  srv.set('/deepseek/user/balance', { json: deepseekReply({ infos: [{ currency: 'USD', total: '2.00' }] }) });
  srv.set('/kimi/v1/users/me/balance', { json: kimiReply(3, 0, 3) });
  // A barrier: no reply before all three requests are in. Read one after another, the first
  // would never be answered and every read would time out.
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((resolve) => (open = resolve));
  srv.onRequest = () => {
    if (++arrived === 3) open();
    return all;
  };
  const { results, notPolled } = await poll(services, 0);
  assert.deepEqual(results.map((r) => [r.provider, r.ok]), [['deepseek', true], ['moonshot', true], ['gateway', true]]);
  assert.deepEqual(notPolled.map((n) => n.provider).sort(), ['openrouter', 'qwen', 'qwen-intl', 'zai']);
});

test('keys never reach the log, even when an endpoint echoes them back', async (t) => {
  const srv = await startBalanceServer(t);
  const { services } = makeServices(config(srv), { secrets: KEYS, owner: t });
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
  const log = pino({ level: 'trace' }, sink);
  srv.set('/gw/balance', { status: 503, json: { message: `no capacity for Bearer ${KEYS.GW_API_KEY}` } });
  srv.set('/deepseek/user/balance', { status: 401, json: { error: { message: `invalid key ${KEYS.DEEPSEEK_API_KEY}` } } });
  srv.set('/kimi/v1/users/me/balance', { json: kimiReply(10, 0, 10) });
  await pollBalances({ ...services, log }, { now: at(0) });
  const text = lines.join('');
  assert.match(text, /balance unavailable: HTTP 503/);
  assert.match(text, /balance unavailable: HTTP 401 .*check DEEPSEEK_API_KEY/);
  for (const key of Object.values(KEYS)) assert.ok(!text.includes(key), `${key} leaked into the log`);
});
