// `routeops alerts run [--now ISO] [--dry-run] [--json]` (docs/ARCHITECTURE.md §3.1) and the spend report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommandLine } from '../../src/app/cli.js';
import type { Services } from '../../src/features/services.js';
import { AlertOutbox } from '../../src/features/alerts/delivery.js';
import { alertJobs } from '../../src/features/alerts/jobs/index.js';
import { peekDb } from '../support/db.js';
import type { AlertJob, AlertPost } from '../../src/features/alerts/types.js';
import { alertEnv, ALERTS_CHANNEL, fakePost, REPORTS_CHANNEL, row, type AlertTestEnv } from '../support/alerts.js';

const config = {
  timezone: 'UTC',
  slack: { alerts_channel: ALERTS_CHANNEL, reports_channel: REPORTS_CHANNEL },
  budgets: { daily: 10 },
  models: { chat: { routes: [{ provider: 'deepseek', model: 'deepseek-chat' }] } },
};

/** `routeops alerts …` through the CLI adapter, over these services and this post function. */
function runAlertsCommand(argv: string[], services: Services, post: AlertPost | null, cio: { stdout: (s: string) => void; stderr: (s: string) => void }, opts: { jobs?: readonly AlertJob[] } = {}): Promise<number> {
  return runCommandLine(['alerts', ...argv], cio, { services: () => services, alertPost: () => Promise.resolve(post), alertJobs: opts.jobs });
}

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (s: string) => void (out.stdout += s), stderr: (s: string) => void (out.stderr += s) } };
}

interface JsonDoc {
  now: string;
  dry_run: boolean;
  alerts: Array<{ key: string; kind: string; channel: string; text: string; status: string; job: string }>;
  jobs: Array<{ name: string; status: string; reason?: string }>;
}

async function seed(env: AlertTestEnv): Promise<void> {
  // Monday 2026-07-13 .. Sunday 07-19 is last week for Monday 07-20.
  await env.services.ledger.record(
    [
      row('2026-07-14T10:00:00Z', 'deepseek', 'deepseek-chat', { user: 'U0ENG1' }),
      row('2026-07-15T10:00:00Z', 'openrouter', 'mystery/model', { cost_usd: '2.5', user: 'U0ENG2' }),
      row('2026-07-20T08:00:00Z', 'openrouter', 'mystery/model', { cost_usd: '6', user: 'U0ENG2' }),
    ],
    'ingest',
  );
}

test('--json: every job once, exactly the documented fields, posted to the right channels', async () => {
  const env = alertEnv(config, '2026-07-20T09:00:00Z');
  const sink = fakePost();
  try {
    await seed(env);
    const { out, io: cio } = io();
    const code = await runAlertsCommand(['run', '--json'], env.services, sink.post, cio);
    assert.equal(code, 0, out.stderr);
    const doc = JSON.parse(out.stdout) as JsonDoc;
    assert.equal(doc.now, '2026-07-20T09:00:00.000Z');
    assert.deepEqual(
      doc.alerts.map((a) => [a.key, a.kind, a.channel, a.status]),
      [
        ['retirement:deepseek/deepseek-chat@2026-07-24T15:59:00.000Z:d7', 'retirement', ALERTS_CHANNEL, 'sent'],
        ['budget:daily:2026-07-20:50', 'budget', ALERTS_CHANNEL, 'sent'],
        ['spend_report:2026-07-13..2026-07-19', 'spend_report', REPORTS_CHANNEL, 'sent'],
      ],
    );
    for (const a of doc.alerts) assert.equal(typeof a.text, 'string');
    assert.match(doc.alerts[2]!.text, /^Weekly spend report 2026-07-13\.\.2026-07-19 \(UTC\): \$2\.50 over 2 requests/);
    assert.deepEqual(doc.jobs.map((j) => [j.name, j.status]), [
      ['deprecations', 'ok'],
      ['prices', 'ok'],
      ['budgets', 'ok'],
      ['spend_report', 'ok'],
      ['routecheck', 'skipped'],
      ['cost_drift', 'ok'],
      ['balances', 'ok'],
      ['gateway', 'ok'],
    ]);
    // The report is the /spend last-week Reply, as Block Kit.
    const report = sink.delivered.find((d) => d.channel === REPORTS_CHANNEL)!;
    assert.equal(report.message.blocks[0]?.type, 'header');
    assert.match(JSON.stringify(report.message.blocks), /Spend last-week by provider \(2026-07-13 → 2026-07-19, UTC\)/);
    assert.ok(report.message.blocks.some((b) => b.type === 'table'));

    // Run again: nothing new.
    const again = io();
    assert.equal(await runAlertsCommand(['run', '--json'], env.services, sink.post, again.io), 0);
    assert.deepEqual((JSON.parse(again.out.stdout) as JsonDoc).alerts, []);
    assert.equal(sink.delivered.length, 3);
  } finally {
    env.cleanup();
  }
});

