import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText, parseEnv, resolveConfig } from '../../src/config/load.js';

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
  assert.equal(c.default_model, 'deepseek-v4-flash');
  assert.deepEqual(Object.keys(c.providers).sort(), ['deepseek', 'moonshot', 'openrouter', 'qwen-intl', 'zai']);
  assert.equal(c.providers.deepseek?.base_url, 'https://api.deepseek.com');
  assert.equal(c.providers['qwen-intl']?.api_key_env, 'DASHSCOPE_API_KEY');
  for (const alias of ['deepseek-v4-flash', 'deepseek-v4-pro', 'qwen-plus', 'kimi-k2.5', 'glm-4.7']) assert.ok(c.models[alias], alias);
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
