// The Run route check button of a retirement alert (action id retirement.routecheck), through the
// real Bolt app over signed HTTP, with the providers on the simulator: the deprecations job's alert
// for deepseek-chat (retired 2026-07-24, replacement deepseek-v4-flash in the built-in catalog)
// posted to the fake Slack, then clicks as Slack sends them. The check runs once, its report in
// the alert's thread; someone outside access.routecheck is refused and nothing runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import bolt from '@slack/bolt';
import { slackPoster } from '../../src/adapters/slack/alert-poster.js';
import { deprecationsJob } from '../../src/features/alerts/jobs/deprecations.js';
import { routecheckJob, rerunValue } from '../../src/features/alerts/jobs/routecheck.js';
import { startTestApp } from '../support/app.js';
import { clickButton } from '../support/block-actions.js';
import type { StoredMessage } from '../support/fake-slack.js';
import { startSim } from '../support/sim.js';
import { simConfig, simProviders, SIM_KEYS } from '../support/sim-config.js';

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

  const click = (user: string) => clickButton(app, message, user, { id: 'retirement.routecheck', value: 'deepseek/deepseek-v4-flash' });
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

test('Re-run on a route-check regression: the failing route checked again once, its report in the thread, the button replaced by the outcome', async (t) => {
  const sim = await startSim(t);
  const app = await startTestApp({ owner: t, now: '2026-07-20T12:00:00Z', env: SIM_KEYS, config: simConfig(sim, { slack: { alerts_channel: ALERTS }, access: { routecheck: [OPS] } }) });
  const s = app.app.services;
  const now = new Date('2026-07-20T12:00:00Z');
  assert.deepEqual(await routecheckJob.run(s, now), [], 'a first healthy run has no changes');
  sim.setFaults('deepseek', { omitUsage: true });
  const [alert] = await routecheckJob.run(s, now);
  assert.ok(alert, 'the regression is an alert');
  await slackPoster(new bolt.webApi.WebClient('xoxb-test-token', { slackApiUrl: app.slack.apiUrl, retryConfig: { retries: 0 } }))(alert);
  const message: StoredMessage = app.slack.messages.at(-1)!;
  const actions = (message.blocks as Array<{ type: string; block_id?: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions' && b.block_id === 'routecheck.rerun')!;
  assert.deepEqual(actions.elements!.map((e) => e.action_id), ['routecheck.rerun']);
  // The routes on the simulator's deepseek profile regressed, each named once (the regression lines name the same ones).
  const value = actions.elements![0]!.value;
  const routes = value.split(' ');
  assert.ok(routes.includes('deepseek/deepseek-v4-flash'), value);
  assert.equal(new Set(routes).size, routes.length);
  for (const r of routes) assert.match(alert.reply!.body!, new RegExp(`REGRESSION ${r} `));

  const checks = () => sim.requests.filter((r) => r.profile === 'deepseek' && r.path.endsWith('/chat/completions')).length;
  const before = checks();
  const click = (user: string) => clickButton(app, message, user, { id: 'routecheck.rerun', value });
  const refused = await click('U0INTERN');
  assert.match(String((await app.slack.waitFor('response_url', (c) => c.path === refused)).body.text), /Only the people listed in access\.routecheck/);
  assert.equal(checks(), before, 'nothing ran for the refused click');
  sim.setFaults('deepseek', {});
  await click(OPS);
  const update = await app.slack.waitFor('chat.update');
  const ran = checks();
  assert.ok(ran > before, 'the route was checked again');
  const again = await click(OPS);
  assert.match(String((await app.slack.waitFor('response_url', (c) => c.path === again)).body.text), /already re-run from this alert/);
  assert.equal(checks(), ran, 'not run twice');
  const thread = app.slack.messages.filter((m) => m.channel === ALERTS && m.thread_ts === message.ts);
  assert.equal(thread.length, routes.length, 'one report per route');
  routes.forEach((r, i) => assert.ok(JSON.stringify(thread[i]!.blocks).includes(r), r));
  assert.match(JSON.stringify(update.body.blocks), new RegExp(`Re-run of ${routes.length} routes by <@U0OPS> at 2026-07-20 12:00 UTC: all passing \\(report in the thread\\)`));
  // Each click audited, refusals and the repeat included (routeops audit reads them).
  const audited = await s.store.actions.since(0, 10);
  assert.deepEqual(audited.map((a) => [a.user, a.action, a.outcome]), [['U0INTERN', 'routecheck.rerun', 'refused'], [OPS, 'routecheck.rerun', 'done'], [OPS, 'routecheck.rerun', 'already']]);
  assert.equal(audited[1]!.value, value);
  assert.equal(audited[1]!.message_ts, message.ts);
  assert.match(audited[1]!.detail!, /all passing/);
});

test('the Re-run value names each failing route once and falls back to all when they do not fit in a button', () => {
  assert.equal(rerunValue([{ provider: 'a', model: 'x' }, { provider: 'a', model: 'x' }, { provider: 'b', model: 'y' }]), 'a/x b/y');
  const many = Array.from({ length: 200 }, (_, i) => ({ provider: 'openrouter', model: `vendor/model-${i}` }));
  assert.equal(rerunValue(many), 'all');
});

test('a route check already running when the button is clicked: told so, nothing claimed, and a later click runs it', async (t) => {
  const sim = await startSim(t);
  // Short timeouts: the hung check below ends in about a second and a half, not half a minute.
  const app = await startTestApp({ owner: t, now: '2026-07-20T12:00:00Z', env: SIM_KEYS, config: simConfig(sim, { providers: simProviders(sim, { timeout_ms: 300 }), slack: { alerts_channel: ALERTS }, access: { routecheck: [OPS] } }) });
  const s = app.app.services;
  const alert = (await deprecationsJob.run(s, new Date('2026-07-20T12:00:00Z'))).find((a) => a.text.includes('deepseek-chat'))!;
  await slackPoster(new bolt.webApi.WebClient('xoxb-test-token', { slackApiUrl: app.slack.apiUrl, retryConfig: { retries: 0 } }))(alert);
  const message: StoredMessage = app.slack.messages.at(-1)!;
  const click = () => clickButton(app, message, OPS, { id: 'retirement.routecheck', value: 'deepseek/deepseek-v4-flash' });

  sim.setFaults('deepseek', { hang: true });
  // Someone's /routecheck of the same target holds it (the lock is taken as run() is called).
  const running = s.routecheck.run({ target: 'deepseek/deepseek-v4-flash', user: 'U0OTHER' });
  const busy = await click();
  assert.match(String((await app.slack.waitFor('response_url', (c) => c.path === busy)).body.text), /already running .* Nothing ran: try again later\./);
  await running;
  assert.equal(app.slack.messages.filter((m) => m.thread_ts === message.ts).length, 0, 'nothing in the thread');
  sim.setFaults('deepseek', {});
  await click();
  await app.slack.waitFor('chat.update');
  assert.equal(app.slack.messages.filter((m) => m.thread_ts === message.ts).length, 1, 'the later click ran the check');
  assert.deepEqual((await s.store.actions.since(0, 10)).map((a) => a.outcome), ['failed', 'done']);
});

test('Re-run with more failing routes than a thread takes reports one check of every route', async (t) => {
  const sim = await startSim(t);
  const app = await startTestApp({ owner: t, now: '2026-07-20T12:00:00Z', env: SIM_KEYS, config: simConfig(sim, { slack: { alerts_channel: ALERTS }, access: { routecheck: [OPS] } }) });
  const poster = slackPoster(new bolt.webApi.WebClient('xoxb-test-token', { slackApiUrl: app.slack.apiUrl, retryConfig: { retries: 0 } }));
  const value = Array.from({ length: 11 }, (_, i) => `deepseek/model-${i}`).join(' ');
  await poster({ channel: ALERTS, text: 'Route check: 11 regressions', reply: { kind: 'result', title: 'Route check changes', summary: '11 regressions', decisions: [{ id: 'routecheck.rerun', text: 'Again?', choices: [{ action: 'routecheck.rerun', label: 'Re-run', value }] }] } });
  const message: StoredMessage = app.slack.messages.at(-1)!;
  // The deepseek profile's routes fail (no usage in streams): the outcome counts routes, not the one check.
  sim.setFaults('deepseek', { omitUsage: true });
  await clickButton(app, message, OPS, { id: 'routecheck.rerun', value });
  const update = await app.slack.waitFor('chat.update');
  const thread = app.slack.messages.filter((m) => m.thread_ts === message.ts);
  assert.equal(thread.length, 1, 'one report');
  assert.match(JSON.stringify(thread[0]!.blocks), /deepseek\/deepseek-v4-flash/);
  const outcome = /Re-run of all by <@U0OPS> at [^:]+:\d\d UTC: (\d+) passing, (\d+) still failing/.exec(JSON.stringify(update.body.blocks));
  assert.ok(outcome, JSON.stringify(update.body.blocks));
  assert.ok(Number(outcome[2]) > 1 && Number(outcome[1]) > 0, outcome[0]);
});
