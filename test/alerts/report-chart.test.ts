// The weekly spend report carries its chart (docs/ARCHITECTURE.md §3.6): posted by the real
// alert poster to the fake Slack Web API, the report's message first, then its PNG uploaded with
// files.uploadV2 into that message's thread. An upload Slack refuses leaves the report posted, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webApi } from '@slack/bolt';
import pino from 'pino';
import { slackPoster } from '../../src/adapters/slack/alert-poster.js';
import { AlertOutbox } from '../../src/features/alerts/delivery.js';
import { budgetsJob, spendReportJob } from '../../src/features/alerts/jobs/index.js';
import { runJobs } from '../../src/features/alerts/run.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { pngSize } from '../support/png.js';
import { makeServices } from '../support/services.js';

test('the weekly spend report is posted, then its chart as a PNG in the report\'s thread; a refused upload leaves the report posted once', async (t) => {
  const slack = await startFakeSlack();
  t.after(() => slack.close());
  const { services } = makeServices({ slack: { reports_channel: 'C0FINANCE' } }, { owner: t });
  await services.ledger.record(
    [{ ts: '2026-11-17T10:00:00Z', provider: 'deepseek', model: 'unlisted-chart-model', input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, cost_usd: '4.00', request_id: 'c1' }],
    'import',
  );
  const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const post = slackPoster(client, pino({ level: 'silent' }));
  const outbox = new AlertOutbox(services.store.alerts, services.log);
  const [outcome] = await runJobs(services, [spendReportJob], new Date('2026-11-23T12:00:00Z'), { outbox, post });
  assert.equal(outcome?.alerts.length, 1);
  const report = slack.messages.find((m) => m.channel === 'C0FINANCE');
  assert.ok(report, 'the report was posted');
  const file = await slack.waitForFile();
  assert.equal(file.completed?.channel_id, 'C0FINANCE');
  assert.equal(file.completed?.thread_ts, report.ts, 'in the report\'s thread');
  assert.ok(pngSize(file.data!).width >= 1200);

  // Next week: Slack refuses the upload; the report is posted all the same, and only once.
  slack.failMethod('files.getUploadURLExternal', 'not_allowed_token_type');
  await runJobs(services, [spendReportJob], new Date('2026-11-30T12:00:00Z'), { outbox, post });
  await runJobs(services, [spendReportJob], new Date('2026-11-30T13:00:00Z'), { outbox, post });
  assert.equal(slack.messages.filter((m) => m.channel === 'C0FINANCE').length, 2);
  assert.equal(slack.files.length, 1, 'no second chart');
});

test('a budget alert carries the chart of its month, uploaded into its thread', async (t) => {
  const slack = await startFakeSlack();
  t.after(() => slack.close());
  const { services } = makeServices({ slack: { alerts_channel: 'C0ALERTS' }, budgets: { monthly: 10 } }, { owner: t });
  await services.ledger.record(
    [{ ts: '2026-11-20T10:00:00Z', provider: 'deepseek', model: 'unlisted-chart-model', input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, cost_usd: '9.00', request_id: 'b1' }],
    'import',
  );
  const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const outbox = new AlertOutbox(services.store.alerts, services.log);
  const [outcome] = await runJobs(services, [budgetsJob], new Date('2026-11-23T12:00:00Z'), { outbox, post: slackPoster(client, pino({ level: 'silent' })) });
  assert.deepEqual(outcome?.alerts.map((a) => a.key), ['budget:monthly:2026-11-01:80']);
  const posted = slack.messages.find((m) => m.channel === 'C0ALERTS')!;
  const file = await slack.waitForFile();
  assert.deepEqual([file.completed?.channel_id, file.completed?.thread_ts], ['C0ALERTS', posted.ts]);
  assert.equal(file.filename, 'spend-2026-11-01_2026-11-23-by-provider.png', 'the month to date');
});
