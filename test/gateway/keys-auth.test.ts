// The gateway's key check (src/features/gateway/keys.ts) over a real SQLite file, keys made
// through the real CLI: who is calling (missing, unknown, revoked, rotated, expired keys), and
// whether a call may go ahead (requests a minute; daily and monthly budgets from ledger rows of
// source 'gateway' whose user is the key name). Time is the caller's nowMs: no sleeps.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { runCommandLine } from '../../src/app/cli.js';
import type { Services } from '../../src/features/services.js';
import { createGatewayKeys, type GatewayKeyInfo, type KeyCheck } from '../../src/features/gateway/keys.js';
import pino from 'pino';
import { createServices } from '../../src/app/services.js';
import { makeServices, type ServicesFixture } from '../support/services.js';
import { testConfig } from '../support/config.js';
import { row } from '../support/alerts.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');

async function makeKey(services: Services, ...argv: string[]): Promise<string> {
  let stdout = '';
  const code = await runCommandLine(['keys', 'create', ...argv, '--json'], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => services });
  assert.equal(code, 0);
  return (JSON.parse(stdout) as { key: string }).key;
}
async function keysCli(services: Services, ...argv: string[]): Promise<string> {
  let stdout = '';
  assert.equal(await runCommandLine(['keys', ...argv, '--json'], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => services }), 0);
  return stdout;
}

const env = (t: TestContext): ServicesFixture => makeServices({ timezone: 'Europe/Paris' }, { now: new Date(NOW), owner: t });
const gatewayKeys = (f: ServicesFixture, cacheMs: number) => createGatewayKeys({ store: f.services.store, ledger: f.services.ledger, zone: f.services.zone, clock: f.services.clock }, { cacheMs });
const bearer = (key: string) => `Bearer ${key}`;

function refused(check: KeyCheck, code: string, message: RegExp, key?: string): void {
  assert.equal(check.ok, false, `expected ${code}`);
  if (check.ok) return;
  assert.equal(check.status, 401);
  assert.equal(check.code, code);
  assert.match(check.message, message);
  if (key) assert.ok(!check.message.includes(key.slice(7)), 'the message never carries the key');
}

/** A call of `usd` by key `name` at `ts`: an unpriced model, so it costs exactly what the provider reported. */
const spend = (f: ServicesFixture, name: string, ts: string, usd: string) => f.services.ledger.record([row(ts, 'openrouter', 'mystery/model', { cost_usd: usd, user: name })], 'gateway');

test('authenticate: no key, a header that is not Bearer, a text that is no routeops key and an unknown key are refused; a good key gives its settings', async (t) => {
  const f = env(t);
  const key = await makeKey(f.services, 'checkout', '--aliases', 'qwen-plus', '--budget-daily', '10', '--budget-monthly', '100', '--rpm', '60', '--expires', '2027-01-01T00:00:00Z', '--owner', 'pay', '--provider-models');
  const gk = f.services.gatewayKeys;
  refused(await gk.authenticate(undefined, NOW), 'missing_api_key', /^Missing API key: send a routeops key as "Authorization: Bearer ro_…"\.$/);
  refused(await gk.authenticate('  ', NOW), 'missing_api_key', /Missing API key/);
  refused(await gk.authenticate(`Basic ${key}`, NOW), 'missing_api_key', /must be "Bearer ro_…"/, key);
  refused(await gk.authenticate('Bearer sk-openai-0123456789', NOW), 'invalid_api_key', /a routeops key is "ro_" and 40 letters and digits/);
  const other = `ro_${'A'.repeat(40)}`;
  refused(await gk.authenticate(bearer(other), NOW), 'invalid_api_key', /^Invalid API key: no routeops key matches it\.$/);

  const ok = await gk.authenticate(`bearer  ${key}`, NOW);
  assert.ok(ok.ok);
  assert.deepEqual(ok.key, {
    id: 1,
    name: 'checkout',
    owner: 'pay',
    aliases: ['qwen-plus'],
    providerModels: true,
    budgetDailyNano: 10_000_000_000n,
    budgetMonthlyNano: 100_000_000_000n,
    rpm: 60,
    expiresAtMs: Date.parse('2027-01-01T00:00:00Z'),
  } satisfies GatewayKeyInfo);
  assert.equal(await gk.activeCount(), 1);
});

