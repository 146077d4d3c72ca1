import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText, parseEnv, resolveConfig } from '../../src/config/load.js';
import { ALIAS_BOMB_YAML } from '../support/config.js';

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'routeops.yml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('built-in defaults have the providers of docs/PROVIDERS.md §1 and a few aliases', () => {
  const c = resolveConfig({}, 'built-in defaults');
  assert.equal(c.timezone, 'UTC');
  // DeepSeek's current name (docs/PROVIDERS.md §2), routed to the model of that name.
  assert.equal(c.default_model, 'deepseek-flash');
  assert.deepEqual(c.models['deepseek-flash']?.routes[0], { provider: 'deepseek', model: 'deepseek-flash' });
  assert.equal(c.models['deepseek-v4-flash'], undefined, 'no alias under the retired name');
  assert.deepEqual(Object.keys(c.providers).sort(), ['deepseek', 'moonshot', 'openrouter', 'qwen-intl', 'zai']);
  assert.equal(c.providers.deepseek?.base_url, 'https://api.deepseek.com');
  assert.equal(c.providers['qwen-intl']?.api_key_env, 'DASHSCOPE_API_KEY');
  for (const alias of ['deepseek-flash', 'deepseek-v4-pro', 'qwen-plus', 'kimi-k2.5', 'glm-4.7']) assert.ok(c.models[alias], alias);
  assert.equal(c.schedules.routecheck, null);
});

test('the docs/ARCHITECTURE.md §3.4 example config parses', () => {
  const c = parseConfigText(
    `timezone: Europe/Berlin
default_model: qwen-plus
slack: { alerts_channel: C0ALERTS, reports_channel: C0FINANCE }
access: { spend: [U0CFO], routecheck: [U0OPS] }
models:
  qwen-plus:
    routes:
      - { provider: qwen-intl, model: qwen-plus }
      - { provider: openrouter, model: qwen/qwen-plus }
pricing:
  - provider: qwen-intl
    model: qwen-plus
    versions:
      - effective: 2026-01-01T00:00:00Z
        per_million: { input: 0.4, cached_input: 0.08, output: 1.2, thinking_output: 4.0 }
        tiers:
          - { above: 131072, input: 1.2, cached_input: 0.24, output: 3.6 }
        windows:
          - { utc: "01:00-04:00", per_million: { input: 0.28, cached_input: 0.028, output: 0.56 } }
retirements:
  - { provider: deepseek, model: deepseek-chat, at: 2026-07-24T15:59:00Z, replacement: deepseek-v4-flash }
budgets: { daily: 50, monthly: 1000, providers: { deepseek: { daily: 20 } }, per_user_daily: 5 }
catalog: { openrouter: https://openrouter.ai/api/v1/models, litellm: null, provider_models: true }
schedules: { deprecations: "0 9 * * *", routecheck: null }
`,
    'routeops.yml',
  );
  assert.equal(c.timezone, 'Europe/Berlin');
  assert.deepEqual(c.access.spend, ['U0CFO']);
  assert.equal(c.pricing[0]?.versions[0]?.effective, '2026-01-01T00:00:00.000Z');
  assert.equal(c.retirements[0]?.at, '2026-07-24T15:59:00.000Z');
  assert.equal(c.budgets.providers?.deepseek?.daily, 20);
  assert.equal(c.schedules.prices, '0 */6 * * *', 'unset schedules keep their defaults');
});

test('a bad file names the path of each bad key', () => {
  const problems = problemsOf(`models:
  qwen-plus:
    routes:
      - { provider: qwen, model: qwen-plus }
budgets: { daily: -5 }
timezone: Mars/Olympus
schedules: { budgets: "every minute" }
slak: {}
`);
  const text = problems.join('\n');
  assert.match(text, /slak: unknown key/);
  assert.match(text, /budgets\.daily: /);
  // Cross-reference checks run once the shape is right.
  const second = problemsOf(`models:
  qwen-plus:
    routes:
      - { provider: qwen, model: qwen-plus }
timezone: Mars/Olympus
schedules: { budgets: "every minute" }
default_model: gpt-9
`).join('\n');
  assert.match(second, /models\.qwen-plus\.routes\[0\]\.provider: unknown provider "qwen"/);
  assert.match(second, /timezone: unknown time zone "Mars\/Olympus"/);
  assert.match(second, /schedules\.budgets: invalid cron expression "every minute"/);
  assert.match(second, /default_model: unknown alias "gpt-9"/);
});

test('wrong types, bad ids and YAML syntax errors are reported with where they are', () => {
  assert.match(problemsOf('access: { spend: [cfo] }').join('\n'), /access\.spend\[0\]: expected a Slack user id/);
  assert.match(problemsOf('pricing:\n  - { provider: deepseek, model: x, versions: [{ effective: yesterday, per_million: { input: 1, output: 2 } }] }').join('\n'), /pricing\[0\]\.versions\[0\]\.effective: expected an ISO-8601 time/);
  assert.match(problemsOf('pricing:\n  - { provider: deepseek, model: x, versions: [{ effective: 2026-01-01T00:00:00Z, per_million: { input: 1, output: 2 }, windows: [{ utc: "05:00-02:00", per_million: { input: 1, output: 1 } }] }] }').join('\n'), /windows\[0\]\.utc: start must be before end/);
  assert.match(problemsOf('timezone: [UTC').join('\n'), /^line \d+:/);
  assert.match(problemsOf('providers:\n  mine: { base_url: "not a url", api_key_env: MINE_KEY }').join('\n'), /providers\.mine\.base_url/);
});

