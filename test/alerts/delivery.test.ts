// Once, and never lost: the outbox against a real @slack/web-api client and the fake Slack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import pino from 'pino';
import { resolveConfig } from '../../src/config/load.js';
import { createServices } from '../../src/app/services.js';
import { openDatabase } from '../../src/store/open.js';
import { findMigrationsDir, listMigrationFiles, migrate } from '../../src/store/migrate.js';
import { AlertOutbox, backoffMs, describePostError, retryAfterMs } from '../../src/features/alerts/delivery.js';
import { runJobs } from '../../src/features/alerts/run.js';
import { slackPoster } from '../../src/adapters/slack/alert-poster.js';
import { budgetsJob, deprecationsJob } from '../../src/features/alerts/jobs/index.js';
import type { Alert } from '../../src/features/alerts/types.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { alertEnv, ALERTS_CHANNEL, fakePost, platformError, rateLimitedError, row } from '../support/alerts.js';

const config = {
  timezone: 'UTC',
  slack: { alerts_channel: ALERTS_CHANNEL },
  budgets: { daily: 10 },
  models: { chat: { routes: [{ provider: 'deepseek', model: 'deepseek-chat' }] } },
};

const alert = (key: string): Alert => ({ key, kind: 'budget', channel: ALERTS_CHANNEL, text: `alert ${key} <!channel>`, reply: { kind: 'result', title: `Alert ${key}`, summary: 'summary' } });

test('enqueue records a key once, sent or pending', async () => {
  const env = alertEnv(config, '2026-07-17T09:00:00Z');
  try {
    const outbox = new AlertOutbox(env.services.store.alerts, env.services.log);
    const now = new Date('2026-07-17T09:00:00Z');
    assert.deepEqual((await outbox.enqueue([alert('a'), alert('b')], now)).map((a) => a.key), ['a', 'b']);
    assert.deepEqual((await outbox.enqueue([alert('a'), alert('c')], now)).map((a) => a.key), ['c']);
    assert.deepEqual((await outbox.pending()).map((p) => p.key), ['a', 'b', 'c']);
    assert.equal(await outbox.isRecorded('b'), true);
    assert.equal(await outbox.isRecorded('z'), false);
  } finally {
    env.cleanup();
  }
});

test('backoff doubles up to a cap and honours Retry-After', () => {
  const opts = { baseDelayMs: 30_000, maxDelayMs: 3_600_000, leaseMs: 120_000 };
  assert.equal(backoffMs(1, platformError('fatal_error'), opts), 30_000);
  assert.equal(backoffMs(2, platformError('fatal_error'), opts), 60_000);
  assert.equal(backoffMs(5, platformError('fatal_error'), opts), 480_000);
  assert.equal(backoffMs(40, platformError('fatal_error'), opts), 3_600_000);
  assert.equal(backoffMs(1, rateLimitedError(90), opts), 90_000);
  assert.equal(backoffMs(3, rateLimitedError(5), opts), 120_000, 'never sooner than the backoff');
  assert.equal(retryAfterMs({ code: 'slack_webapi_http_error', statusCode: 429, headers: { 'retry-after': '12' } }), 12_000);
  assert.equal(retryAfterMs(new Error('x')), null);
  assert.equal(describePostError(platformError('channel_not_found')), 'slack_webapi_platform_error: channel_not_found');
});

