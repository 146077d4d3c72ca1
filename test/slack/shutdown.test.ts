// SIGTERM/SIGINT: stop taking work, finish what is in flight, close the database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { startTestApp, SIGNING_SECRET } from '../support/app.js';
import { writeConfig } from '../support/config.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { tempDir } from '../support/temp.js';
import { postSigned, slashCommandBody } from '../support/slack-request.js';

test('stop() lets a command in flight finish before the database closes, and takes no new work', async () => {
  const t = await startTestApp();
  try {
    const release = t.slack.holdNext('response_url');
    const id = randomUUID();
    const res = await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/spend', text: 'week', response_url: `${t.slack.baseUrl}/respond/${id}` }));
    assert.equal(res.status, 200);
    await t.slack.waitFor('response_url', (c) => c.path === `/respond/${id}`);

    let stopped = false;
    const stopping = t.app.stop().then(() => (stopped = true));
    await assert.rejects(fetch(`${t.url}/healthz`), 'the server no longer accepts connections');
    assert.equal(stopped, false, 'stop waits for the reply that is still being delivered');
    assert.equal(t.app.services.isOpen(), true);
    release();
    await stopping;
    assert.equal(t.app.services.isOpen(), false);
  } finally {
    await t.slack.close();
    rmSync(t.dir, { recursive: true, force: true });
  }
});

test('SIGTERM stops the real process cleanly with exit code 0', async () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const tmp = tempDir('routeops-sigterm-');
  const slack = await startFakeSlack();
  const { NODE_TEST_CONTEXT: _ignored, ...parentEnv } = process.env;
  const child = spawn(process.execPath, [join(root, 'dist/src/app/main.js')], {
    env: {
      ...parentEnv,
      ROUTEOPS_CONFIG: writeConfig(tmp.file('routeops.yml'), { timezone: 'UTC' }),
      ROUTEOPS_DB: tmp.dbPath,
      PORT: '0',
      LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_APP_TOKEN: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let logs = '';
    const started = new Promise<number>((resolve) => {
      child.stderr.on('data', (c: Buffer) => {
        logs += c.toString();
        const m = /"port":(\d+).*"msg":"routeops started"/.exec(logs);
        if (m) resolve(Number(m[1]));
      });
    });
    const port = await started;
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.match(logs, /routeops stopped/);
    assert.doesNotMatch(logs, /xoxb-test-token|test-signing-secret/, 'secrets never reach the logs');
  } finally {
    child.kill('SIGKILL');
    await slack.close();
    tmp.cleanup();
  }
});
