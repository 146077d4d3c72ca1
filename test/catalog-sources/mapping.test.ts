// Which routeops (provider, model) a source's entry belongs to: the defaults of each source, and
// `catalog.map` rules over them (read from a real config file's text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load.js';
import { normalizeGenaiPrices, normalizeLiteLLM, normalizeModelsDev } from '../../src/features/catalog/sources/normalize.js';
import type { SourceEntry } from '../../src/features/catalog/sources/types.js';
import { GENAI_DIR, LITELLM_SUBSET, MODELS_DEV_DIR, readGzJson } from './helpers.js';

const AT = '2026-08-21T00:00:00.000Z';
const modelsDev = () => readGzJson(join(MODELS_DEV_DIR, '2026-07-02.json.gz'));
const keyed = (entries: SourceEntry[]) => new Map(entries.map((e) => [e.source_key, e]));
const named = (e: SourceEntry | undefined) => (e ? [e.provider, e.model, e.mapped] : null);

void test('defaults: one routeops provider per source provider that is the same service', () => {
  const md = keyed(normalizeModelsDev(modelsDev(), { fetched_at: AT }));
  assert.deepEqual(named(md.get('deepseek/deepseek-v4-flash')), ['deepseek', 'deepseek-v4-flash', true]);
  assert.deepEqual(named(md.get('alibaba/qwen-plus')), ['qwen-intl', 'qwen-plus', true]);
  assert.deepEqual(named(md.get('alibaba-cn/qwen-plus')), ['alibaba-cn', 'qwen-plus', false]);
  assert.deepEqual(named(md.get('moonshotai/kimi-k2.6')), ['moonshot', 'kimi-k2.6', true]);
  assert.deepEqual(named(md.get('moonshotai-cn/kimi-k2.6')), ['moonshotai-cn', 'kimi-k2.6', false]);
  assert.deepEqual(named(md.get('zai/glm-5.1')), ['zai', 'glm-5.1', true]);
  assert.deepEqual(named(md.get('zhipuai/glm-5.1')), ['zhipuai', 'glm-5.1', false]);
  assert.deepEqual(named(md.get('openrouter/qwen/qwen3-max')), ['openrouter', 'qwen/qwen3-max', true]);

  const genai = keyed(normalizeGenaiPrices(readGzJson(join(GENAI_DIR, 'v2-2026-08-21.json.gz')), { fetched_at: AT }));
  assert.deepEqual(named(genai.get('deepseek/deepseek-v4-flash')), ['deepseek', 'deepseek-v4-flash', true]);
  assert.deepEqual(named(genai.get('moonshotai/kimi-k2.5')), ['moonshot', 'kimi-k2.5', true]);
  assert.deepEqual(named(genai.get('zai/GLM-5.3')), ['zai', 'glm-5.3', true]);
  assert.deepEqual(named(genai.get('zhipuai/GLM-5.1')), ['zhipuai', 'glm-5.1', false]);
  assert.deepEqual(named(genai.get('openrouter/deepseek/deepseek-v4-pro')), ['openrouter', 'deepseek/deepseek-v4-pro', true]);

  const ll = keyed(normalizeLiteLLM(readGzJson(LITELLM_SUBSET), { fetched_at: AT }));
  assert.deepEqual(named(ll.get('deepseek/deepseek-v4-pro')), ['deepseek', 'deepseek-v4-pro', true]);
  assert.deepEqual(named(ll.get('dashscope/qwen-plus')), ['qwen-intl', 'qwen-plus', true]);
  assert.deepEqual(named(ll.get('moonshot/kimi-k2.6')), ['moonshot', 'kimi-k2.6', true]);
  assert.deepEqual(named(ll.get('zai/glm-5.1')), ['zai', 'glm-5.1', true]);
  assert.deepEqual(named(ll.get('openrouter/z-ai/glm-5.1')), ['openrouter', 'z-ai/glm-5.1', true]);
  assert.equal(ll.get('deepseek-v4-pro'), undefined, 'the bare key loses to "deepseek/deepseek-v4-pro"');
});

void test('catalog.map overrides: one key to another model, a whole source provider, a source provider left unmapped', () => {
  const config = parseConfigText(
    `catalog:
  sources: { models_dev: ./api.json }
  map:
    - { source: models_dev, key: "alibaba-cn/qwen3.7-plus", provider: qwen-intl, model: qwen3.7-plus-cn }
    - { source: models_dev, source_provider: moonshotai-cn, provider: moonshot }
    - { source: models_dev, source_provider: zai, provider: null }
    - { source: genai_prices, key: "zhipuai/glm-5.1", provider: zai, model: glm-5.1 }
`,
    'routeops.yml',
  );
  const md = normalizeModelsDev(modelsDev(), { fetched_at: AT, rules: config.catalog.map });
  const byKey = keyed(md);
  assert.deepEqual(named(byKey.get('alibaba-cn/qwen3.7-plus')), ['qwen-intl', 'qwen3.7-plus-cn', true]);
  assert.deepEqual(named(byKey.get('alibaba-cn/qwen-plus')), ['alibaba-cn', 'qwen-plus', false], 'the rest of alibaba-cn keeps the default');
  assert.deepEqual(named(byKey.get('zai/glm-5.1')), ['zai', 'glm-5.1', false], 'provider: null: not a routeops provider');
  // moonshotai-cn lands on the same (moonshot, model) keys as moonshotai: the source-provider rule is stronger than the default.
  const kimi = md.filter((e) => e.provider === 'moonshot' && e.model === 'kimi-k2.6');
  assert.deepEqual(kimi.map((e) => e.source_key), ['moonshotai-cn/kimi-k2.6']);
  assert.equal(byKey.get('moonshotai/kimi-k2.6'), undefined, 'the weaker default is left out');
  assert.equal(new Set(md.map((e) => `${e.provider}\u0000${e.model}`)).size, md.length, '(provider, model) unique');

  // genai-prices keys are matched case-insensitively, as genai-prices matches names ("zhipuai/GLM-5.1").
  const genai = normalizeGenaiPrices(readGzJson(join(GENAI_DIR, 'v2-2026-08-21.json.gz')), { fetched_at: AT, rules: config.catalog.map });
  const glm = genai.filter((e) => e.provider === 'zai' && e.model === 'glm-5.1');
  assert.deepEqual(glm.map((e) => [e.source_key, e.mapped, e.rates.output]), [['zhipuai/GLM-5.1', true, 3_310_000]]);
  // Rules of another source change nothing here.
  assert.deepEqual(named(keyed(genai).get('zai/GLM-5.2')), ['zai', 'glm-5.2', true]);
});