test('--dry-run prints what would be posted and records nothing', async () => {
  const env = alertEnv(config, '2026-07-20T09:00:00Z');
  const sink = fakePost();
  try {
    await seed(env);
    const { out, io: cio } = io();
    assert.equal(await runAlertsCommand(['run', '--dry-run'], env.services, sink.post, cio), 0);
    assert.match(out.stdout, /Alert checks at 2026-07-20T09:00:00\.000Z \(timezone UTC\), dry run:/);
    assert.match(out.stdout, /\[retirement\] to C0ALERTS, would post: retirement:deepseek\/deepseek-chat@2026-07-24T15:59:00\.000Z:d7/);
    assert.match(out.stdout, /\[spend_report\] to C0FINANCE, would post: spend_report:2026-07-13\.\.2026-07-19/);
    assert.match(out.stdout, /routecheck: skipped: schedules\.routecheck is null/);
    assert.match(out.stdout, /Dry run: nothing was recorded or posted\./);
    assert.equal(sink.attempts, 0);
    assert.equal((await new AlertOutbox(env.services.store.alerts, env.services.log).pending()).length, 0);
    assert.equal(peekDb(env.dbPath, (db) => db.prepare('SELECT COUNT(*) FROM sent_alerts').pluck().get()), 0);
  } finally {
    env.cleanup();
  }
});

test('--now runs as of that time; without Slack the alerts wait in the outbox', async () => {
  const env = alertEnv(config, '2030-01-01T00:00:00Z');
  try {
    await seed(env);
    const { out, io: cio } = io();
    assert.equal(await runAlertsCommand(['run', '--now', '2026-06-24T09:00:00Z'], env.services, null, cio), 0, out.stderr);
    assert.match(out.stdout, /\[retirement\] to C0ALERTS, queued in the outbox: retirement:deepseek\/deepseek-chat@2026-07-24T15:59:00\.000Z:d30/);
    assert.match(out.stdout, /recorded in the outbox: Slack is not configured here, so the running bot will post/);
    const pending = await new AlertOutbox(env.services.store.alerts, env.services.log).pending();
    assert.deepEqual(pending.map((p) => p.key), ['retirement:deepseek/deepseek-chat@2026-07-24T15:59:00.000Z:d30', 'spend_report:2026-06-15..2026-06-21']);

    // The next run that can post delivers them.
    const sink = fakePost();
    const later = io();
    assert.equal(await runAlertsCommand(['run', '--now', '2026-06-24T09:30:00Z', '--json'], env.services, sink.post, later.io), 0);
    const laterDoc = JSON.parse(later.out.stdout) as JsonDoc & { outbox_retried: string[] };
    assert.deepEqual(laterDoc.alerts, []);
    assert.deepEqual(laterDoc.outbox_retried, pending.map((p) => p.key));
    assert.deepEqual(sink.delivered.map((d) => d.channel), [ALERTS_CHANNEL, REPORTS_CHANNEL]);

    // A day means its start in the configured timezone.
    const day = io();
    assert.equal(await runAlertsCommand(['run', '--now=2026-07-17', '--json', '--dry-run'], env.services, null, day.io), 0);
    assert.equal((JSON.parse(day.out.stdout) as JsonDoc).now, '2026-07-17T00:00:00.000Z');
  } finally {
    env.cleanup();
  }
});

test('bad usage exits 2', async () => {
  const env = alertEnv(config, '2026-07-20T09:00:00Z');
  try {
    for (const argv of [['run', '--now', 'yesterday'], ['run', '--now', '2026-07-17T09:00:00'], ['run', '--now'], ['run', '--now', '2026-02-30'], ['run', '--verbose'], ['list']]) {
      const { out, io: cio } = io();
      assert.equal(await runAlertsCommand(argv, env.services, null, cio), 2, argv.join(' '));
      assert.match(out.stderr, /Usage: routeops alerts run/);
      assert.equal(out.stdout, '');
    }
  } finally {
    env.cleanup();
  }
});

test('a channel that is not configured turns its alerts off, and says so', async () => {
  const env = alertEnv({ ...config, slack: { alerts_channel: ALERTS_CHANNEL } }, '2026-07-20T09:00:00Z');
  try {
    await seed(env);
    const { out, io: cio } = io();
    assert.equal(await runAlertsCommand(['run', '--json'], env.services, null, cio), 0);
    const doc = JSON.parse(out.stdout) as JsonDoc;
    assert.ok(!doc.alerts.some((a) => a.kind === 'spend_report'));
    assert.deepEqual(doc.jobs.find((j) => j.name === 'spend_report'), {
      name: 'spend_report',
      status: 'skipped',
      alerts: 0,
      reason: 'slack.reports_channel is not set in the config, so spend_report alerts are off',
    });
  } finally {
    env.cleanup();
  }
});

test('a failing job exits 1 and does not stop the others', async () => {
  const env = alertEnv(config, '2026-07-20T09:00:00Z');
  const sink = fakePost();
  try {
    await seed(env);
    const broken: AlertJob = { name: 'prices', channel: 'alerts', run: () => Promise.reject(new Error('OpenRouter /models answered 503')) };
    const { out, io: cio } = io();
    const code = await runAlertsCommand(['run'], env.services, sink.post, cio, { jobs: alertJobs([broken]) });
    assert.equal(code, 1);
    assert.match(out.stdout, /prices: FAILED: OpenRouter \/models answered 503/);
    assert.match(out.stdout, /deprecations: 1 alert/);
    assert.match(out.stdout, /spend_report: 1 alert/);
    assert.doesNotMatch(out.stdout, /prices: no job registered/);
    assert.equal(sink.delivered.length, 3);
  } finally {
    env.cleanup();
  }
});
