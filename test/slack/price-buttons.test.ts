// The Apply / Ignore buttons of a price-proposal alert, through the real Bolt app over signed
// HTTP: a proposal made by the real prices job from an OpenRouter listing file (as
// test/prices/proposals.test.ts does), its alert posted to the fake Slack, then block_actions
// payloads as Slack sends them on a click (form-encoded `payload=`, signed like events).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import bolt from '@slack/bolt';
import { startTestApp, type TestApp } from '../support/app.js';
import { tempDir } from '../support/temp.js';
import { postClick } from '../support/block-actions.js';
import type { RecordedCall, StoredMessage } from '../support/fake-slack.js';
import { pricesJob } from '../../src/features/alerts/jobs/prices.js';
import { slackPoster } from '../../src/adapters/slack/alert-poster.js';

const MODEL = 'acme/widget-1';
const ALERTS = 'C0ALERTS';
const PRICER = 'U0PRICER';
const perToken = (usdPerM: number) => (usdPerM / 1e6).toFixed(12).replace(/0+$/, '');
const listing = (prices: Record<string, [number, number]>) =>
  JSON.stringify({
    data: Object.entries({ 'acme/other': [1, 1] as [number, number], ...prices }).map(([id, [i, o]]) => ({ id, context_length: 100_000, pricing: { prompt: perToken(i), completion: perToken(o), request: '0' } })),
  });

interface Env {
  t: TestApp;
  /** Writes the listing, runs the prices job at `at` and posts its alert to the fake Slack; returns the message. */
  announce(prices: Record<string, [number, number]>, at: string): Promise<StoredMessage | null>;
  /** Clicks a button of `message` as `user`; resolves once acked, with the click's response_url path. */
  click(message: StoredMessage, actionId: 'price.apply' | 'price.ignore' | 'price_apply' | 'price_ignore', proposalId: number, user: string, opts?: { tamper?: (b: string) => string }): Promise<{ status: number; respondPath: string }>;
  costs(): Promise<Array<[string, number | null]>>;
}

async function env(ctx: TestContext): Promise<Env> {
  const tmp = tempDir('routeops-buttons-', ctx);
  const file = tmp.file('openrouter.json');
  writeFileSync(file, listing({}));
  const t = await startTestApp({
    owner: ctx,
    now: '2026-03-01T00:00:00Z',
    config: { timezone: 'UTC', slack: { alerts_channel: ALERTS }, access: { prices: [PRICER] }, catalog: { sources: { openrouter: file }, auto_apply: [] } },
  });
  const s = t.app.services;
  // 1M input + 1M output tokens, twice: at $2 + $6 per million, $8 a row once priced.
  for (const [ts, id] of [['2026-02-10T12:00:00Z', 'a'], ['2026-02-20T12:00:00Z', 'b']] as const) {
    await s.ledger.record([{ ts, provider: 'openrouter', model: MODEL, input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 1_000_000, reasoning_tokens: 0, request_id: id }], 'import');
  }
  const poster = slackPoster(new bolt.webApi.WebClient('xoxb-test-token', { slackApiUrl: t.slack.apiUrl, retryConfig: { retries: 0 } }));
  return {
    t,
    async announce(prices, at) {
      writeFileSync(file, listing(prices));
      const [alert] = await pricesJob.run(s, new Date(at));
      if (!alert) return null;
      await poster(alert);
      return t.slack.messages.at(-1)!;
    },
    click: (message, actionId, proposalId, user, opts) => postClick(t, message, user, { id: actionId, blockId: `price_proposal:${proposalId}`, value: String(proposalId) }, opts),
    costs: async () => (await s.ledger.recentRows(100)).map((r) => [r.request_id, r.cost_nusd] as [string, number | null]).sort(),
  };
}

