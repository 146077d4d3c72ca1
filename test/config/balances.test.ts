// The `balance:` key of a provider and `schedules.balances` (docs/ARCHITECTURE.md §3.4): which
// providers get a balance source by their base URL, which URL each kind reads (the simulator's
// profile paths included), and the validation messages with their paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText, resolveConfig } from '../../src/config/load.js';

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'routeops.yml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('built-in providers: DeepSeek, Kimi and OpenRouter are read from their documented endpoints; Model Studio and Z.ai are off, saying why', () => {
  const { balances, schedules } = resolveConfig({}, 'built-in defaults');
  assert.equal(schedules.balances, '0 * * * *');
  assert.deepEqual(balances.deepseek?.source, { provider: 'deepseek', kind: 'deepseek', url: 'https://api.deepseek.com/user/balance', key_env: 'DEEPSEEK_API_KEY', inferred: true });
  assert.deepEqual(balances.moonshot?.source, { provider: 'moonshot', kind: 'moonshot', url: 'https://api.moonshot.ai/v1/users/me/balance', key_env: 'MOONSHOT_API_KEY', currency: 'USD', inferred: true });
  assert.deepEqual(balances.openrouter?.source, { provider: 'openrouter', kind: 'openrouter', url: 'https://openrouter.ai/api/v1/key', key_env: 'OPENROUTER_API_KEY', inferred: true });
  assert.equal(balances.deepseek?.reason, 'deepseek, inferred from api.deepseek.com');
  assert.equal(balances['qwen-intl']?.source, null);
  assert.match(balances['qwen-intl']!.reason, /a DashScope key cannot read the balance; set providers\.qwen-intl\.balance to \{ kind: alibaba_bss/);
  assert.equal(balances.zai?.source, null);
  assert.match(balances.zai!.reason, /Z\.ai documents no balance API/);
});

test('the China services: Kimi .cn is CNY; a DeepSeek /v1 base reads the same /user/balance', () => {
  const { balances } = resolveConfig(
    {
      providers: {
        'kimi-cn': { base_url: 'https://api.moonshot.cn/v1', api_key_env: 'MOONSHOT_CN_API_KEY' },
        'deepseek-v1': { base_url: 'https://api.deepseek.com/v1', api_key_env: 'DEEPSEEK_API_KEY' },
      },
    },
    'test',
  );
  assert.equal(balances['kimi-cn']?.source?.currency, 'CNY');
  assert.equal(balances['kimi-cn']?.source?.url, 'https://api.moonshot.cn/v1/users/me/balance');
  assert.equal(balances['deepseek-v1']?.source?.url, 'https://api.deepseek.com/user/balance');
});

test('a provider elsewhere (the simulator) has no balance unless configured; configured, the URL comes from its base_url', () => {
  const sim = 'http://127.0.0.1:4010';
  const off = resolveConfig({ providers: { deepseek: { base_url: `${sim}/deepseek`, api_key_env: 'DEEPSEEK_API_KEY' } } }, 'test').balances.deepseek!;
  assert.equal(off.source, null);
  assert.match(off.reason, /none is known for 127\.0\.0\.1; set providers\.deepseek\.balance/);
  const { balances } = resolveConfig(
    {
      providers: {
        deepseek: { base_url: `${sim}/deepseek`, api_key_env: 'DEEPSEEK_API_KEY', balance: { kind: 'deepseek' } },
        moonshot: { base_url: `${sim}/kimi/v1`, api_key_env: 'MOONSHOT_API_KEY', balance: { kind: 'moonshot' } },
        openrouter: { base_url: `${sim}/openrouter/api/v1`, api_key_env: 'OPENROUTER_API_KEY', balance: { kind: 'openrouter' } },
        'or-mgmt': { base_url: `${sim}/openrouter/api/v1/`, api_key_env: 'OPENROUTER_API_KEY', balance: { kind: 'openrouter', management_key_env: 'OPENROUTER_MANAGEMENT_KEY' } },
        'qwen-intl': { base_url: `${sim}/qwen/compatible-mode/v1`, api_key_env: 'DASHSCOPE_API_KEY', balance: { kind: 'alibaba_bss', access_key_id_env: 'ALI_ID', access_key_secret_env: 'ALI_SECRET' } },
        flatkey: { base_url: 'https://router.flatkey.ai/v1', api_key_env: 'FLATKEY_API_KEY', balance: { kind: 'json', url: 'https://router.flatkey.ai/v1/balance', field: 'data.balance', currency: 'USD' } },
      },
    },
    'test',
  );
  assert.equal(balances.deepseek?.source?.url, `${sim}/deepseek/user/balance`);
  assert.equal(balances.moonshot?.source?.url, `${sim}/kimi/v1/users/me/balance`);
  assert.equal(balances.moonshot?.source?.currency, 'USD');
  assert.equal(balances.openrouter?.source?.url, `${sim}/openrouter/api/v1/key`);
  assert.equal(balances['or-mgmt']?.source?.url, `${sim}/openrouter/api/v1/credits`);
  assert.equal(balances['qwen-intl']?.source?.url, 'https://business.ap-southeast-1.aliyuncs.com/');
  assert.equal(balances['qwen-intl']?.source?.key_env, null, 'a DashScope key is never sent to the BSS endpoint');
  assert.equal(balances.flatkey?.source?.key_env, null, 'json sends a key only when key_env is given');
  assert.equal(balances.deepseek?.source?.inferred, false);
});

