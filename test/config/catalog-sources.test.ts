// `catalog.sources` (and the older catalog.openrouter / catalog.litellm) and `catalog.map`:
// docs/ARCHITECTURE.md §3.4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from '../../src/config/load.js';

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'routeops.yml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

void test('catalog.sources names the four sources, each a location or null; all off by default', () => {
  assert.deepEqual(parseConfigText('', 'routeops.yml').catalog, {
    sources: { openrouter: null, litellm: null, models_dev: null, genai_prices: null },
    provider_models: false,
    map: [],
    // OpenRouter's listing is exact for openrouter routes: trusted by default.
    auto_apply: [{ source: 'openrouter', provider: 'openrouter' }],
  });
  const c = parseConfigText(
    `catalog:
  sources:
    openrouter: https://openrouter.ai/api/v1/models
    litellm: null
    models_dev: https://models.dev/api.json
    genai_prices: ./prices/genai-v2.json.gz
`,
    'routeops.yml',
  );
  assert.deepEqual(c.catalog.sources, { openrouter: 'https://openrouter.ai/api/v1/models', litellm: null, models_dev: 'https://models.dev/api.json', genai_prices: './prices/genai-v2.json.gz' });
});

void test('the older catalog.openrouter / catalog.litellm still work; both spellings for one source is an error', () => {
  const c = parseConfigText('catalog: { openrouter: ./or.json, sources: { litellm: ./ll.json } }', 'routeops.yml');
  assert.deepEqual([c.catalog.sources.openrouter, c.catalog.sources.litellm], ['./or.json', './ll.json']);
  assert.deepEqual(problemsOf('catalog: { openrouter: ./a.json, sources: { openrouter: null } }'), [
    'catalog.openrouter: also given as catalog.sources.openrouter; keep one (catalog.openrouter is the older spelling)',
  ]);
  assert.equal(problemsOf('catalog: { litellm: null, sources: { litellm: ./b.json } }').length, 1);
});

void test('catalog.sources: a bad location, an unknown source name -> the path and what is accepted', () => {
  assert.match(problemsOf('catalog: { sources: { models_dev: "ftp://mirror/api.json" } }').join('\n'), /^catalog\.sources\.models_dev: unsupported URL scheme "ftp:"; use an http\(s\) URL, a file: URL or a file path \(null = off\)$/m);
  assert.deepEqual(problemsOf('catalog: { sources: { modelsdev: ./api.json } }'), ['catalog.sources.modelsdev: unknown key (accepted: openrouter, litellm, models_dev, genai_prices)']);
});

void test('catalog.map: rules are validated with their path and a clear message', () => {
  const problems = (rules: string) => problemsOf(`catalog:\n  map:\n${rules}`).join('\n');
  assert.match(problems('    - { source: models_dev, key: "alibaba/qwen-plus", provider: qwen }\n'), /^catalog\.map\[0\]\.provider: unknown provider "qwen" \(known: deepseek, qwen-intl, moonshot, zai, openrouter\)$/m);
  assert.match(problems('    - { source: models_dev, key: "alibaba/qwen-plus", source_provider: alibaba, provider: qwen-intl }\n'), /^catalog\.map\[0\]: give exactly one of "key" .* or "source_provider"/m);
  assert.match(problems('    - { source: models_dev, provider: qwen-intl }\n'), /^catalog\.map\[0\]: give exactly one of "key"/m);
  assert.match(problems('    - { source: models_dev, source_provider: alibaba-cn, provider: qwen-intl, model: qwen-plus }\n'), /^catalog\.map\[0\]\.model: "model" goes with a "key" and a provider/m);
  assert.match(problems('    - { source: models_dev, key: "qwen-plus", provider: qwen-intl }\n'), /^catalog\.map\[0\]\.key: expected "<source provider>\/<model id>", like "alibaba\/qwen-plus"$/m);
  assert.match(problems('    - { source: modelsdev, key: "alibaba/qwen-plus", provider: qwen-intl }\n'), /^catalog\.map\[0\]\.source: /m);
  assert.match(problems('    - { source: models_dev, key: "alibaba/qwen-plus", provider: qwen-intl, extra: 1 }\n'), /^catalog\.map\[0\]\.extra: unknown key \(accepted: source, key, source_provider, provider, model\)$/m);
  assert.equal(
    problems('    - { source: genai_prices, key: "zhipuai/GLM-5.1", provider: zai }\n    - { source: genai_prices, key: "zhipuai/glm-5.1", provider: null }\n'),
    'catalog.map[1]: genai_prices key "zhipuai/glm-5.1" is already mapped by catalog.map[0]; keep one rule',
  );
  // The same key for two sources is two rules, not a duplicate; a litellm key may be bare.
  const c = parseConfigText(
    `catalog:
  map:
    - { source: litellm, key: deepseek-chat, provider: deepseek, model: deepseek-chat }
    - { source: models_dev, source_provider: alibaba-cn, provider: null }
    - { source: genai_prices, source_provider: alibaba-cn, provider: null }
`,
    'routeops.yml',
  );
  assert.equal(c.catalog.map.length, 3);
});
