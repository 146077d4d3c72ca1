// `routeops keys create|list|revoke|rotate` through the real CLI over a real SQLite file
// (docs/ARCHITECTURE.md §3.1 `keys`): the key shown once and never stored, every bad input a
// short usage error that writes nothing.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { runCommandLine } from '../../src/app/cli.js';
import type { Services } from '../../src/features/services.js';
import { makeServices } from '../support/services.js';

const NOW = '2026-11-23T12:00:00Z';
const CONFIG = { timezone: 'Europe/Paris' };

async function cli(services: Services, ...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const code = await runCommandLine(['keys', ...argv], { stdout: (s) => (out.stdout += s), stderr: (s) => (out.stderr += s) }, { services: () => services });
  return { code, ...out };
}

const fixture = (t: TestContext) => makeServices(CONFIG, { now: NOW, owner: t });

interface ListedJson {
  keys: Array<Record<string, unknown>>;
}
const listed = async (services: Services) => {
  const out = await cli(services, 'list', '--json');
  assert.equal(out.code, 0, out.stderr);
  return (JSON.parse(out.stdout) as ListedJson).keys;
};

test('keys create --json prints the name, the key once and its aliases; the database keeps its hash and prefix, never the key', async (t) => {
  const f = fixture(t);
  const out = await cli(f.services, 'create', 'checkout', '--aliases', 'deepseek-flash,qwen-plus', '--budget-daily', '10', '--budget-monthly', '250.5', '--rpm', '60', '--expires', '2027-01-01', '--owner', 'payments team', '--provider-models', '--json');
  assert.equal(out.code, 0, out.stderr);
  const made = JSON.parse(out.stdout) as { name: string; key: string; aliases: string[] };
  assert.deepEqual(Object.keys(made), ['name', 'key', 'aliases']);
  assert.equal(made.name, 'checkout');
  assert.match(made.key, /^ro_[A-Za-z0-9]{40}$/);
  assert.deepEqual(made.aliases, ['deepseek-flash', 'qwen-plus']);

  const [key, ...others] = await listed(f.services);
  assert.equal(others.length, 0);
  assert.deepEqual(key, {
    id: 1,
    name: 'checkout',
    prefix: made.key.slice(0, 7),
    owner: 'payments team',
    status: 'active',
    aliases: ['deepseek-flash', 'qwen-plus'],
    provider_models: true,
    budget_daily_usd: 10,
    budget_monthly_usd: 250.5,
    spent_today_usd: 0,
    spent_month_usd: 0,
    rpm: 60,
    // A day is its start in config.timezone: midnight in Paris is 23:00 UTC the day before.
    expires_at: '2026-12-31T23:00:00.000Z',
    created_at: '2026-11-23T12:00:00.000Z',
    revoked_at: null,
    rotated_from: null,
  });

  const listText = await cli(f.services, 'list');
  assert.equal(listText.code, 0);
  assert.equal((await cli(f.services)).stdout, listText.stdout, 'routeops keys alone lists too');
  assert.match(listText.stdout, /checkout\s+ro_\w{4}…\s+active\s+deepseek-flash, qwen-plus, provider\/model\s+\$0\.00 of \$10\.00\s+\$0\.00 of \$250\.50\s+60\s+2026-12-31 23:00 UTC\s+payments team/);

  // Read the file itself (the WAL too, before and after the checkpoint at close): the hash is there, the key nowhere.
  const files = () => [f.dbPath, `${f.dbPath}-wal`].filter(existsSync).map((p) => readFileSync(p));
  const hash = createHash('sha256').update(made.key).digest('hex');
  const check = () => {
    const bytes = files();
    assert.ok(bytes.some((b) => b.includes(hash)), 'the hash is stored: the search reads the right file');
    for (const b of bytes) {
      assert.ok(!b.includes(made.key), 'the key is not in the database');
      assert.ok(!b.includes(made.key.slice(7)), 'nor its secret part');
    }
  };
  check();
  await f.services.close();
  check();
  for (const text of [listText.stdout, JSON.stringify(key)]) assert.ok(!text.includes(made.key.slice(7)), 'list never shows the key');
});

