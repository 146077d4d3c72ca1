// `routeops balance [--now ISO] [--json]` and /balance in the shell (docs/ARCHITECTURE.md §3.1):
// polls recorded through the real CLI against a local server replaying the providers' replies,
// then the view answered from the stored snapshots with hand-computed burn, runway and gap.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runCommandLine } from '../../src/app/cli.js';
import { startShell } from '../../src/adapters/shell/repl.js';
import type { Services } from '../../src/features/services.js';
import { deepseekReply, kimiReply, startBalanceServer, type BalanceServer } from '../support/balance-server.js';
import { makeServices } from '../support/services.js';
import type { ConfigObject } from '../support/config.js';

const KEYS = { DEEPSEEK_API_KEY: 'sk-ds-view-secret-0123456789', MOONSHOT_API_KEY: 'sk-kimi-view-secret-0123456789', OPENROUTER_API_KEY: 'sk-or-view-secret-0123456789' };

function config(srv: BalanceServer, extra: ConfigObject = {}): ConfigObject {
  return {
    timezone: 'UTC',
    providers: {
      deepseek: { base_url: `${srv.url}/deepseek`, api_key_env: 'DEEPSEEK_API_KEY', balance: { kind: 'deepseek' } },
      moonshot: { base_url: `${srv.url}/kimi/v1`, api_key_env: 'MOONSHOT_API_KEY', balance: { kind: 'moonshot', currency: 'CNY' } },
      openrouter: { base_url: `${srv.url}/openrouter/api/v1`, api_key_env: 'OPENROUTER_API_KEY', gateway: true, balance: { kind: 'openrouter' } },
      zai: { base_url: 'https://api.z.ai/api/paas/v4', api_key_env: 'ZAI_API_KEY', balance: null },
    },
    ...extra,
  };
}

async function cli(services: Services, ...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const code = await runCommandLine(['balance', ...argv], { stdout: (s) => (out.stdout += s), stderr: (s) => (out.stderr += s) }, { services: () => services });
  for (const key of Object.values(KEYS)) assert.ok(!out.stdout.includes(key) && !out.stderr.includes(key), `${key} leaked`);
  return { code, ...out };
}

/** Sets the three replies and polls at `at`. OpenRouter's reply is HTML when `openrouter` is null. */
async function pollAt(srv: BalanceServer, services: Services, at: string, deepseek: string, kimi: number, openrouter: number | null) {
  srv.set('/deepseek/user/balance', { json: deepseekReply({ infos: [{ currency: 'USD', total: deepseek }] }) });
  srv.set('/kimi/v1/users/me/balance', { json: kimiReply(kimi, 0, kimi) });
  if (openrouter === null) srv.set('/openrouter/api/v1/key', { raw: '<!DOCTYPE html><html>Bad gateway</html>' });
  else srv.set('/openrouter/api/v1/key', { json: { data: { limit: 100, usage: 100 - openrouter, limit_remaining: openrouter } } });
  await cli(services, 'poll', '--now', at);
}

/**
 * A week of history, today 2026-11-23 (UTC): the burn window is 11-16 00:00 → 11-23 00:00.
 * DeepSeek 100 → 130 (a 30.00 top-up on the 20th) → 60, then 55 at noon: burn (100 − 60 + 30)/7 =
 * 10.00/day, runway 55/10 = 5.5 days from 11-23 12:00 → 11-29. Its ledger spend: 9.00 a day on
 * each of the 7 days → gap (10 − 9)/9 = +11.1%.
 * Kimi (CNY) 50 → 36 → 35: burn 2.00/day, runway 17.5 days → 12-11; no ledger figure in CNY.
 * OpenRouter 20 → 13, then its noon poll fails: burn 1.00/day, runway 13 days from 11-23 00:00
 * → 12-06, with the failure as its error.
 */