const updates = (t: TestApp) => t.slack.calls.filter((c) => c.method === 'chat.update');
/** The nth chat.update (1-based), made or to come. */
const nthUpdate = (t: TestApp, n: number) => t.slack.waitFor('chat.update', (c) => updates(t).indexOf(c) === n - 1);
const respondedAt = (t: TestApp, path: string) => t.slack.waitFor('response_url', (c) => c.path === path);
const texts = (blocks: unknown) => (blocks as Array<{ type: string; block_id?: string; text?: { text: string } }>).map((b) => (b.type === 'actions' ? `[buttons ${b.block_id}]` : (b.text?.text ?? `[${b.type}]`)));

async function proposalAlert(e: Env): Promise<{ message: StoredMessage; id: number }> {
  const message = await e.announce({ [MODEL]: [2, 6] }, '2026-03-01T00:00:00Z');
  const [p] = await e.t.app.services.store.proposals.list();
  assert.ok(message && p, 'the prices job announced a proposal');
  return { message, id: p.id };
}

void test('the proposal alert carries Apply and Ignore buttons whose value is the proposal id', async (ctx) => {
  const e = await env(ctx);
  const { message, id } = await proposalAlert(e);
  const actions = (message.blocks as Array<{ type: string; block_id?: string; elements?: Array<{ action_id: string; value: string; text: { text: string } }> }>).find((b) => b.type === 'actions');
  assert.equal(actions?.block_id, `price_proposal:${id}`);
  assert.deepEqual(
    actions?.elements?.map((b) => [b.action_id, b.value, b.text.text]),
    [
      ['price.apply', String(id), 'Apply'],
      ['price.ignore', String(id), 'Ignore'],
    ],
  );
});

void test('clicking Apply re-prices the ledger, audits the Slack user and replaces the buttons in the alert with what was done', async (ctx) => {
  const e = await env(ctx);
  const { message, id } = await proposalAlert(e);
  assert.deepEqual(await e.costs(), [['a', null], ['b', null]]);
  assert.equal((await e.click(message, 'price.apply', id, PRICER)).status, 200);
  const update = await nthUpdate(e.t, 1);
  assert.deepEqual(await e.costs(), [['a', 8_000_000_000], ['b', 8_000_000_000]]);
  const [audit] = await e.t.app.services.store.proposals.history();
  assert.equal(audit?.by, PRICER);
  assert.equal(audit?.action, 'applied');
  assert.equal(update.body.channel, ALERTS);
  assert.equal(update.body.ts, message.ts);
  const lines = texts(e.t.slack.messages.find((m) => m.ts === message.ts)!.blocks);
  assert.ok(!lines.includes(`[buttons price_proposal:${id}]`), 'the buttons are gone');
  assert.ok(lines.includes(`Applied by <@${PRICER}> at 2026-03-01 00:00 UTC: re-priced 2 rows of openrouter/acme/widget-1 since 2026-02-10 12:00 UTC: $0.00 → $16.00, +$16.00`), lines.join('\n'));
});

void test('an alert posted before the ids became price.apply / price.ignore still works: its price_apply applies', async (ctx) => {
  const e = await env(ctx);
  const { message, id } = await proposalAlert(e);
  assert.equal((await e.click(message, 'price_apply', id, PRICER)).status, 200);
  await nthUpdate(e.t, 1);
  assert.deepEqual(await e.costs(), [['a', 8_000_000_000], ['b', 8_000_000_000]]);
  assert.equal((await e.t.app.services.store.proposals.history())[0]?.action, 'applied');
  const [audited] = await e.t.app.services.store.actions.since(0, 10);
  assert.deepEqual([audited?.user, audited?.action, audited?.value, audited?.outcome], [PRICER, 'price_apply', String(id), 'done']);
  assert.match(audited!.detail!, /re-priced 2 rows/);
});

void test('a double click applies once: the second click is told it was already applied', async (ctx) => {
  const e = await env(ctx);
  const { message, id } = await proposalAlert(e);
  await e.click(message, 'price.apply', id, PRICER);
  await nthUpdate(e.t, 1);
  // The second click comes from the message as the clicker still saw it, buttons and all.
  const second = await e.click(message, 'price.apply', id, PRICER);
  const told = await respondedAt(e.t, second.respondPath);
  assert.equal(told.body.response_type, 'ephemeral');
  assert.match(String(told.body.text), new RegExp(`Proposal ${id} was already applied by <@${PRICER}>`));
  assert.equal((await e.t.app.services.store.proposals.history()).length, 1, 'one audit entry');
  assert.deepEqual(await e.costs(), [['a', 8_000_000_000], ['b', 8_000_000_000]]);
});

