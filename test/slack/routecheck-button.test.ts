// The Run route check button of a retirement alert (action id retirement.routecheck), through the
// real Bolt app over signed HTTP, with the providers on the simulator: the deprecations job's alert
// for deepseek-chat (retired 2026-07-24, replacement deepseek-v4-flash in the built-in catalog)
// posted to the fake Slack, then clicks as Slack sends them. The check runs once, its report in
// the alert's thread; someone outside access.routecheck is refused and nothing runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import bolt from '@slack/bolt';
import { slackPoster } from '../../src/adapters/slack/alert-poster.js';
import { deprecationsJob } from '../../src/features/alerts/jobs/deprecations.js';
import { startTestApp, SIGNING_SECRET } from '../support/app.js';
import type { StoredMessage } from '../support/fake-slack.js';
import { postSigned } from '../support/slack-request.js';
import { startSim } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';

const ALERTS = 'C0ALERTS';
const OPS = 'U0OPS';

test('Run route check on the replacement: the report in the alert\'s thread once, the button replaced by who ran it; others refused', async (t) => {
  const sim = await startSim(t);
  const app = await startTestApp({ owner: t, now: '2026-07-20T12:00:00Z', env: SIM_KEYS, config: simConfig(sim, { slack: { alerts_channel: ALERTS }, access: { routecheck: [OPS] } }) });
  const s = app.app.services;
  const alert = (await deprecationsJob.run(s, new Date('2026-07-20T12:00:00Z'))).find((a) => a.text.includes('deepseek-chat'))!;
  await slackPoster(new bolt.webApi.WebClient('xoxb-test-token', { slackApiUrl: app.slack.apiUrl, retryConfig: { retries: 0 } }))(alert);
  const message: StoredMessage = app.slack.messages.at(-1)!;
  const actions = (message.blocks as Array<{ type: string; block_id?: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions' && b.block_id === 'retirement.routecheck')!;
  assert.deepEqual(actions.elements!.map((e) => [e.action_id, e.value]), [['retirement.routecheck', 'deepseek/deepseek-v4-flash']]);

  const click = async (user: string) => {
    const respondPath = `/respond/${randomUUID()}`;
    const payload = {
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase(), team_id: 'T0TEST' },
      api_app_id: 'A0ROUTEOPS',
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: ALERTS, is_ephemeral: false },
      trigger_id: '398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
      team: { id: 'T0TEST', domain: 'routeops-test' },
      channel: { id: ALERTS, name: 'alerts' },
      message: { type: 'message', user: 'U0BOT', bot_id: 'B0BOT', ts: message.ts, text: message.text, blocks: message.blocks },
      response_url: `${app.slack.baseUrl}${respondPath}`,
      actions: [{ action_id: 'retirement.routecheck', block_id: 'retirement.routecheck', text: { type: 'plain_text', text: 'Run' }, value: 'deepseek/deepseek-v4-flash', type: 'button', action_ts: '1784548800.000100' }],
    };
    const res = await postSigned(`${app.url}/slack/events`, SIGNING_SECRET, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    assert.equal(res.status, 200);
    return respondPath;
  };
  const refused = await click('U0INTERN');
  assert.match(String((await app.slack.waitFor('response_url', (c) => c.path === refused)).body.text), /Only the people listed in access\.routecheck/);
  const checks = () => sim.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
  assert.equal(checks(), 0, 'nothing ran for the refused click');
  await click(OPS);
  const update = await app.slack.waitFor('chat.update');
  const ran = checks();
  assert.ok(ran > 0, 'the route check called the provider');
  const again = await click(OPS);
  assert.match(String((await app.slack.waitFor('response_url', (c) => c.path === again)).body.text), /already ran from this alert/);
  assert.equal(checks(), ran, 'not run twice');
  const thread = app.slack.messages.filter((m) => m.channel === ALERTS && m.thread_ts === message.ts);
  assert.equal(thread.length, 1);
  assert.match(JSON.stringify(thread[0]!.blocks), /deepseek\/deepseek-v4-flash/);
  assert.match(JSON.stringify(update.body.blocks), /Route check of deepseek\/deepseek-v4-flash run by <@U0OPS> at 2026-07-20 12:00 UTC: (every route passed|a route failed) \(report in the thread\)/);
});