async function week(t: TestContext, extra: ConfigObject = {}) {
  const srv = await startBalanceServer(t);
  const fixture = makeServices(config(srv, extra), { secrets: KEYS, owner: t });
  const { services } = fixture;
  await pollAt(srv, services, '2026-11-16T00:00:00Z', '100.00', 50, 20);
  await pollAt(srv, services, '2026-11-20T00:00:00Z', '130.00', 42, 16);
  await pollAt(srv, services, '2026-11-23T00:00:00Z', '60.00', 36, 13);
  await pollAt(srv, services, '2026-11-23T12:00:00Z', '55.00', 35, null);
  await services.ledger.record(
    Array.from({ length: 7 }, (_, i) => ({
      ts: `2026-11-${16 + i}T10:00:00Z`, provider: 'deepseek', model: 'unlisted-balance-model', input_tokens: 1000, cached_input_tokens: 0, output_tokens: 100, reasoning_tokens: 0, cost_usd: '9.00', request_id: `bal-${i}`,
    })),
    'import',
  );
  return fixture;
}

test('balance --json: burn from the balance with the top-up added back, the ledger beside it, runway and gap; a failed poll is the error', async (t) => {
  const { services } = await week(t);
  const out = await cli(services, '--json', '--now', '2026-11-23T12:00:00Z');
  assert.equal(out.code, 0, out.stderr);
  const doc = JSON.parse(out.stdout) as { providers: Array<Record<string, unknown>> };
  assert.deepEqual(doc.providers[0], { provider: 'deepseek', currency: 'USD', balance: 55, available: true, error: null, burn_per_day: 10, ledger_per_day: 9, runway_days: 5.5, runs_out_on: '2026-11-29', gap_pct: 11.1, runway_pattern: null });
  assert.deepEqual(doc.providers[1], { provider: 'moonshot', currency: 'CNY', balance: 35, available: true, error: null, burn_per_day: 2, ledger_per_day: null, runway_days: 17.5, runs_out_on: '2026-12-11', gap_pct: null, runway_pattern: null });
  const or = doc.providers[2]!;
  assert.match(String(or.error), /^balance unavailable: http:\/\/127\.0\.0\.1:\d+\/openrouter\/api\/v1\/key returned HTML, not JSON/);
  assert.deepEqual({ ...or, error: null }, { provider: 'openrouter', currency: 'USD', balance: 13, available: true, error: null, burn_per_day: 1, ledger_per_day: 0, runway_days: 13, runs_out_on: '2026-12-06', gap_pct: null, runway_pattern: null });
  assert.equal(doc.providers.length, 3, 'zai has no balance source');
  assert.deepEqual(Object.keys(doc), ['providers']);
});

test('balance (text): change over a day and a week, money added, CNY not totalled without a rate; with one the total is in USD', async (t) => {
  const { services } = await week(t);
  const out = await cli(services, '--now', '2026-11-23T12:00:00Z');
  assert.equal(out.code, 0, out.stderr);
  const ds = out.stdout.split('\n').find((l) => l.includes('deepseek'))!;
  // 55 − 130 (the reading 24 h before) and 55 − 100 (a week before); 30.00 added.
  for (const cell of ['USD 55.00', '-75.00', '-45.00', '30.00', '10.00', '9.00', '+11.1%', '5.5 d (2026-11-29)']) assert.ok(ds.includes(cell), `${cell} in ${ds}`);
  assert.match(out.stdout, /openrouter +USD 13\.00 as of 2026-11-23 00:00 UTC, latest poll failed/);
  assert.match(out.stdout, /^openrouter: balance unavailable: .*returned HTML, not JSON/m);
  assert.match(out.stdout, /Not totalled: no balances_fx rate for CNY\./);
  assert.match(out.stdout, /No balance source: qwen-intl, zai \(routeops balance poll says why\)/);

  const { services: withRate } = await week(t, { balances_fx: { CNY: 0.14 } });
  const rated = await cli(withRate, '--now', '2026-11-23T12:00:00Z');
  // 55 + 13 + 35 × 0.14 = 72.90.
  assert.match(rated.stdout, /Total \$72\.90 \(other currencies at balances_fx\)\./);
});