test('bad balance settings name their path and what is accepted', () => {
  const problems = problemsOf(`providers:
  gw: { base_url: https://gw.example/v1, api_key_env: GW_API_KEY, balance: { kind: json } }
  ds: { base_url: https://api.deepseek.com, api_key_env: DEEPSEEK_API_KEY, balance: { kind: deepseek, field: data.x, currency: usd } }
  ali: { base_url: https://dashscope-intl.aliyuncs.com/compatible-mode/v1, api_key_env: DASHSCOPE_API_KEY, balance: { kind: alibaba_bss, access_key_id_env: ALI_ID } }
  or: { base_url: https://openrouter.ai/api/v1, api_key_env: OPENROUTER_API_KEY, balance: { kind: openrouter, managment_key_env: X } }
  k: { base_url: https://api.moonshot.ai/v1, api_key_env: MOONSHOT_API_KEY, balance: { kind: kimi } }
  j: { base_url: https://gw.example/v1, api_key_env: GW_API_KEY, balance: { kind: json, url: "ftp://gw.example/b", field: "data..b", currency: USD, key_env: gw-key } }
`);
  const expect = [
    'providers.gw.balance.url: kind json needs the url of the endpoint to read',
    'providers.gw.balance.field: kind json needs the dot path of the amount, like data.balance',
    'providers.gw.balance.currency: kind json needs the currency of the amount, like USD',
    'providers.ds.balance.currency: expected a three-letter currency code like USD or CNY',
    'providers.ds.balance.field: only for kind json (the dot path of the amount in the reply); kind deepseek does not use it',
    'providers.ali.balance.access_key_secret_env: kind alibaba_bss needs the variable holding the AccessKey secret',
    'providers.or.balance.managment_key_env: unknown key (accepted: kind, url, key_env, field, currency, access_key_id_env, access_key_secret_env, management_key_env)',
    'providers.j.balance.field: expected a dot path like data.balance',
    'providers.j.balance.key_env: expected an environment variable name like FLATKEY_API_KEY',
  ];
  for (const line of expect) assert.ok(problems.includes(line), `missing "${line}" in:\n${problems.join('\n')}`);
  assert.ok(problems.some((p) => p.startsWith('providers.k.balance.kind: ') && /deepseek.*moonshot.*openrouter.*alibaba_bss.*json/.test(p)), problems.join('\n'));
  assert.ok(problems.includes('providers.j.balance.url: expected an http(s) URL like https://router.example/v1/balance'), problems.join('\n'));
});

test('schedules.balances: a bad cron expression is an error; null turns the job off', () => {
  const problems = problemsOf('schedules: { balances: "every hour" }\n');
  assert.deepEqual(problems, ['schedules.balances: invalid cron expression "every hour"']);
  assert.equal(parseConfigText('schedules: { balances: null }\n', 'routeops.yml').schedules.balances, null);
});
