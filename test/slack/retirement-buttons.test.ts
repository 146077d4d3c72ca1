// deepseek-v4-flash -> deepseek-flash end to end: the real routeops (Bolt over signed HTTP, the
// fake Slack Web API, SQLite) with every provider on the simulator; DeepSeek's /models listing
// changes between fetches of the real prices job (provider_models), the retirement proposal's
// alert is posted with its buttons, a click on Apply (a signed block_actions payload, as in
// test/slack/price-buttons.test.ts) applies it, and the next /ask of the alias is answered by
// deepseek-flash.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import bolt from '@slack/bolt';
import { startTestApp, SIGNING_SECRET, type TestApp } from '../support/app.js';
import { postSigned, slashCommandBody } from '../support/slack-request.js';
import type { StoredMessage } from '../support/fake-slack.js';
import { postClick } from '../support/block-actions.js';
import { chatRequests, startSim, type Simulator } from '../support/sim.js';
import { simProviders, SIM_KEYS } from '../support/sim-config.js';
import { pricesJob } from '../../src/features/alerts/jobs/prices.js';
import { slackPoster } from '../../src/adapters/slack/alert-poster.js';

const ALERTS = 'C0ALERTS';
const PRICER = 'U0PRICER';
const BEFORE = ['deepseek-v4-flash', 'deepseek-v4-pro'];
const AFTER = ['deepseek-flash', 'deepseek-v4-pro'];

interface Env {
  t: TestApp;
  sim: Simulator;
  /** Sets DeepSeek's listing, runs the prices job at `at` and posts its alert; returns the message (or null). */
  fetch(listing: readonly string[], at: string): Promise<StoredMessage | null>;
}

async function env(ctx: TestContext): Promise<Env> {
  const sim = await startSim(ctx);
  const { 'deepseek-retry': _retry, 'qwen-nokey': _nokey, ...providers } = simProviders(sim);
  const t = await startTestApp({
    owner: ctx,
    now: '2026-11-23T12:00:00Z',
    env: SIM_KEYS,
    config: {
      timezone: 'UTC',
      providers,
      models: { 'legacy-flash': { routes: [{ provider: 'deepseek', model: 'deepseek-v4-flash' }] } },
      slack: { alerts_channel: ALERTS },
      access: { prices: [PRICER] },
      catalog: { provider_models: true },
    },
  });
  const poster = slackPoster(new bolt.webApi.WebClient('xoxb-test-token', { slackApiUrl: t.slack.apiUrl, retryConfig: { retries: 0 } }));
  return {
    t,
    sim,
    async fetch(listing, at) {
      sim.setModels('deepseek', listing);
      const [alert] = await pricesJob.run(t.app.services, new Date(at));
      if (!alert) return null;
      await poster(alert);
      return t.slack.messages.at(-1)!;
    },
  };
}

/** Clicks `actionId` on the proposal's buttons of `message` as `user`. */
async function click(t: TestApp, message: StoredMessage, actionId: 'price.apply' | 'price.ignore', id: number, user: string): Promise<number> {
  return (await postClick(t, message, user, { id: actionId, blockId: `price_proposal:${id}`, value: String(id) })).status;
}

const texts = (blocks: unknown) => (blocks as Array<{ type: string; block_id?: string; text?: { text: string } }>).map((b) => (b.type === 'actions' ? `[buttons ${b.block_id}]` : (b.text?.text ?? `[${b.type}]`)));

/** Sends /ask and resolves with the channel message once its final rendering (with the footer) landed. */
async function slashAsk(t: TestApp, text: string): Promise<string> {
  const before = t.slack.messages.length;
  const res = await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/ask', text, user_id: 'U0ENG1', channel_id: 'C0ENG', response_url: `${t.slack.baseUrl}/respond/${randomUUID()}` }));
  assert.equal(res.status, 200);
  const answer = () => t.slack.messages.slice(before).find((m) => m.channel === 'C0ENG' && !m.thread_ts);
  await t.slack.waitFor('chat.update', (c) => c.body.ts === answer()?.ts && (c.body.blocks as Array<{ type: string }> | undefined)?.at(-1)?.type === 'context');
  return JSON.stringify(answer()!.blocks);
}

void test('deepseek-v4-flash renamed deepseek-flash in DeepSeek’s /models: proposed, applied by a Slack click, and /ask goes to deepseek-flash', async (ctx) => {
  const e = await env(ctx);
  const s = e.t.app.services;
  // Before: the alias is answered by deepseek-v4-flash.
  assert.match(await slashAsk(e.t, '--model legacy-flash before the rename'), /legacy-flash · deepseek\/deepseek-v4-flash/);

  assert.equal(await e.fetch(BEFORE, '2026-11-22T00:00:00Z'), null);
  assert.equal(await e.fetch(AFTER, '2026-11-22T06:00:00Z'), null, 'gone once is not gone');
  const message = await e.fetch(AFTER, '2026-11-23T00:00:00Z');
  const [p] = (await s.store.proposals.list()).filter((x) => x.kind === 'retirement');
  assert.ok(message && p);
  assert.equal(p.model, 'deepseek-v4-flash');
  const lines = texts(message.blocks).join('\n');
  assert.match(lines, /deepseek\/deepseek-v4-flash retirement from models:deepseek, at 2026-11-22 06:00 UTC \(gone from deepseek's \/models since 2026-11-22 06:00 UTC\): replacement deepseek-flash/);
  assert.match(lines, /aliases still on it: .*legacy-flash \(route 1 of 1\)/);
  assert.match(lines, /last 7 days \(2026-11-17\.\.2026-11-23\): 1 call, (&lt;)?\$\d/, 'the /ask before the rename');
  assert.ok(texts(message.blocks).includes(`[buttons price_proposal:${p.id}]`));

  assert.equal(await click(e.t, message, 'price.apply', p.id, PRICER), 200);
  await e.t.slack.waitFor('chat.update', (c) => c.body.ts === message.ts);
  const after = texts(e.t.slack.messages.find((m) => m.ts === message.ts)!.blocks);
  assert.ok(!after.includes(`[buttons price_proposal:${p.id}]`), 'the buttons are gone');
  assert.ok(
    after.some((l) => l.startsWith(`Applied by <@${PRICER}> at 2026-11-23 12:00 UTC: retirement of deepseek/deepseek-v4-flash at 2026-11-22 06:00 UTC, replacement deepseek-flash; aliases still on it: `)),
    after.join('\n'),
  );
  assert.equal((await s.store.proposals.history())[0]?.by, PRICER);

  // After: the same alias is answered by deepseek-flash, and the footer says why.
  const from = e.sim.requests.length;
  const answer = await slashAsk(e.t, '--model legacy-flash after the rename');
  assert.match(answer, /Simulated deepseek answer to: after the rename/);
  assert.match(answer, /legacy-flash · deepseek\/deepseek-flash/);
  assert.match(answer, /deepseek-v4-flash retired 2026-11-22, answered by deepseek-flash/);
  assert.deepEqual(
    chatRequests(e.sim, 'deepseek', from).map((r) => (r.body as { model: string }).model),
    ['deepseek-flash'],
  );
});