test('balance: a provider never read says so; bad arguments are usage errors; the shell answers /balance from the same store', async (t) => {
  const srv = await startBalanceServer(t);
  const { services } = makeServices(config(srv), { secrets: KEYS, owner: t });
  const json = await cli(services, '--json');
  assert.equal(json.code, 0, json.stderr);
  const first = (JSON.parse(json.stdout) as { providers: Array<Record<string, unknown>> }).providers[0];
  assert.deepEqual(first, { provider: 'deepseek', currency: null, balance: null, available: null, error: 'no balance recorded yet: routeops balance poll reads it', burn_per_day: null, ledger_per_day: null, runway_days: null, runs_out_on: null, gap_pct: null, runway_pattern: null });
  const extra = await cli(services, 'soon');
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /unexpected "soon"/);
  const badNow = await cli(services, '--now', 'yesterday');
  assert.equal(badNow.code, 2);
  assert.match(badNow.stderr, /--now: expected an ISO-8601 time with a zone/);

  await pollAt(srv, services, '2026-11-23T11:00:00Z', '42.50', 10, 5);
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (c: Buffer) => (printed += c.toString()));
  const done = startShell(services, { input, output });
  input.write('/balance\n');
  input.write('/balance now\n');
  input.write('exit\n');
  await done;
  assert.match(printed, /deepseek .*USD 42\.50/);
  assert.match(printed, /moonshot .*CNY 10\.00/);
  assert.match(printed, /unexpected "now"; \/balance takes no words/);
});

test('the weekly spend report carries the bill check per provider: the balance\'s fall against the ledger over the last 7 days', async (t) => {
  const { services } = await week(t, { slack: { reports_channel: 'C0FINANCE' } });
  const { spendReportJob } = await import('../../src/features/alerts/jobs/spend-report.js');
  const [report] = await spendReportJob.run(services, new Date('2026-11-23T12:00:00Z'));
  const section = report!.reply.sections?.find((s) => s.heading?.startsWith('Bill check'));
  // DeepSeek: 10.00 a day off the balance, 9.00 a day in the ledger: +11.1%. Kimi (CNY) is not comparable.
  assert.deepEqual(section?.fields, [{ label: 'deepseek', value: '+11.1%: the balance fell USD 10.00 a day, the ledger says USD 9.00' }]);
});

test('balance: a week that burns 10.00 each weekday and 2.00 each weekend day shows the runway at that pattern beside the flat one', async (t) => {
  const srv = await startBalanceServer(t);
  const { services } = makeServices(config(srv), { secrets: KEYS, owner: t });
  // Polled at every local midnight, Mon 11-16 … Mon 11-23: 200 → 146.
  const burns = [10, 10, 10, 10, 10, 2, 2];
  let balance = 200;
  for (let i = 0; i <= 7; i++) {
    await pollAt(srv, services, `2026-11-${16 + i}T00:00:00Z`, balance.toFixed(2), 50, 20);
    balance -= burns[i] ?? 0;
  }
  const out = await cli(services, '--json', '--now', '2026-11-23T06:00:00Z');
  const ds = (JSON.parse(out.stdout) as { providers: Array<Record<string, unknown>> }).providers[0]!;
  // Flat: 54.00 / 7 a day, 146 / 7.714… = 18.9 days → 12-11. At the pattern: 17.8 days → 12-10 19:12.
  assert.equal(ds.runway_days, 18.9);
  assert.equal(ds.runs_out_on, '2026-12-11');
  assert.deepEqual(ds.runway_pattern, { weekday_burn: 10, weekend_burn: 2, runway_days: 17.8, runs_out_on: '2026-12-10' });
  const text = await cli(services, '--now', '2026-11-23T06:00:00Z');
  assert.match(text.stdout, /18\.9 d \(2026-12-11\); at 10\.00 a weekday, 2\.00 a weekend day: 17\.8 d \(2026-12-10\)/);
  // Kimi and OpenRouter burnt nothing: no runway, no pattern.
  assert.equal((JSON.parse(out.stdout) as { providers: Array<Record<string, unknown>> }).providers[1]!.runway_pattern, null);
});

