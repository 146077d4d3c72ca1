// `routeops balance poll [--now ISO] [--json]` end to end (docs/ARCHITECTURE.md §3.1): the CLI
// adapter over real services, real SQLite and a local server replaying the providers' balance
// replies; and the `balances` job of `alerts run`, which records without an alerts channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommandLine } from '../../src/app/cli.js';
import type { Services } from '../../src/features/services.js';
import { deepseekReply, kimiReply, startBalanceServer, type BalanceServer } from '../support/balance-server.js';
import { makeServices } from '../support/services.js';
import { peekDb } from '../support/db.js';
import type { ConfigObject } from '../support/config.js';

const KEYS = { DEEPSEEK_API_KEY: 'sk-ds-cli-secret-0123456789', MOONSHOT_API_KEY: 'sk-kimi-cli-secret-0123456789', OPENROUTER_API_KEY: 'sk-or-cli-secret-0123456789' };

/** The providers on the local server, each with the balance kind of its API (the URL derived from base_url). */
function config(srv: BalanceServer): ConfigObject {
  return {
    providers: {
      deepseek: { base_url: `${srv.url}/deepseek`, api_key_env: 'DEEPSEEK_API_KEY', balance: { kind: 'deepseek' } },
      moonshot: { base_url: `${srv.url}/kimi/v1`, api_key_env: 'MOONSHOT_API_KEY', balance: { kind: 'moonshot', currency: 'CNY' } },
      openrouter: { base_url: `${srv.url}/openrouter/api/v1`, api_key_env: 'OPENROUTER_API_KEY', gateway: true, balance: { kind: 'openrouter' } },
      zai: { base_url: 'https://api.z.ai/api/paas/v4', api_key_env: 'ZAI_API_KEY', balance: null },
    },
  };
}

function replies(srv: BalanceServer, deepseek = '110.50') {
  srv.set('/deepseek/user/balance', { json: deepseekReply({ infos: [{ currency: 'USD', total: deepseek }] }) });
  srv.set('/kimi/v1/users/me/balance', { json: kimiReply(-1.25, 0, -1.25) });
  srv.set('/openrouter/api/v1/key', { json: { data: { label: 'sk-or-v1-abc…xyz', limit: 20, usage: 7.654321, limit_remaining: 12.345679 } } });
}

async function cli(services: Services, ...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const code = await runCommandLine(['balance', ...argv], { stdout: (s) => (out.stdout += s), stderr: (s) => (out.stderr += s) }, { services: () => services });
  for (const key of Object.values(KEYS)) assert.ok(!out.stdout.includes(key) && !out.stderr.includes(key), `${key} leaked`);
  return { code, ...out };
}

test('balance poll --json: every provider once, exact amounts, top-ups on the next poll, exit 0', async (t) => {
  const srv = await startBalanceServer(t);
  const fixture = makeServices(config(srv), { secrets: KEYS, owner: t });
  replies(srv);
  const first = await cli(fixture.services, 'poll', '--json', '--now', '2026-11-23T12:00:00Z');
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout), {
    now: '2026-11-23T12:00:00.000Z',
    providers: [
      { provider: 'deepseek', kind: 'deepseek', currency: 'USD', balance: 110.5, available: true, error: null, top_up: null, grant: null },
      { provider: 'moonshot', kind: 'moonshot', currency: 'CNY', balance: -1.25, available: false, error: null, top_up: null, grant: null },
      { provider: 'openrouter', kind: 'openrouter', currency: 'USD', balance: 12.345679, available: true, error: null, top_up: null, grant: null },
    ],
    not_polled: [
      { provider: 'qwen-intl', reason: 'no balance source: a DashScope key cannot read the balance; set providers.qwen-intl.balance to { kind: alibaba_bss, access_key_id_env, access_key_secret_env } (an AccessKey pair with AliyunBSSReadOnlyAccess)' },
      { provider: 'zai', reason: 'off: providers.zai.balance is null' },
    ],
  });
  // DeepSeek topped up 40.25 since.
  replies(srv, '150.75');
  const second = await cli(fixture.services, 'poll', '--json', '--now', '2026-11-23T13:00:00Z');
  assert.equal(second.code, 0, second.stderr);
  const ds = (JSON.parse(second.stdout) as { providers: Array<{ provider: string; top_up: number | null; balance: number }> }).providers[0]!;
  assert.deepEqual([ds.provider, ds.balance, ds.top_up], ['deepseek', 150.75, 40.25]);
  assert.equal(peekDb(fixture.dbPath, (db) => db.prepare('SELECT COUNT(*) FROM balance_snapshots').pluck().get()), 6);
  assert.deepEqual(
    peekDb(fixture.dbPath, (db) => db.prepare('SELECT provider, kind, amount_nano FROM balance_events').all()),
    [{ provider: 'deepseek', kind: 'top_up', amount_nano: 40_250_000_000 }],
  );
  // The stored detail keeps amounts, never OpenRouter's key label.
  const details = peekDb(fixture.dbPath, (db) => db.prepare('SELECT detail FROM balance_snapshots').pluck().all()) as string[];
  assert.ok(details.every((d) => !d.includes('sk-or')));
});