test('Slack down during an alert, then back: delivered exactly once', async () => {
  const slack = await startFakeSlack();
  const env = alertEnv(config, '2026-07-17T09:00:00Z');
  try {
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const post = slackPoster(client);
    const outbox = new AlertOutbox(env.services.store.alerts, env.services.log);
    await env.services.ledger.record([row('2026-07-17T08:00:00Z', 'openrouter', 'mystery/model', { cost_usd: '6' })], 'ingest');

    slack.failMethod('chat.postMessage', 'service_unavailable');
    const now = new Date('2026-07-17T09:00:00Z');
    const [outcome] = await runJobs(env.services, [budgetsJob], now, { outbox, post });
    assert.equal(outcome?.alerts.length, 1);
    assert.equal(outcome.alerts[0]!.status, 'pending');
    assert.match(outcome.alerts[0]!.error ?? '', /service_unavailable/);
    assert.equal(slack.messages.length, 0);
    const [pending] = await outbox.pending();
    assert.equal(pending?.attempts, 1);
    assert.equal(pending.next_attempt_at, '2026-07-17T09:00:30.000Z');

    // Not due yet: nothing is tried.
    const early = await outbox.flush(post, new Date('2026-07-17T09:00:10Z'));
    assert.deepEqual(early, { sent: [], failed: [] });
    // Still down at the retry: the delay doubles.
    const second = await outbox.flush(post, new Date('2026-07-17T09:00:30Z'));
    assert.equal(second.failed[0]?.next_attempt_at, '2026-07-17T09:01:30.000Z');
    // The next run of the job finds the alert recorded: not enqueued again.
    const [again] = await runJobs(env.services, [budgetsJob], new Date('2026-07-17T09:01:00Z'), { outbox, post });
    assert.deepEqual(again?.alerts, []);

    slack.failMethod('chat.postMessage', null);
    const back = await outbox.flush(post, new Date('2026-07-17T09:01:30Z'));
    assert.deepEqual(back.sent, ['budget:daily:2026-07-17:50']);
    assert.deepEqual(await outbox.flush(post, new Date('2026-07-17T10:00:00Z')), { sent: [], failed: [] });
    await runJobs(env.services, [budgetsJob], new Date('2026-07-17T10:00:00Z'), { outbox, post });

    assert.equal(slack.messages.length, 1, 'delivered once');
    const msg = slack.messages[0]!;
    assert.equal(msg.channel, ALERTS_CHANNEL);
    assert.match(msg.text, /Daily budget at 60%/);
    assert.ok(Array.isArray(msg.blocks) && msg.blocks.length > 0);
    assert.equal(slack.calls.filter((c) => c.method === 'chat.postMessage').length, 3, 'two failed tries and one delivery');
    assert.equal((await outbox.pending()).length, 0);
  } finally {
    env.cleanup();
    await slack.close();
  }
});

test('a rate-limited post waits for Retry-After; a failure does not stop the other alerts', async () => {
  const env = alertEnv(config, '2026-07-17T09:00:00Z');
  try {
    const outbox = new AlertOutbox(env.services.store.alerts, env.services.log);
    const now = new Date('2026-07-17T09:00:00Z');
    await outbox.enqueue([alert('a'), alert('b')], now);
    let calls = 0;
    const delivered: string[] = [];
    const post = slackPoster({
      chat: {
        postMessage(message) {
          calls++;
          if (calls === 1) return Promise.reject(rateLimitedError(120));
          delivered.push(message.text);
          return Promise.resolve();
        },
      },
    });
    const result = await outbox.flush(post, now);
    assert.deepEqual(result.sent, ['b']);
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0]!.key, 'a');
    assert.match(result.failed[0]!.error, /^slack_webapi_rate_limited_error/);
    assert.equal(result.failed[0]!.next_attempt_at, '2026-07-17T09:02:00.000Z');
    assert.deepEqual(delivered, ['alert b &lt;!channel&gt;'], 'alert text is escaped for Slack');
  } finally {
    env.cleanup();
  }
});

test('concurrent flushes post a pending alert once', async () => {
  const env = alertEnv(config, '2026-07-17T09:00:00Z');
  try {
    const outbox = new AlertOutbox(env.services.store.alerts, env.services.log);
    const other = new AlertOutbox(env.services.store.alerts, env.services.log);
    const now = new Date('2026-07-17T09:00:00Z');
    await outbox.enqueue([alert('a')], now);
    const sink = fakePost();
    await Promise.all([outbox.flush(sink.post, now), outbox.flush(sink.post, now), other.flush(sink.post, now)]);
    assert.equal(sink.delivered.length, 1);
  } finally {
    env.cleanup();
  }
});