void test('a user outside access.prices is refused, only to them, and nothing changes', async (ctx) => {
  const e = await env(ctx);
  const { message, id } = await proposalAlert(e);
  const click = await e.click(message, 'price.apply', id, 'U0OUTSIDER');
  assert.equal(click.status, 200);
  const told: RecordedCall = await respondedAt(e.t, click.respondPath);
  assert.equal(told.body.response_type, 'ephemeral');
  assert.equal(told.body.replace_original, false);
  assert.match(String(told.body.text), /access\.prices/);
  assert.equal((await e.t.app.services.store.proposals.get(id))?.status, 'proposed');
  assert.deepEqual(await e.t.app.services.store.proposals.history(), []);
  assert.deepEqual(await e.costs(), [['a', null], ['b', null]]);
  assert.equal(updates(e.t).length, 0, 'the alert is not touched');
});

void test('clicking Ignore ignores the proposal: prices and rows unchanged, the alert says who ignored it', async (ctx) => {
  const e = await env(ctx);
  const { message, id } = await proposalAlert(e);
  await e.click(message, 'price.ignore', id, PRICER);
  await nthUpdate(e.t, 1);
  const s = e.t.app.services;
  assert.equal((await s.store.proposals.get(id))?.status, 'ignored');
  assert.equal((await s.store.proposals.history())[0]?.by, PRICER);
  assert.equal(s.catalog.priceAt('openrouter', MODEL, Date.parse('2026-03-01T00:00:00Z')), null);
  assert.deepEqual(await e.costs(), [['a', null], ['b', null]]);
  const lines = texts(e.t.slack.messages.find((m) => m.ts === message.ts)!.blocks);
  assert.ok(lines.includes(`Ignored by <@${PRICER}> at 2026-03-01 00:00 UTC: prices unchanged`), lines.join('\n'));
});

void test('a proposal its source has moved on from says so in the alert and applies nothing', async (ctx) => {
  const e = await env(ctx);
  const first = await proposalAlert(e);
  const s = e.t.app.services;
  await e.click(first.message, 'price.apply', first.id, PRICER);
  await nthUpdate(e.t, 1);
  // A change held two fetches (a proposal, announced), then the source shows another price.
  await e.announce({ [MODEL]: [3, 9] }, '2026-03-02T00:00:00Z');
  const message = await e.announce({ [MODEL]: [3, 9] }, '2026-03-03T00:00:00Z');
  const [q] = await s.store.proposals.list('proposed');
  assert.ok(message && q);
  await e.announce({ [MODEL]: [4, 12] }, '2026-03-04T00:00:00Z');
  const before = await e.costs();
  await e.click(message, 'price.apply', q.id, PRICER);
  await nthUpdate(e.t, 2);
  assert.equal((await s.store.proposals.get(q.id))?.status, 'proposed');
  assert.deepEqual(await e.costs(), before);
  const lines = texts(e.t.slack.messages.find((m) => m.ts === message.ts)!.blocks);
  assert.ok(lines.some((l) => l.startsWith(`Not applied (<@${PRICER}> at 2026-03-01 00:00 UTC): proposal ${q.id} no longer matches its source: openrouter now shows another price`)), lines.join('\n'));
});

void test('a click with a bad signature is refused (401) and nothing changes', async (ctx) => {
  const e = await env(ctx);
  const { message, id } = await proposalAlert(e);
  const click = await e.click(message, 'price.apply', id, PRICER, { tamper: (b) => b.replace('U0PRICER', 'U0PRICES') });
  assert.equal(click.status, 401);
  assert.equal((await e.t.app.services.store.proposals.get(id))?.status, 'proposed');
  assert.deepEqual(await e.costs(), [['a', null], ['b', null]]);
  assert.equal(updates(e.t).length, 0);
});
