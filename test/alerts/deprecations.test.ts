// The deepseek-chat retirement (2026-07-24 15:59 UTC, docs/PROVIDERS.md §3) as a timeline of alert runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertOutbox } from '../../src/features/alerts/delivery.js';
import { runJobs, type JobOutcome } from '../../src/features/alerts/run.js';
import { deprecationsJob, makeDeprecationsJob, preRetirementStage } from '../../src/features/alerts/jobs/deprecations.js';
import { alertEnv, ALERTS_CHANNEL, fakePost, REPORTS_CHANNEL, row, type AlertTestEnv } from '../support/alerts.js';
import type { AlertJob } from '../../src/features/alerts/types.js';

const AT = '2026-07-24T15:59:00.000Z';
const key = (stage: string, model = 'deepseek-chat') => `retirement:deepseek/${model}@${AT}:${stage}`;

const config = {
  timezone: 'UTC',
  slack: { alerts_channel: ALERTS_CHANNEL, reports_channel: REPORTS_CHANNEL },
  models: {
    chat: {
      routes: [
        { provider: 'deepseek', model: 'deepseek-chat' },
        { provider: 'openrouter', model: 'deepseek/deepseek-v4-flash' },
      ],
    },
  },
};

async function runAt(env: AlertTestEnv, iso: string, sink: ReturnType<typeof fakePost>, jobs: AlertJob[] = [deprecationsJob]): Promise<JobOutcome['alerts']> {
  env.clock.now = new Date(iso);
  const outbox = new AlertOutbox(env.services.store.alerts, env.services.log);
  const [outcome] = await runJobs(env.services, jobs, env.clock.now, { outbox, post: sink.post });
  assert.equal(outcome?.status, 'ok', outcome?.reason);
  return outcome.alerts;
}

/** 3 requests to deepseek-chat and 1 to its replacement, all alike, the day before `dayIso`. */
async function trafficBefore(env: AlertTestEnv, day: string): Promise<void> {
  const ts = `${day}T08:00:00Z`;
  await env.services.ledger.record(
    [
      row(ts, 'deepseek', 'deepseek-chat', { route: 'chat', user: 'U0ENG1' }),
      row(ts, 'deepseek', 'deepseek-chat', { route: 'chat', user: 'U0ENG1' }),
      row(ts, 'deepseek', 'deepseek-chat', { route: 'chat', user: 'U0ENG2' }),
      row(ts, 'deepseek', 'deepseek-v4-flash', { route: 'deepseek-v4-flash', user: 'U0ENG2' }),
    ],
    'ingest',
  );
}

test('stages are calendar days before the retirement day', () => {
  assert.equal(preRetirementStage('2026-06-23', '2026-07-24'), null);
  assert.deepEqual(preRetirementStage('2026-06-24', '2026-07-24'), { stage: 'd30', daysLeft: 30 });
  assert.deepEqual(preRetirementStage('2026-07-16', '2026-07-24'), { stage: 'd30', daysLeft: 8 });
  assert.deepEqual(preRetirementStage('2026-07-17', '2026-07-24'), { stage: 'd7', daysLeft: 7 });
  assert.deepEqual(preRetirementStage('2026-07-22', '2026-07-24'), { stage: 'd7', daysLeft: 2 });
  assert.deepEqual(preRetirementStage('2026-07-23', '2026-07-24'), { stage: 'd1', daysLeft: 1 });
  assert.deepEqual(preRetirementStage('2026-07-24', '2026-07-24'), { stage: 'd1', daysLeft: 0 });
});

test('deepseek-chat timeline: 30 days, 7 days, 1 day, retired, then daily while configured', async () => {
  const env = alertEnv(config, '2026-06-24T09:00:00Z');
  const sink = fakePost();
  try {
    await trafficBefore(env, '2026-06-23');
    const june24 = await runAt(env, '2026-06-24T09:00:00Z', sink);
    assert.deepEqual(june24.map((a) => a.key), [key('d30')]);
    const a = june24[0]!;
    assert.equal(a.kind, 'retirement');
    assert.equal(a.channel, ALERTS_CHANNEL);
    assert.equal(a.status, 'sent');
    assert.match(a.text, /^deepseek\/deepseek-chat retires in 30 days, on 2026-07-24 15:59 UTC\./);
    assert.match(a.text, /Replacement: deepseek-v4-flash\./);
    assert.match(a.text, /Still pointing at it: alias chat \(route 1 of 2, primary\)\./);
    assert.match(a.text, /75\.0% of requests \(3 of 4\) and 75\.0% of spend/);

    // The same stage later: nothing new.
    assert.deepEqual(await runAt(env, '2026-06-25T09:00:00Z', sink), []);
    assert.deepEqual(await runAt(env, '2026-07-16T09:00:00Z', sink), []);

    await trafficBefore(env, '2026-07-16');
    const july17 = await runAt(env, '2026-07-17T09:00:00Z', sink);
    assert.deepEqual(july17.map((x) => x.key), [key('d7')]);
    assert.match(july17[0]!.text, /retires in 7 days/);
    assert.match(july17[0]!.text, /Replacement: deepseek-v4-flash/);
    assert.match(july17[0]!.text, /alias chat/);
    assert.match(july17[0]!.text, /75\.0% of requests \(3 of 4\)/, 'only the last 7 days count');

    const july23 = await runAt(env, '2026-07-23T09:00:00Z', sink);
    assert.deepEqual(july23.map((x) => x.key), [key('d1')]);
    assert.match(july23[0]!.text, /retires tomorrow, 2026-07-24 15:59 UTC/);

    // The morning of the retirement day is still the 1-day stage, already sent.
    assert.deepEqual(await runAt(env, '2026-07-24T09:00:00Z', sink), []);

    const retired = await runAt(env, '2026-07-24T16:00:00Z', sink);
    assert.deepEqual(retired.map((x) => x.key), [key('retired')]);
    assert.match(retired[0]!.text, /^deepseek\/deepseek-chat was retired at 2026-07-24 15:59 UTC: routeops now sends its calls to deepseek-v4-flash; direct calls to it may fail\./);
    assert.match(retired[0]!.text, /Replacement: deepseek-v4-flash/);
    assert.match(retired[0]!.text, /alias chat \(route 1 of 2, primary\)/);
    assert.deepEqual(await runAt(env, '2026-07-24T20:00:00Z', sink), [], 'no daily alert on the retirement day itself');

    const july30 = await runAt(env, '2026-07-30T09:00:00Z', sink);
    assert.deepEqual(july30.map((x) => x.key), [key('daily:2026-07-30')]);
    assert.match(july30[0]!.text, /was retired 6 days ago \(2026-07-24 15:59 UTC\) and is still configured/);
    assert.match(july30[0]!.text, /alias chat/);
    assert.deepEqual(await runAt(env, '2026-07-30T15:00:00Z', sink), [], 'once a day');

    // Every alert reached Slack exactly once, as Block Kit.
    assert.deepEqual(
      sink.delivered.map((d) => d.channel),
      Array(5).fill(ALERTS_CHANNEL),
    );
    const first = sink.delivered[0]!.message;
    assert.equal(first.blocks[0]?.type, 'header');
    assert.match(first.text, /retires in 30 days/);
    assert.ok(!sink.delivered.some((d) => /deepseek-reasoner|moonshot/.test(d.message.text)), 'untouched retirements stay quiet');

    assert.equal((await new AlertOutbox(env.services.store.alerts, env.services.log).pending()).length, 0, 'nothing left in the outbox');
  } finally {
    env.cleanup();
  }
});

