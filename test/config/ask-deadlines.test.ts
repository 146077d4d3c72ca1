// /ask's deadlines in the config file (docs/ARCHITECTURE.md §3.4 `ask`): their defaults, and
// bad values named with their path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText, resolveConfig } from '../../src/config/load.js';

test('/ask deadlines default to 20 s to the first token and 120 s for the answer, progress to every 5 s; each can be set alone', () => {
  const defaults = { first_token_timeout_ms: 20_000, answer_timeout_ms: 120_000, progress_interval_ms: 5000 };
  assert.deepEqual(resolveConfig({}, 'built-in defaults').ask, defaults);
  assert.deepEqual(parseConfigText('ask: { first_token_timeout_ms: 5000 }', 'routeops.yml').ask, { ...defaults, first_token_timeout_ms: 5000 });
  assert.deepEqual(parseConfigText('ask: { answer_timeout_ms: 300000 }', 'routeops.yml').ask, { ...defaults, answer_timeout_ms: 300_000 });
  assert.deepEqual(parseConfigText('ask: { progress_interval_ms: 2000 }', 'routeops.yml').ask, { ...defaults, progress_interval_ms: 2000 });
});

test('a bad /ask deadline is a config error naming its path', () => {
  const problems = (text: string) => {
    try {
      parseConfigText(text, 'routeops.yml');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems.join('\n');
    }
    assert.fail('expected a ConfigError');
  };
  assert.match(problems('ask: { first_token_timeout_ms: 0 }'), /ask\.first_token_timeout_ms: /);
  assert.match(problems('ask: { answer_timeout_ms: 1.5 }'), /ask\.answer_timeout_ms: /);
  assert.match(problems('ask: { answer_timeout_ms: 7200000 }'), /ask\.answer_timeout_ms: /);
  assert.match(problems('ask: { progress_interval_ms: 0 }'), /ask\.progress_interval_ms: /);
  assert.match(problems('ask: { first_token_timeout: 5000 }'), /ask\.first_token_timeout: unknown key/);
});