test('keys create (text) shows the key once with the warning; without --aliases the key may call every configured alias', async (t) => {
  const f = fixture(t);
  const out = await cli(f.services, 'create', 'reports.batch');
  assert.equal(out.code, 0, out.stderr);
  const key = /^(ro_[A-Za-z0-9]{40})$/m.exec(out.stdout)?.[1];
  assert.ok(key, out.stdout);
  assert.equal(out.stdout.split(key).length, 2, 'the key is printed exactly once');
  assert.match(out.stdout, /^Created key "reports\.batch" \(ro_\w{4}…\)\.$/m);
  assert.match(out.stdout, /it is not shown again/);
  assert.match(out.stdout, /^Aliases: every alias of the config\.$/m);
  // Stored as none: every alias of the config in force at each call, aliases added later too.
  const [listedKey] = await listed(f.services);
  assert.deepEqual(listedKey!.aliases, []);
  assert.equal(listedKey!.rpm, null);
  assert.equal(listedKey!.budget_daily_usd, null);
  assert.equal(listedKey!.expires_at, null);
});

test('every bad input is a usage error (exit 2) that says what is accepted and writes nothing', async (t) => {
  const f = fixture(t);
  const cases: Array<[string[], RegExp]> = [
    [['create'], /give the key's name/],
    [['create', 'a', 'b'], /unexpected "b" \(a key name is one word\)/],
    [['create', 'a b'], /"a b": a key name is 1 to 64/],
    [['create', 'bad/name'], /"bad\/name": a key name is 1 to 64 letters, digits, "\.", "_" or "-", starting with a letter or digit/],
    [['create', '-x'], /unknown argument "-x"/],
    [['create', 'U0123ABCD'], /must not look like a Slack user id/],
    [['create', 'svc', '--aliases', 'deepseek-flash,gpt-9'], /--aliases: unknown alias "gpt-9" \(known: deepseek-flash, deepseek-v4-pro, qwen-plus, kimi-k2\.5, glm-4\.7\)/],
    [['create', 'svc', '--aliases', 'qwen-plus,,'], /--aliases: expected alias names separated by commas/],
    [['create', 'svc', '--budget-daily', 'ten'], /--budget-daily: expected USD above 0 and below 1,000,000, like 25 or 2\.50 \(got "ten"\)/],
    [['create', 'svc', '--budget-monthly', '0'], /--budget-monthly: expected USD above 0/],
    [['create', 'svc', '--budget-daily', '1e3'], /--budget-daily: expected USD above 0/],
    [['create', 'svc', '--rpm', '1.5'], /--rpm: expected a whole number of requests a minute from 1 to 100000 \(got "1\.5"\)/],
    [['create', 'svc', '--rpm', '0'], /--rpm: expected a whole number/],
    [['create', 'svc', '--rpm', '100001'], /--rpm: expected a whole number/],
    [['create', 'svc', '--expires', '2026-11-23T11:59:59Z'], /--expires: 2026-11-23T11:59:59\.000Z is not in the future \(now 2026-11-23T12:00:00\.000Z\)/],
    [['create', 'svc', '--expires', 'next week'], /--expires: expected an ISO-8601 time with a zone, like 2027-01-31T00:00:00Z, or a day like 2027-01-31 \(got "next week"\)/],
    [['create', 'svc', '--expires', '2027-02-30'], /--expires: "2027-02-30" is not a date/],
    [['create', 'svc', '--owner', 'x'.repeat(81)], /--owner: a name or team of at most 80 characters/],
    [['revoke', 'nobody'], /no key named "nobody": routeops keys list shows none/],
    [['rotate', 'nobody'], /no key named "nobody"/],
    [['revoke'], /give the key's name/],
    [['list', 'extra'], /unexpected "extra"; routeops keys takes only the word list \(and --json\); keys create, rotate and revoke are commands of their own/],
    [['remove', 'svc'], /unexpected "remove"; routeops keys takes only the word list/],
  ];
  for (const [argv, message] of cases) {
    const out = await cli(f.services, ...argv);
    assert.equal(out.code, 2, `${argv.join(' ')}: ${out.stderr}`);
    assert.match(out.stderr, message, argv.join(' '));
    assert.doesNotMatch(out.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(out.stdout, '');
  }
  assert.deepEqual(await listed(f.services), [], 'nothing was written');
});

test('a name already in use is refused (exit 1) and names rotate and revoke; after revoke the name is free again', async (t) => {
  const f = fixture(t);
  assert.equal((await cli(f.services, 'create', 'svc')).code, 0);
  const again = await cli(f.services, 'create', 'svc', '--json');
  assert.equal(again.code, 1);
  assert.deepEqual(JSON.parse(again.stdout), { name: 'svc', error: 'a key named "svc" already exists: routeops keys rotate svc replaces it, routeops keys revoke svc ends it' });
  const unknown = await cli(f.services, 'revoke', 'other');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no key named "other" \(keys: svc\)/);

  f.clock.now = new Date('2026-11-23T13:00:00Z');
  const revoked = await cli(f.services, 'revoke', 'svc', '--json');
  assert.equal(revoked.code, 0, revoked.stderr);
  const doc = JSON.parse(revoked.stdout) as { name: string; prefix: string; revoked_at: string };
  assert.deepEqual({ ...doc, prefix: 'p' }, { name: 'svc', prefix: 'p', revoked_at: '2026-11-23T13:00:00.000Z' });
  assert.equal((await cli(f.services, 'revoke', 'svc')).code, 2, 'nothing left to revoke');
  const text = await cli(f.services, 'create', 'svc');
  assert.equal(text.code, 0, text.stderr);
  const keys = await listed(f.services);
  assert.deepEqual(keys.map((k) => [k.name, k.status]), [['svc', 'active'], ['svc', 'revoked']]);
  const textList = await cli(f.services, 'list');
  assert.match(textList.stdout, /1 active of 2\./);
  assert.match(textList.stdout, /svc\s+ro_\w{4}…\s+revoked 2026-11-23 13:00 UTC/);
});

test('keys rotate prints a new key for the same name and settings and revokes the old one at once; an expired key is not rotated', async (t) => {
  const f = fixture(t);
  const first = JSON.parse((await cli(f.services, 'create', 'svc', '--aliases', 'glm-4.7', '--rpm', '5', '--budget-daily', '2', '--owner', 'ops', '--json')).stdout) as { key: string };
  f.clock.now = new Date('2026-11-23T12:30:00Z');
  const rotated = await cli(f.services, 'rotate', 'svc', '--json');
  assert.equal(rotated.code, 0, rotated.stderr);
  const second = JSON.parse(rotated.stdout) as { name: string; key: string; aliases: string[] };
  assert.equal(second.name, 'svc');
  assert.deepEqual(second.aliases, ['glm-4.7']);
  assert.match(second.key, /^ro_[A-Za-z0-9]{40}$/);
  assert.notEqual(second.key, first.key);
  const [now, old] = await listed(f.services);
  assert.deepEqual([now!.status, now!.rotated_from, now!.rpm, now!.budget_daily_usd, now!.owner, now!.prefix], ['active', old!.id, 5, 2, 'ops', second.key.slice(0, 7)]);
  assert.deepEqual([old!.status, old!.revoked_at, old!.prefix], ['revoked', '2026-11-23T12:30:00.000Z', first.key.slice(0, 7)]);

  const text = await cli(f.services, 'rotate', 'svc');
  assert.equal(text.code, 0);
  assert.match(text.stdout, new RegExp(`^Rotated key "svc" \\(ro_\\w{4}…\\); the old key ${second.key.slice(0, 7)}… is revoked now\\.$`, 'm'));
  assert.match(text.stdout, /^ro_[A-Za-z0-9]{40}$/m);
  assert.match(text.stdout, /it is not shown again/);

  assert.equal((await cli(f.services, 'create', 'brief', '--expires', '2026-11-23T13:00:00Z')).code, 0);
  f.clock.now = new Date('2026-11-23T14:00:00Z');
  assert.equal((await listed(f.services)).find((k) => k.name === 'brief')!.status, 'expired');
  const expired = await cli(f.services, 'rotate', 'brief');
  assert.equal(expired.code, 1);
  assert.match(expired.stdout, /Not rotated: key "brief" expired at 2026-11-23T13:00:00\.000Z; a rotated key would be expired too: routeops keys revoke brief, then keys create brief with a new --expires/);
});