test('environment: defaults, and bad values named', () => {
  const env = parseEnv({ PORT: '8080', SLACK_BOT_TOKEN: '' });
  assert.equal(env.PORT, 8080);
  assert.equal(env.ROUTEOPS_DB, './data/routeops.db');
  assert.equal(env.SLACK_BOT_TOKEN, undefined, 'empty variables count as unset');
  assert.throws(() => parseEnv({ PORT: 'eighty' }), (err: unknown) => err instanceof ConfigError && /PORT/.test(err.problems.join()));
  assert.equal(parseEnv({}).PORT, 3000);
  assert.equal(parseEnv({ PORT: '0' }).PORT, 0);
  for (const host of ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', 'routeops.internal']) assert.equal(parseEnv({ HOST: host }).HOST, host);
  for (const host of ['999.1.1.1', '1.2.3', 'bad host', 'http://x'])
    assert.throws(() => parseEnv({ HOST: host }), (err: unknown) => err instanceof ConfigError && /^HOST: expected an IP address/.test(err.problems.join()), host);
  for (const port of ['abc', '-1', '70000', '3000.5', '0x10'])
    assert.throws(() => parseEnv({ PORT: port }), (err: unknown) => err instanceof ConfigError && err.problems.join() === 'PORT: expected an integer from 0 to 65535', port);
  assert.throws(() => parseEnv({ SLACK_BOT_TOKEN: 'xoxp-user-token' }), (err: unknown) => err instanceof ConfigError && /SLACK_BOT_TOKEN: expected a bot token/.test(err.problems.join()));
});

test('a pricing problem found by the catalog is reported as a config problem with its path', async () => {
  const { buildCatalog } = await import('../../src/app/services.js');
  const config = resolveConfig(
    { pricing: [{ provider: 'deepseek', model: 'x', versions: [{ effective: '2026-01-01T00:00:00Z', per_million: { input: 1, output: 2 }, tiers: [{ above: 10, input: 1, output: 1 }, { above: 10, input: 2, output: 2 }] }] }] },
    'routeops.yml',
  );
  assert.throws(() => buildCatalog(config), (err: unknown) => err instanceof ConfigError && /pricing\[0\]\.versions\[0\]\.tiers/.test(err.problems.join('\n')));
});

test('an unknown key under access is a config error naming its path and the accepted keys, not an open command', () => {
  // A misspelt rule used to be accepted and left /spend open to everyone.
  const text = problemsOf('access: { spnd: [U0CFO] }').join('\n');
  assert.match(text, /^access\.spnd: unknown key \(accepted: spend, routecheck, prices, keys\)$/m);
  assert.deepEqual(parseConfigText('access: { spend: [U0CFO], routecheck: null }', 'routeops.yml').access, { spend: ['U0CFO'], routecheck: [] });
});

test('the keys access accepts are exactly the access rules of the commands', async () => {
  const { ACCESS_RULES } = await import('../../src/config/schema.js');
  const { commands } = await import('../../commands/registry.js');
  const rules = new Set(commands.map((c) => c.access).filter((r) => r !== undefined));
  assert.deepEqual([...ACCESS_RULES].sort(), [...rules].sort(), 'a key no command reads would be a list that limits nothing');
});

test('an unknown key anywhere lists the keys accepted there', () => {
  assert.match(problemsOf('budgets: { balance_floor: { deepsek: 20 } }').join('\n'), /^budgets\.balance_floor\.deepsek: /m);
  assert.match(problemsOf('budgets: { dayly: 3 }').join('\n'), /^budgets\.dayly: unknown key \(accepted: daily, monthly, providers, per_user_daily, runway_days, balance_floor\)$/m);
  assert.match(problemsOf('models:\n  mine:\n    routes: [{ provider: deepseek, model: x, window: 5 }]').join('\n'), /^models\.mine\.routes\[0\]\.window: unknown key \(accepted: provider, model, context_window\)$/m);
});

test('a retirement replacement that names no model known for its provider is a config error listing the known ones', () => {
  const text = problemsOf('retirements:\n  - { provider: deepseek, model: deepseek-chat, at: 2026-07-24T15:59:00Z, replacement: deepseek-v5 }').join('\n');
  assert.match(text, /^retirements\[0\]\.replacement: unknown model "deepseek-v5" for provider deepseek \(known: (deepseek-[\w.-]+, ){0,7}deepseek-[\w.-]+(, and \d+ more: routeops models lists them)?\)$/m);
  assert.match(text, /known: [^)]*deepseek-flash/);
  // Known to another provider is not enough: the replacement is called on the retired model's provider.
  assert.match(problemsOf('retirements:\n  - { provider: zai, model: glm-4.7, at: 2027-01-01T00:00:00Z, replacement: kimi-k2.6 }').join('\n'), /retirements\[0\]\.replacement: unknown model "kimi-k2\.6" for provider zai/);
});

