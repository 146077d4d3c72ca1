// Alerts with several routeops processes on one PostgreSQL database, posted to the fake Slack:
// three replicas whose scheduler fires the same job every 2 seconds, and three `routeops alerts
// run` started at once. A tick runs on one replica (the job's lease, src/features/alerts/job-lease.ts),
// an alert is recorded once under its key and claimed row by row before it is posted
// (src/features/alerts/delivery.ts): each alert key reaches Slack exactly once, none is left pending.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clip, escapeMrkdwn } from '../../src/adapters/slack/escape.js';
import type { BotProcess, LogLine } from '../support/bot-process.js';
import { rigConfig, until } from '../support/fault-rig.js';
import { withPg } from '../support/pg-ledger-invariants.js';
import { tempPg } from '../support/postgres.js';
import { startReplicaRig, type ReplicaRig } from '../support/replicas.js';
import type { Simulator } from '../support/sim.js';

const CHANNEL = 'C0ALERTS';
const DAY_MS = 86_400_000;
const ROUTES = [
  { alias: 'flash', provider: 'deepseek', model: 'deepseek-v4-flash' },
  { alias: 'plus', provider: 'qwen-intl', model: 'qwen-plus' },
  { alias: 'kimi', provider: 'moonshot', model: 'kimi-k2.5' },
];

/** Three routed models, each retiring in 10 days: the deprecations job has one alert per model (its 30-day notice). */
function alertsConfig(sim: Simulator, deprecations: string) {
  const at = new Date(Math.ceil((Date.now() + 10 * DAY_MS) / 60_000) * 60_000).toISOString();
  return rigConfig(sim, {
    default_model: 'flash',
    models: Object.fromEntries(ROUTES.map((r) => [r.alias, { routes: [{ provider: r.provider, model: r.model }] }])),
    retirements: ROUTES.map((r) => ({ provider: r.provider, model: r.model, at })),
    slack: { alerts_channel: CHANNEL },
    schedules: { deprecations, prices: null, budgets: null, spend_report: null, routecheck: null, cost_drift: null, balances: null },
  });
}

type AlertRow = { key: string; text: string; sent_at: string | null };
const alertRows = (url: string) => withPg(url, (db) => db.query<AlertRow>('SELECT key, text, sent_at FROM sent_alerts ORDER BY key COLLATE "C"'));

/** Each recorded alert was sent, and Slack got each one's message exactly once (and nothing else in the channel). */
async function assertPostedOnce(rig: ReplicaRig, url: string): Promise<AlertRow[]> {
  const rows = await alertRows(url);
  assert.equal(rows.filter((r) => r.key.startsWith('retirement:')).length, ROUTES.length, `one retirement alert per model: ${rows.map((r) => r.key).join(', ')}`);
  assert.deepEqual(rows.filter((r) => r.sent_at === null).map((r) => r.key), [], 'none left pending');
  const posts = rig.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === CHANNEL);
  const timesPosted = rows.map((r) => [r.key, posts.filter((p) => p.body.text === clip(escapeMrkdwn(r.text), 3000)).length]);
  assert.deepEqual(timesPosted, rows.map((r) => [r.key, 1]), 'each alert key posted exactly once');
  assert.equal(posts.length, rows.length, 'no other post');
  return rows;
}

const isDeprecationsTick = (l: LogLine) =>
  l.job === 'deprecations' && ['alert job finished', 'alert job already ran for this time; skipped', 'alert job is running in another process; this run is skipped'].includes(l.msg);

/** Resolves once the replica logged a deprecations tick it handled after the first `mark` lines. */
const laterTick = (bot: BotProcess, mark: number) => bot.waitForLog((l) => isDeprecationsTick(l) && bot.logs.indexOf(l) >= mark, 'a later deprecations tick');

test('three replicas running the scheduler on one database: each alert is posted exactly once, through ticks that keep firing, and none is left pending', { timeout: 60_000 }, async (t) => {
  const pg = await tempPg(t);
  const rig = await startReplicaRig(t, { databaseUrl: pg.url, slack: true, config: (sim) => alertsConfig(sim, '*/2 * * * * *') });
  const replicas = await Promise.all([0, 1, 2].map((i) => rig.start(i)));

  // The first tick after the start-up baseline posts them (whichever replica holds the lease).
  await until(() => rig.slack.calls.filter((c) => c.method === 'chat.postMessage').length >= ROUTES.length);
  // Every replica handles two more ticks of the job: later runs find the alerts recorded.
  for (let round = 0; round < 2; round++) {
    const marks = replicas.map((b) => b.logs.length);
    await Promise.all(replicas.map((b, i) => laterTick(b, marks[i]!)));
  }
  const runs = replicas.flatMap((b) => b.logs.filter((l) => l.job === 'deprecations' && l.msg === 'alert job finished'));
  assert.ok(runs.length >= 2, 'the job ran again after posting');
  assert.equal(runs.reduce((n, l) => n + (l.alerts as number), 0), ROUTES.length, 'the alerts were recorded by one run of one replica');
  t.diagnostic(`runs per replica: ${replicas.map((b) => b.logs.filter((l) => l.job === 'deprecations' && l.msg === 'alert job finished').length).join(', ')}; skipped (lease held elsewhere or tick done): ${replicas.map((b) => b.logs.filter((l) => isDeprecationsTick(l) && l.msg !== 'alert job finished').length).join(', ')}`);
  await assertPostedOnce(rig, pg.url);
  for (const b of replicas) assert.deepEqual(await b.kill('SIGTERM'), { code: 0, signal: null });
  assert.equal(rig.slack.calls.filter((c) => c.method === 'chat.postMessage').length, ROUTES.length, 'the stops posted nothing again');
});

test('three `routeops alerts run` at once on one database: each alert key is recorded by one of them and posted exactly once', { timeout: 60_000 }, async (t) => {
  const pg = await tempPg(t);
  const rig = await startReplicaRig(t, { databaseUrl: pg.url, slack: true, config: (sim) => alertsConfig(sim, '0 9 * * *') });
  const now = new Date().toISOString();
  const runs = await Promise.all([0, 1, 2].map((i) => rig.cli(['alerts', 'run', '--now', now, '--json'], i)));
  const docs = runs.map((r) => {
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { alerts: Array<{ key: string; status: string }> };
  });
  const recorded = docs.flatMap((d) => d.alerts.map((a) => a.key)).sort();
  t.diagnostic(`alerts recorded per run: ${docs.map((d) => d.alerts.length).join(', ')}`);
  const rows = await assertPostedOnce(rig, pg.url);
  assert.deepEqual(recorded, rows.map((r) => r.key), 'each key recorded by exactly one of the runs');
});