test('restart between runs: nothing is resent; a pending alert is delivered after the restart', async () => {
  const env = alertEnv(config, '2026-07-17T09:00:00Z');
  const sink = fakePost();
  try {
    await env.services.ledger.record([row('2026-07-16T08:00:00Z', 'deepseek', 'deepseek-chat')], 'ingest');
    let outbox = new AlertOutbox(env.services.store.alerts, env.services.log);
    const first = await runJobs(env.services, [deprecationsJob, budgetsJob], new Date('2026-07-17T09:00:00Z'), { outbox, post: sink.post });
    assert.deepEqual(first.flatMap((o) => o.alerts.map((a) => a.key)), [`retirement:deepseek/deepseek-chat@2026-07-24T15:59:00.000Z:d7`]);

    // A budget alert that fails to post, then the bot restarts.
    await env.services.ledger.record([row('2026-07-17T09:10:00Z', 'openrouter', 'mystery/model', { cost_usd: '5' })], 'ingest');
    sink.failWith = platformError('internal_error');
    const second = await runJobs(env.services, [deprecationsJob, budgetsJob], new Date('2026-07-17T09:15:00Z'), { outbox, post: sink.post });
    assert.deepEqual(second.flatMap((o) => o.alerts.map((a) => `${a.key} ${a.status}`)), ['budget:daily:2026-07-17:50 pending']);

    const services = env.restart();
    sink.failWith = null;
    outbox = new AlertOutbox(services.store.alerts, services.log);
    const third = await runJobs(services, [deprecationsJob, budgetsJob], new Date('2026-07-17T09:30:00Z'), { outbox, post: sink.post });
    assert.deepEqual(third.flatMap((o) => o.alerts), [], 'nothing new after the restart');
    await outbox.flush(sink.post, new Date('2026-07-17T09:30:00Z'));
    assert.equal(sink.delivered.length, 2);
    assert.match(sink.delivered[0]!.message.text, /^deepseek\/deepseek-chat retires in 7 days/);
    assert.match(sink.delivered[1]!.message.text, /^Daily budget at 50%: \$5\.00 of \$10\.00/);
    await outbox.flush(sink.post, new Date('2026-07-17T12:00:00Z'));
    assert.equal(sink.delivered.length, 2);
  } finally {
    env.cleanup();
  }
});

test('an alert recorded before the outbox kept replies (its Block Kit message) is still posted, as it was rendered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'routeops-outbox-upgrade-'));
  try {
    // A database as the previous version left it: migrations up to 006, one alert pending.
    const before = join(dir, 'migrations');
    mkdirSync(before);
    for (const f of listMigrationFiles(findMigrationsDir()).filter((m) => m.version <= 6)) copyFileSync(f.path, join(before, f.file));
    const dbPath = join(dir, 'routeops.db');
    const old = openDatabase(dbPath);
    migrate(old, { dir: before });
    const message = { text: 'Budget 80%: Daily budget', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Budget 80%: Daily budget' } }] };
    old
      .prepare('INSERT INTO sent_alerts (key, kind, channel, text, message, created_at, created_ms, next_attempt_at, next_attempt_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run('budget:daily:2026-07-17:80', 'budget', ALERTS_CHANNEL, 'Daily budget at 80%', JSON.stringify(message), '2026-07-17T08:00:00.000Z', Date.parse('2026-07-17T08:00:00Z'), '2026-07-17T08:00:30.000Z', Date.parse('2026-07-17T08:00:30Z'));
    old.close();

    // The upgrade opens the same file (migration 007) and flushes the outbox.
    const services = createServices({ config: resolveConfig(config, 'test'), dbPath, log: pino({ level: 'silent' }) });
    try {
      const outbox = new AlertOutbox(services.store.alerts, services.log);
      assert.deepEqual((await outbox.pending()).map((p) => p.key), ['budget:daily:2026-07-17:80']);
      const sink = fakePost();
      const result = await outbox.flush(sink.post, new Date('2026-07-17T09:00:00Z'));
      assert.deepEqual(result.sent, ['budget:daily:2026-07-17:80']);
      assert.deepEqual(sink.delivered, [{ channel: ALERTS_CHANNEL, message }]);
      assert.equal((await outbox.pending()).length, 0);
    } finally {
      await services.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
