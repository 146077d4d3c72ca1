// /ask with no API key for its routes names the variable to set, as /routecheck does ("… is not
// set"), and calls nothing: the built-in providers, with no key in the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli } from '../../src/app/cli.js';
import { writeConfig } from '../support/config.js';
import { tempDir } from '../support/temp.js';

test('ask with no key set names the environment variable of each route, and how to try without an account', async (t) => {
  const tmp = tempDir('routeops-keys-');
  t.after(() => tmp.cleanup());
  const env = { ROUTEOPS_CONFIG: writeConfig(join(tmp.dir, 'routeops.yml'), { timezone: 'UTC' }), ROUTEOPS_DB: tmp.dbPath, LOG_LEVEL: 'silent' };
  let stdout = '';
  let stderr = '';
  const code = await cli(['ask', 'hello'], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  assert.equal(code, 1);
  assert.equal(stdout, '');
  assert.equal(
    stderr.trim(),
    'No answer from deepseek-flash: deepseek/deepseek-flash has no API key: DEEPSEEK_API_KEY is not set; ' +
      'openrouter/deepseek/deepseek-v4-flash has no API key: OPENROUTER_API_KEY is not set. ' +
      'Set one of DEEPSEEK_API_KEY, OPENROUTER_API_KEY (to try routeops without a provider account, run the simulator: node bin/routeops.js sim).',
  );
  // Same words in --json, for scripts.
  let json = '';
  assert.equal(await cli(['ask', '--model', 'qwen-plus', 'hello', '--json'], { stdout: (s) => (json += s), stderr: () => {}, env }), 1);
  assert.match((JSON.parse(json) as { error: string }).error, /qwen-intl\/qwen-plus has no API key: DASHSCOPE_API_KEY is not set/);
});