test('a run between stages sends only the stage in force', async () => {
  const env = alertEnv(config, '2026-07-23T09:00:00Z');
  const sink = fakePost();
  try {
    await trafficBefore(env, '2026-07-22');
    const july23 = await runAt(env, '2026-07-23T09:00:00Z', sink);
    assert.deepEqual(july23.map((x) => x.key), [key('d1')], 'not the 30- or 7-day alert it missed');
    // Down over the retirement: the first run after it sends "retired", not a daily alert.
    const july27 = await runAt(env, '2026-07-27T09:00:00Z', sink);
    assert.deepEqual(july27.map((x) => x.key), [key('retired')]);
    assert.deepEqual(await runAt(env, '2026-07-27T18:00:00Z', sink), []);
    assert.deepEqual((await runAt(env, '2026-07-28T09:00:00Z', sink)).map((x) => x.key), [key('daily:2026-07-28')]);
  } finally {
    env.cleanup();
  }
});

test('traffic alone makes a retirement relevant; daily alerts need use after the retirement', async () => {
  const env = alertEnv({ timezone: 'UTC', slack: { alerts_channel: ALERTS_CHANNEL } }, '2026-07-23T09:00:00Z');
  const sink = fakePost();
  try {
    assert.deepEqual(await runAt(env, '2026-07-23T09:00:00Z', sink), [], 'nothing configured or used');
    await env.services.ledger.record([row('2026-07-20T10:00:00Z', 'deepseek', 'deepseek-reasoner', { thinking: true })], 'ingest');
    const july23 = await runAt(env, '2026-07-23T09:00:00Z', sink);
    assert.deepEqual(july23.map((x) => x.key), [key('d1', 'deepseek-reasoner')]);
    assert.match(july23[0]!.text, /no configured alias routes to it/);
    assert.match(july23[0]!.text, /100\.0% of requests \(1 of 1\)/);

    assert.deepEqual((await runAt(env, '2026-07-24T16:00:00Z', sink)).map((x) => x.key), [key('retired', 'deepseek-reasoner')]);
    assert.deepEqual(await runAt(env, '2026-07-26T09:00:00Z', sink), [], 'not configured and not used since the retirement');

    await env.services.ledger.record([row('2026-07-26T10:00:00Z', 'deepseek', 'deepseek-reasoner', { status: 'error', error: 'model_not_found' })], 'ingest');
    const july27 = await runAt(env, '2026-07-27T09:00:00Z', sink);
    assert.deepEqual(july27.map((x) => x.key), [key('daily:2026-07-27', 'deepseek-reasoner')]);
    assert.match(july27[0]!.text, /is still used \(1 request since then\)/);
  } finally {
    env.cleanup();
  }
});

test('a retirement date from a catalog source is alerted like a built-in one', async () => {
  const env = alertEnv(
    { timezone: 'UTC', slack: { alerts_channel: ALERTS_CHANNEL }, models: { q: { routes: [{ provider: 'openrouter', model: 'qwen/qwen-old' }] } } },
    '2026-09-01T09:00:00Z',
  );
  const sink = fakePost();
  try {
    const job = makeDeprecationsJob({
      sourceRetirements: () => [
        { provider: 'openrouter', model: 'qwen/qwen-old', at: '2026-09-08T00:00:00.000Z', atMs: Date.parse('2026-09-08T00:00:00Z'), replacement: null, replacementThinking: null, source: 'OpenRouter expiration_date' },
      ],
    });
    const alerts = await runAt(env, '2026-09-01T09:00:00Z', sink, [job]);
    assert.deepEqual(alerts.map((a) => a.key), ['retirement:openrouter/qwen/qwen-old@2026-09-08T00:00:00.000Z:d7']);
    assert.match(alerts[0]!.text, /No replacement is named\./);
    assert.match(alerts[0]!.text, /No requests in the last 7 days/);
  } finally {
    env.cleanup();
  }
});