test('balance poll (text): one line per provider; a failed one says why, the others still show, exit 1; nothing recorded for it', async (t) => {
  const srv = await startBalanceServer(t);
  const fixture = makeServices(config(srv), { secrets: KEYS, owner: t });
  replies(srv);
  srv.set('/deepseek/user/balance', { raw: '<!DOCTYPE html><html>Bad gateway</html>' });
  const out = await cli(fixture.services, 'poll', '--now', '2026-11-23T12:00:00Z');
  assert.equal(out.code, 1);
  const lines = out.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^deepseek: balance unavailable: http:\/\/127\.0\.0\.1:\d+\/deepseek\/user\/balance returned HTML, not JSON/);
  assert.equal(lines[1], 'moonshot: CNY -1.25 (not available)');
  assert.equal(lines[2], 'openrouter: USD 12.345679 (available)');
  assert.match(lines[3]!, /^qwen-intl: not polled: no balance source: a DashScope key cannot read the balance/);
  assert.equal(lines[4], 'zai: not polled: off: providers.zai.balance is null');
  assert.equal(lines[5], '2 of 3 balances recorded at 2026-11-23T12:00:00.000Z.');
  assert.equal(peekDb(fixture.dbPath, (db) => db.prepare("SELECT COUNT(*) FROM balance_snapshots WHERE provider = 'deepseek'").pluck().get()), 0);

  const json = await cli(fixture.services, 'poll', '--json');
  assert.equal(json.code, 1);
  const failed = (JSON.parse(json.stdout) as { providers: Array<Record<string, unknown>> }).providers[0];
  assert.deepEqual({ ...failed, error: typeof failed?.error }, { provider: 'deepseek', kind: 'deepseek', currency: null, balance: null, available: null, error: 'string', top_up: null, grant: null });
});

test('balance poll: a key that is not set leaves its provider unpolled (exit 0); bad arguments are usage errors (exit 2)', async (t) => {
  const srv = await startBalanceServer(t);
  const fixture = makeServices(config(srv), { secrets: { DEEPSEEK_API_KEY: KEYS.DEEPSEEK_API_KEY }, owner: t });
  replies(srv);
  const out = await cli(fixture.services, 'poll');
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^deepseek: USD 110\.50 \(available\)$/m);
  assert.match(out.stdout, /^moonshot: not polled: MOONSHOT_API_KEY is not set$/m);
  assert.match(out.stdout, /^openrouter: not polled: OPENROUTER_API_KEY is not set$/m);
  assert.deepEqual(srv.requests.map((r) => r.path), ['/deepseek/user/balance']);

  const extra = await cli(fixture.services, 'poll', 'now');
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /unexpected "now"/);
  const badNow = await cli(fixture.services, 'poll', '--now', 'yesterday');
  assert.equal(badNow.code, 2);
  assert.match(badNow.stderr, /--now: expected an ISO-8601 time with a zone/);
  const wrongSub = await cli(fixture.services, 'pol');
  assert.equal(wrongSub.code, 2);
  assert.match(wrongSub.stderr, /unexpected "pol"/);
});

test('the balances job of alerts run records snapshots without an alerts channel; a dry run records nothing; failures are its notes', async (t) => {
  const srv = await startBalanceServer(t);
  const fixture = makeServices(config(srv), { secrets: KEYS, owner: t });
  replies(srv);
  srv.set('/kimi/v1/users/me/balance', { status: 502, json: { error: 'bad gateway' } });
  const run = async (...argv: string[]) => {
    let stdout = '';
    const code = await runCommandLine(['alerts', 'run', '--json', '--now', '2026-11-23T12:00:00Z', ...argv], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => fixture.services, alertPost: () => Promise.resolve(null) });
    return { code, doc: JSON.parse(stdout) as { jobs: Array<{ name: string; status: string; alerts: number; reason?: string }> } };
  };
  const count = () => peekDb(fixture.dbPath, (db) => db.prepare('SELECT COUNT(*) FROM balance_snapshots').pluck().get());
  const dry = await run('--dry-run');
  assert.equal(dry.code, 0);
  assert.equal(count(), 0, 'a dry run records nothing');
  const real = await run();
  assert.equal(real.code, 0);
  const job = real.doc.jobs.find((j) => j.name === 'balances');
  assert.equal(job?.status, 'ok');
  assert.equal(job?.alerts, 0);
  assert.match(job?.reason ?? '', /^moonshot: balance unavailable: HTTP 502 from http:\/\/127\.0\.0\.1:\d+\/kimi\/v1\/users\/me\/balance: bad gateway$/);
  assert.equal(count(), 2);
  // The other jobs still need their channel.
  assert.equal(real.doc.jobs.find((j) => j.name === 'budgets')?.status, 'skipped');
});
