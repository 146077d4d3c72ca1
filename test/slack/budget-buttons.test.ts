// The Show spend button of a budget alert (action id budget.show_spend), through the real Bolt
// app over signed HTTP: the budgets job's alert posted to the fake Slack, then block_actions
// payloads as Slack sends them. The breakdown goes into the alert's thread once, however often
// it is clicked; someone outside access.spend is refused and nothing is posted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import bolt from '@slack/bolt';
import { slackPoster } from '../../src/adapters/slack/alert-poster.js';
import { budgetsJob } from '../../src/features/alerts/jobs/budgets.js';
import { startTestApp } from '../support/app.js';
import { clickButton } from '../support/block-actions.js';
import type { StoredMessage } from '../support/fake-slack.js';

const ALERTS = 'C0ALERTS';
const CFO = 'U0CFO';

test('Show spend posts the budget period\'s breakdown in the alert\'s thread once, and says who asked; others are refused', async (t) => {
  const app = await startTestApp({ owner: t, now: '2026-11-23T12:00:00Z', config: { timezone: 'UTC', slack: { alerts_channel: ALERTS }, budgets: { monthly: 10 }, access: { spend: [CFO] } } });
  const s = app.app.services;
  await s.ledger.record([{ ts: '2026-11-20T10:00:00Z', provider: 'deepseek', model: 'unlisted-button-model', input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, cost_usd: '9.00', request_id: 'b1' }], 'import');
  const [alert] = await budgetsJob.run(s, new Date('2026-11-23T12:00:00Z'));
  assert.equal(alert!.key, 'budget:monthly:2026-11-01:80');
  await slackPoster(new bolt.webApi.WebClient('xoxb-test-token', { slackApiUrl: app.slack.apiUrl, retryConfig: { retries: 0 } }))(alert!);
  const message: StoredMessage = app.slack.messages.at(-1)!;
  const button = (message.blocks as Array<{ type: string; block_id?: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions')!;
  assert.equal(button.block_id, 'budget.show_spend');
  assert.deepEqual(button.elements!.map((e) => [e.action_id, e.value]), [['budget.show_spend', '2026-11-01..2026-11-30']]);

  const click = (user: string) => clickButton(app, message, user, { id: 'budget.show_spend', value: button.elements![0]!.value });
  // Someone outside access.spend: told, nothing posted.
  const refused = await click('U0INTERN');
  const told = await app.slack.waitFor('response_url', (c) => c.path === refused);
  assert.match(String(told.body.text), /Only the people listed in access\.spend/);
  // The CFO, twice: the breakdown once (by provider, then by model), the button replaced.
  await click(CFO);
  const update = await app.slack.waitFor('chat.update');
  const second = await click(CFO);
  const again = await app.slack.waitFor('response_url', (c) => c.path === second);
  assert.match(String(again.body.text), /already shown/);
  const thread = app.slack.messages.filter((m) => m.channel === ALERTS && m.thread_ts === message.ts);
  assert.equal(thread.length, 2, 'by provider and by model, once');
  assert.match(JSON.stringify(thread[0]!.blocks), /Spend 2026-11-01\.\.2026-11-30 by provider/);
  assert.match(JSON.stringify(thread[1]!.blocks), /by model/);
  assert.match(JSON.stringify(update.body.blocks), /Spend shown by <@U0CFO> at 2026-11-23 12:00 UTC/);
  assert.doesNotMatch(JSON.stringify(update.body.blocks), /"type":"actions"/);
});

test('a daily budget\'s Show spend shows that day; a click with a bad value first does not use the alert up; a message Slack will not update still counts as shown', async (t) => {
  const app = await startTestApp({ owner: t, now: '2026-11-23T12:00:00Z', config: { timezone: 'UTC', slack: { alerts_channel: ALERTS }, budgets: { daily: 10 }, access: { spend: [CFO] } } });
  const s = app.app.services;
  await s.ledger.record([{ ts: '2026-11-23T10:00:00Z', provider: 'deepseek', model: 'unlisted-button-model', input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, cost_usd: '9.00', request_id: 'd1' }], 'import');
  const [alert] = await budgetsJob.run(s, new Date('2026-11-23T12:00:00Z'));
  await slackPoster(new bolt.webApi.WebClient('xoxb-test-token', { slackApiUrl: app.slack.apiUrl, retryConfig: { retries: 0 } }))(alert!);
  const message: StoredMessage = app.slack.messages.at(-1)!;
  const value = (message.blocks as Array<{ type: string; elements?: Array<{ value: string }> }>).find((b) => b.type === 'actions')!.elements![0]!.value;
  assert.equal(value, '2026-11-23', 'a daily budget names its day');

  const bad = await clickButton(app, message, CFO, { id: 'budget.show_spend', value: 'garbage' });
  assert.match(String((await app.slack.waitFor('response_url', (c) => c.path === bad)).body.text), /names no period/);
  // The same message, its ts unknown to Slack's chat.update: the spend is still posted once and the click is not told it failed.
  const gone: StoredMessage = { ...message, ts: '1763899200.999999' };
  const good = await clickButton(app, gone, CFO, { id: 'budget.show_spend', value });
  await app.slack.waitFor('chat.update');
  const thread = app.slack.messages.filter((m) => m.channel === ALERTS && m.thread_ts === gone.ts);
  assert.equal(thread.length, 2);
  assert.match(JSON.stringify(thread[0]!.blocks), /Spend 2026-11-23 by provider/);
  assert.match(JSON.stringify(thread[0]!.blocks), /\$9\.00/);
  const again = await clickButton(app, gone, CFO, { id: 'budget.show_spend', value });
  assert.match(String((await app.slack.waitFor('response_url', (c) => c.path === again)).body.text), /already shown/);
  assert.ok(!app.slack.calls.some((c) => c.method === 'response_url' && c.path === good), 'nobody told it failed');
  const audited = (await s.store.actions.since(0, 10)).map((a) => a.outcome);
  assert.deepEqual(audited, ['bad_value', 'done', 'already']);
});