test('a key revoked by another process is refused at its next request: the store\'s stamp moved, whatever the clocks say', async (t) => {
  const f = env(t);
  const key = await makeKey(f.services, 'svc');
  const gk = gatewayKeys(f, 60_000);
  assert.ok((await gk.authenticate(bearer(key), NOW)).ok);
  // The CLI in another process: its own connection to the same file (and a clock of its own).
  const cli = createServices({ config: testConfig({ timezone: 'Europe/Paris' }), dbPath: f.dbPath, log: pino({ level: 'silent' }), clock: () => new Date(NOW + 100) });
  t.after(() => cli.close());
  await keysCli(cli, 'revoke', 'svc');
  refused(await gk.authenticate(bearer(key), NOW), 'revoked_api_key', /^API key "svc" \(ro_\w{4}…\) was revoked at 2026-11-23T12:00:00\.100Z\.$/, key);
  assert.equal(await gk.activeCount(), 0);
});

test('after keys rotate the old key is refused and the new one works at once, with the same settings', async (t) => {
  const f = env(t);
  const old = await makeKey(f.services, 'svc', '--rpm', '5');
  const gk = f.services.gatewayKeys;
  assert.ok((await gk.authenticate(bearer(old), NOW)).ok);
  const fresh = (JSON.parse(await keysCli(f.services, 'rotate', 'svc')) as { key: string }).key;
  refused(await gk.authenticate(bearer(old), NOW), 'revoked_api_key', /^API key "svc" \(ro_\w{4}…\) was replaced by a rotated key at 2026-11-23T12:00:00\.000Z\.$/, old);
  const now = await gk.authenticate(bearer(fresh), NOW);
  assert.ok(now.ok);
  assert.equal(now.key.rpm, 5, 'the same settings');
  assert.equal(now.key.id, 2);
});

test('an expired key is refused from its expiry on, naming when; activeCount no longer counts it', async (t) => {
  const f = env(t);
  const key = await makeKey(f.services, 'brief', '--expires', '2026-11-23T13:00:00Z');
  const gk = gatewayKeys(f, 0);
  assert.ok((await gk.authenticate(bearer(key), Date.parse('2026-11-23T12:59:59.999Z'))).ok);
  refused(await gk.authenticate(bearer(key), Date.parse('2026-11-23T13:00:00Z')), 'expired_api_key', /^API key "brief" \(ro_\w{4}…\) expired at 2026-11-23T13:00:00\.000Z\.$/, key);
  assert.equal(await gk.activeCount(), 1);
  f.clock.now = new Date('2026-11-23T13:00:00Z');
  assert.equal(await gk.activeCount(), 0);
});

test('admit: at most rpm calls in any 60 s; the refusal says when to retry, and a refused call takes no slot', async (t) => {
  const f = env(t);
  const gk = gatewayKeys(f, 2000);
  const key = await gk.authenticate(bearer(await makeKey(f.services, 'svc', '--rpm', '3')), NOW);
  const check = await gk.authenticate(bearer(await makeKey(f.services, 'other', '--rpm', '1')), NOW + 2000);
  assert.ok(key.ok && check.ok);
  const t0 = NOW + 10_000;
  for (const dt of [0, 10, 20]) assert.equal((await gk.admit(key.key, t0 + dt)).ok, true, `call at +${dt}`);
  assert.deepEqual(await gk.admit(key.key, t0 + 30), { ok: false, status: 429, type: 'rate_limit_exceeded', code: 'rate_limit_exceeded', message: 'Key "svc" is limited to 3 requests a minute; retry in 60 s.', retryAfterS: 60 });
  const edge = await gk.admit(key.key, t0 + 59_999);
  assert.ok(!edge.ok && edge.retryAfterS === 1);
  assert.equal((await gk.admit(key.key, t0 + 60_000)).ok, true, 'the first call is 60 s old: its slot is free');
  assert.equal((await gk.admit(key.key, t0 + 60_009)).ok, false, 'the second one is not yet');
  assert.equal((await gk.admit(key.key, t0 + 60_010)).ok, true);
  // Another key has its own window.
  assert.equal((await gk.admit(check.key, t0 + 30)).ok, true);
});