test('balance and the bill check in CNY: the ledger is compared at balances_fx and says so; without a rate there is no check', async (t) => {
  const srv = await startBalanceServer(t);
  const { services } = makeServices(config(srv, { balances_fx: { CNY: 0.14 }, slack: { alerts_channel: 'C0ALERTS' } }), { secrets: KEYS, owner: t });
  const kimiSpend = (ts: string, usd: string) =>
    services.ledger.record([{ ts, provider: 'moonshot', model: 'unlisted-kimi-model', input_tokens: 1000, cached_input_tokens: 0, output_tokens: 100, reasoning_tokens: 0, cost_usd: usd, request_id: `kimi-${ts}` }], 'import');
  // Kimi (CNY) 100 → 90 → 70 on 11-22: the provider took CNY 30 = USD 4.20; the ledger has USD 1.40 (CNY 10).
  await pollAt(srv, services, '2026-11-22T00:00:00Z', '10.00', 100, 20);
  await kimiSpend('2026-11-22T06:00:00Z', '0.70');
  await pollAt(srv, services, '2026-11-22T12:00:00Z', '10.00', 90, 20);
  await kimiSpend('2026-11-22T18:00:00Z', '0.70');
  await pollAt(srv, services, '2026-11-23T00:00:00Z', '10.00', 70, 20);
  const { billCheck, billCheckText } = await import('../../src/features/balances/bill-check.js');
  const [check] = (await billCheck(services, '2026-11-22')).filter((c) => c.provider === 'moonshot');
  assert.equal(check!.deducted_nano, 4_200_000_000n);
  assert.equal(check!.ledger_nano, 1_400_000_000n);
  assert.equal(check!.flagged, true);
  assert.match(billCheckText(check!), /^moonshot's bill for 2026-11-22 does not match the ledger: the provider deducted USD 4\.20 \(its CNY balance at the configured rate of 0\.14 USD, balances_fx\), the ledger says USD 1\.40 \(gap USD 2\.80, \+200%\)/);
  // /balance: the ledger's burn in CNY beside the balance's (one day of history: 30 a day against 10).
  const out = await cli(services, '--json', '--now', '2026-11-23T01:00:00Z');
  const kimi = (JSON.parse(out.stdout) as { providers: Array<Record<string, unknown>> }).providers[1]!;
  assert.deepEqual([kimi.currency, kimi.burn_per_day, kimi.ledger_per_day, kimi.gap_pct], ['CNY', 30, 10, 200]);

  const { services: noRate } = makeServices(config(srv), { secrets: KEYS, owner: t });
  await pollAt(srv, noRate, '2026-11-22T00:00:00Z', '10.00', 100, 20);
  await pollAt(srv, noRate, '2026-11-23T00:00:00Z', '10.00', 70, 20);
  assert.deepEqual((await billCheck(noRate, '2026-11-22')).map((c) => c.provider), ['deepseek', 'openrouter'], 'no CNY rate: moonshot is not checked');
});

test('balance: the ledger is taken over the same instants as the readings; readings less than a day apart give no burn; an old reading shows its time', async (t) => {
  const srv = await startBalanceServer(t);
  const { services } = makeServices(config(srv), { secrets: KEYS, owner: t });
  // The job's readings land just after the hour: the window's first is 11-15 23:00, its last 11-23 00:00.
  await pollAt(srv, services, '2026-11-15T23:00:00Z', '100.00', 50, 20);
  await pollAt(srv, services, '2026-11-23T00:00:00Z', '79.00', 50, 20);
  const spend = (ts: string, usd: string, id: string) =>
    services.ledger.record([{ ts, provider: 'deepseek', model: 'unlisted-balance-model', input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, cost_usd: usd, request_id: id }], 'import');
  // 3.00 a day inside the readings (21.00, what the balance fell), and 5.00 on 11-15 before the first.
  for (let d = 16; d <= 22; d++) await spend(`2026-11-${d}T10:00:00Z`, '3.00', `same-${d}`);
  await spend('2026-11-15T10:00:00Z', '5.00', 'before');
  const ds = (JSON.parse((await cli(services, '--json', '--now', '2026-11-23T01:00:00Z')).stdout) as { providers: Array<Record<string, unknown>> }).providers[0]!;
  assert.equal(ds.burn_per_day, ds.ledger_per_day, 'matched traffic: no gap');
  assert.equal(ds.gap_pct, 0);

  const { services: fresh } = makeServices(config(srv), { secrets: KEYS, owner: t });
  await pollAt(srv, fresh, '2026-11-22T10:00:00Z', '50.00', 50, 20);
  await pollAt(srv, fresh, '2026-11-22T10:01:00Z', '49.99', 50, 20);
  const minute = (JSON.parse((await cli(fresh, '--json', '--now', '2026-11-23T12:00:00Z')).stdout) as { providers: Array<Record<string, unknown>> }).providers[0]!;
  assert.deepEqual([minute.burn_per_day, minute.runway_days], [null, null], 'a minute of spend is not scaled to a day');
  const text = await cli(fresh, '--now', '2026-11-23T12:00:00Z');
  assert.match(text.stdout, /deepseek +USD 49\.99 as of 2026-11-22 10:01 UTC/);
});