test('a retirement replacement may be a model that is priced, routed by an alias, or itself retired', () => {
  const c = parseConfigText(
    `models:
  mine: { routes: [{ provider: zai, model: glm-5.1 }] }
pricing:
  - { provider: moonshot, model: kimi-k3, versions: [{ effective: 2027-01-01T00:00:00Z, per_million: { input: 1, output: 2 } }] }
retirements:
  - { provider: zai, model: glm-4.7, at: 2027-01-01T00:00:00Z, replacement: glm-5 }
  - { provider: zai, model: glm-5, at: 2027-06-01T00:00:00Z, replacement: glm-5.1 }
  - { provider: moonshot, model: kimi-k2.5, at: 2027-01-01T00:00:00Z, replacement: kimi-k3 }
  - { provider: deepseek, model: deepseek-v4-pro, at: 2027-01-01T00:00:00Z, replacement: deepseek-chat }
`,
    'routeops.yml',
  );
  assert.deepEqual(c.retirements.map((r) => r.replacement), ['glm-5', 'glm-5.1', 'kimi-k3', 'deepseek-chat']);
});

test('a catalog source that is not an http(s) URL, a file: URL or a file path is a config error', () => {
  const problem = (value: string) => problemsOf(`catalog: { openrouter: ${JSON.stringify(value)} }`).join('\n');
  for (const value of ['', '   ', ' https://openrouter.ai/api/v1/models', 'ftp://mirror.example/models.json', 'javascript:alert(1)', 'https://', 'http:/openrouter.ai', 'file://remote-host/models.json', 'prices\u0000.json']) {
    assert.match(problem(value), /^catalog\.openrouter: .*; use an http\(s\) URL, a file: URL or a file path \(null = off\)$/m, JSON.stringify(value));
  }
  assert.match(problem('ftp://mirror.example/models.json'), /unsupported URL scheme "ftp:"/);
  assert.match(problemsOf('catalog: { litellm: "javascript:alert(1)" }').join('\n'), /^catalog\.litellm: unsupported URL scheme "javascript:"/m);
  assert.doesNotMatch(problem('https://'), /https:\/\//, 'the value is not echoed: a URL may carry credentials');
});

test('a catalog source may be an http(s) URL, a file: URL, a relative or absolute path, or null', () => {
  for (const value of ['https://openrouter.ai/api/v1/models', 'HTTP://localhost:8080/models?x=1', 'file:///var/lib/routeops/models.json', './prices/models.json.gz', 'models.json', '/var/lib/routeops/litellm.json', 'C:\\routeops\\models.json']) {
    const c = parseConfigText(`catalog: { openrouter: ${JSON.stringify(value)}, litellm: null }`, 'routeops.yml');
    assert.equal(c.catalog.sources.openrouter, value);
    assert.equal(c.catalog.sources.litellm, null);
  }
});

test('a YAML alias bomb is a config error: "config too complex", not an expansion', () => {
  assert.deepEqual(problemsOf(ALIAS_BOMB_YAML).map((p) => p.split(':')[0]), ['config too complex']);
});

test('YAML anchors and aliases that reuse a route list still load', () => {
  const c = parseConfigText(
    `models:
  a: { routes: &shared [{ provider: deepseek, model: deepseek-v4-flash }, { provider: openrouter, model: deepseek/deepseek-v4-flash }] }
  b: { routes: *shared }
  c: { routes: *shared }
  d: { routes: *shared, description: fourth }
`,
    'routeops.yml',
  );
  assert.deepEqual(c.models.d?.routes, c.models.a?.routes);
});

test('an alias used before its anchor is a config error, not a crash', () => {
  assert.match(problemsOf('timezone: *zone').join('\n'), /^YAML: .*zone/m);
});

test('balance and gateway settings that cannot work are config errors saying why', () => {
  const text = (yaml: string) => problemsOf(yaml).join('\n');
  assert.match(text('providers:\n  deepseek: { base_url: https://api.deepseek.com, api_key_env: DEEPSEEK_API_KEY, balance: null }\nbudgets: { balance_floor: { deepseek: 5 } }'), /^budgets\.balance_floor\.deepseek: deepseek's balance is not read \(balance: null\), so no floor can be checked$/m);
  assert.match(text('balances_fx: { USD: 2 }'), /^balances_fx\.USD: balances in USD need no rate/m);
  assert.match(text('balances_fx: { CNY: 0.0000000001 }'), /^balances_fx\.CNY: 1e-10 is below 0\.000000001 USD/m);
  assert.match(text('balances_fx: { yuan: 0.14 }'), /^balances_fx\.yuan: not a currency code: use its three capital letters, like CNY: 0\.14$/m);
  assert.match(text('gateway: { extra_fields: { deepsek: [top_k] } }'), /^gateway\.extra_fields\.deepsek: /m);
  assert.match(text('gateway: { body_max_bytes: 10 }'), /^gateway\.body_max_bytes: /m);
});