test('admit: concurrent calls cannot take more slots than rpm, also while the budget is being read', async (t) => {
  const f = env(t);
  const key = await makeKey(f.services, 'svc', '--rpm', '3', '--budget-daily', '5');
  const gk = gatewayKeys(f, 0);
  const check = await gk.authenticate(bearer(key), NOW);
  assert.ok(check.ok);
  const results = await Promise.all(Array.from({ length: 6 }, () => gk.admit(check.key, NOW)));
  assert.equal(results.filter((r) => r.ok).length, 3);
});

test('admit: the daily budget at 100% refuses with insufficient_quota, the spend, and the reset at local midnight', async (t) => {
  const f = env(t);
  const key = await makeKey(f.services, 'svc', '--budget-daily', '10');
  const gk = gatewayKeys(f, 0);
  const check = await gk.authenticate(bearer(key), NOW);
  assert.ok(check.ok);
  // 00:30 in Paris on the 23rd (today), and 23:30 on the 22nd (yesterday: not counted).
  await spend(f, 'svc', '2026-11-22T23:30:00Z', '6');
  await spend(f, 'svc', '2026-11-22T22:30:00Z', '50');
  await spend(f, 'U0SOMEONE', '2026-11-23T10:00:00Z', '50');
  await spend(f, 'svc', '2026-11-23T11:00:00Z', '3.99');
  assert.equal((await gk.admit(check.key, NOW)).ok, true, '$9.99 of $10.00');
  await spend(f, 'svc', '2026-11-23T11:30:00Z', '0.01');
  assert.deepEqual(await gk.admit(check.key, NOW + 1), {
    ok: false,
    status: 429,
    type: 'insufficient_quota',
    code: 'budget_exceeded',
    message: 'Key "svc" has used its daily budget: $10.00 of $10.00 spent on 2026-11-23 (Europe/Paris); it resets at 2026-11-24T00:00:00+01:00.',
    retryAfterS: Math.ceil((Date.parse('2026-11-23T23:00:00Z') - NOW - 1) / 1000),
  });
  // The next local day starts afresh.
  assert.equal((await gk.admit(check.key, Date.parse('2026-11-23T23:00:00Z'))).ok, true);
});

test('admit: the monthly budget at 100% refuses until the 1st of next month; when both are used up the month is named', async (t) => {
  const f = env(t);
  const key = await makeKey(f.services, 'svc', '--budget-daily', '5', '--budget-monthly', '20');
  const gk = gatewayKeys(f, 0);
  const check = await gk.authenticate(bearer(key), NOW);
  assert.ok(check.ok);
  await spend(f, 'svc', '2026-10-31T22:59:00Z', '100'); // 23:59 on Oct 31 in Paris: last month
  await spend(f, 'svc', '2026-11-02T09:00:00Z', '12');
  await spend(f, 'svc', '2026-11-20T09:00:00Z', '7.5');
  assert.equal((await gk.admit(check.key, NOW)).ok, true, '$19.50 of $20.00');
  await spend(f, 'svc', '2026-11-23T09:00:00Z', '0.5');
  const month = await gk.admit(check.key, NOW + 1);
  assert.ok(!month.ok);
  assert.equal(month.type, 'insufficient_quota');
  assert.equal(month.message, 'Key "svc" has used its monthly budget: $20.00 of $20.00 spent in 2026-11 (Europe/Paris); it resets at 2026-12-01T00:00:00+01:00.');
  assert.equal(month.retryAfterS, Math.ceil((Date.parse('2026-11-30T23:00:00Z') - NOW - 1) / 1000));
  await spend(f, 'svc', '2026-11-23T09:30:00Z', '5');
  const both = await gk.admit(check.key, NOW + 2);
  assert.ok(!both.ok && /monthly budget: \$25\.00 of \$20\.00/.test(both.message), 'daily $5.50 of $5 is used up too, but the month resets later');
});
