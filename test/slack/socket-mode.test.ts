// Socket Mode (SLACK_APP_TOKEN): the real Bolt app connects to a local Socket Mode endpoint,
// acks a slash command envelope and answers through the fake Slack Web API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startRouteops } from '../../src/app/main.js';
import { writeConfig } from '../support/config.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { startFakeSocketMode } from '../support/fake-socket-mode.js';
import { tempDir } from '../support/temp.js';

test('a slash command over Socket Mode is acked and answered', async () => {
  const tmp = tempDir('routeops-socket-');
  const slack = await startFakeSlack();
  const socket = await startFakeSocketMode();
  slack.setSocketUrl(socket.url);
  const app = await startRouteops({
    env: {
      ROUTEOPS_CONFIG: writeConfig(tmp.file('routeops.yml'), { timezone: 'UTC' }),
      ROUTEOPS_DB: tmp.dbPath,
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_APP_TOKEN: 'xapp-test-token',
      SLACK_API_URL: slack.apiUrl,
    },
    clock: () => new Date('2026-11-23T12:00:00Z'),
    log: pino({ level: 'silent' }),
    shell: false,
  });
  try {
    assert.equal(app.slack?.mode, 'socket');
    await socket.connected();
    const open = await slack.waitFor('apps.connections.open');
    assert.equal(open.headers.authorization, 'Bearer xapp-test-token');
    const ack = await socket.deliver('slash_commands', {
      token: 'x', team_id: 'T0TEST', team_domain: 'routeops-test', channel_id: 'C0FINANCE', channel_name: 'finance',
      user_id: 'U0CFO', user_name: 'cfo', command: '/spend', text: 'week by model', api_app_id: 'A0ROUTEOPS',
      response_url: `${slack.baseUrl}/respond/socket-1`, trigger_id: '1.2.3',
    });
    assert.ok(ack.envelope_id);
    const response = await slack.waitFor('response_url', (c) => c.path === '/respond/socket-1');
    assert.match(JSON.stringify(response.body), /Spend week by model/);
    // Healthz is served on PORT in Socket Mode too.
    assert.equal((await fetch(`http://127.0.0.1:${app.port}/healthz`)).status, 200);
  } finally {
    await app.stop();
    await socket.close();
    await slack.close();
    tmp.cleanup();
  }
});
