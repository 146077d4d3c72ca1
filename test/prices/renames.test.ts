// Which model a model gone from a provider's /models was renamed to (src/features/catalog/proposals/renames.ts):
// the same family without version parts, the closest name, and none rather than a guess.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familyOf, renamedTo } from '../../src/features/catalog/proposals/renames.js';

test('deepseek-v4-flash was renamed to deepseek-flash, not to another DeepSeek model that appeared with it', () => {
  assert.equal(renamedTo('deepseek-v4-flash', ['deepseek-v4-pro-0813', 'deepseek-flash']), 'deepseek-flash');
  assert.equal(renamedTo('deepseek-v4-flash', ['deepseek-v4.1-flash']), 'deepseek-v4.1-flash');
  assert.equal(familyOf('deepseek-v4-flash'), familyOf('deepseek-flash'));
});

test('dated and numbered versions of one model are the same family; the closest name wins', () => {
  assert.equal(renamedTo('qwen-plus-2025-07-28', ['qwen-plus-2025-09-11', 'qwen-max']), 'qwen-plus-2025-09-11');
  assert.equal(renamedTo('kimi-k2.5', ['kimi-k2.6', 'kimi-k2-thinking']), 'kimi-k2.6');
  assert.equal(renamedTo('glm-4.7', ['glm-5', 'glm-4.7-flash']), 'glm-5');
  assert.equal(renamedTo('qwen-plus-2025-07-28', ['qwen-plus-2025-09-11', 'qwen-plus']), 'qwen-plus-2025-09-11');
});

test('no replacement is named for another family, a size change, an empty change or a tie', () => {
  assert.equal(renamedTo('deepseek-chat', ['deepseek-flash']), null, 'chat and flash are other models');
  assert.equal(renamedTo('moonshot-v1-8k', ['moonshot-v1-32k']), null, 'another context size is another model');
  assert.equal(renamedTo('kimi-k2', ['kimi-k3']), null);
  assert.equal(renamedTo('deepseek-v4-flash', []), null);
  assert.equal(renamedTo('glm-4.7', ['glm-5', 'glm-6']), null, 'two as close: which one would be a guess');
  assert.equal(renamedTo('v4', ['v5']), null, 'a name of version parts only has no family');
});
