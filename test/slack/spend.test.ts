// The real Bolt app over HTTP: signed /spend commands in, Block Kit out to the fake Slack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestApp, SIGNING_SECRET, INGEST_TOKEN, type TestApp } from '../support/app.js';
import type { CleanupOwner } from '../support/temp.js';
import { postSigned, slashCommandBody } from '../support/slack-request.js';
import type { RecordedCall } from '../support/fake-slack.js';

const CONFIG = { timezone: 'UTC', access: { spend: ['U0CFO'] }, budgets: { daily: 50, monthly: 1000 } };

/** The app on an empty ledger of its own, stopped when the test `owner` ends. */
const startSpendApp = (owner?: CleanupOwner) => startTestApp({ config: CONFIG, owner });

// The app whose ledger holds `rows` (ingested once, below), shared by the tests that only read
// it; the tests that need an empty ledger or write to it start their own.
let t: TestApp;

before(async () => {
  t = await startSpendApp();
  const res = await fetch(`${t.url}/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${INGEST_TOKEN}` }, body: jsonl });
  if (res.status !== 200) throw new Error(`set-up ingest failed: ${res.status} ${await res.text()}`);
});
after(() => t.close());

/** Sends a signed /spend to `app` and returns what Slack received on the response_url. */
const slashTo =
  (app: TestApp) =>
  async (command: string, text: string, user = 'U0CFO'): Promise<RecordedCall> => {
    const id = randomUUID();
    const res = await postSigned(`${app.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command, text, user_id: user, response_url: `${app.slack.baseUrl}/respond/${id}` }));
    assert.equal(res.status, 200, 'the command is acked');
    return app.slack.waitFor('response_url', (c) => c.path === `/respond/${id}`);
  };
/** The same, to the shared app. */
const slash = (command: string, text: string, user?: string) => slashTo(t)(command, text, user);

type Block = { type: string; text?: { text: string }; rows?: Array<Array<{ text: string }>>; fields?: Array<{ text: string }>; elements?: Array<{ text: string }> };
const blocksOf = (c: RecordedCall) => c.body.blocks as Block[];
const allText = (c: RecordedCall) => JSON.stringify(c.body);

const rows = [
  // deepseek-v4-flash, billed as deepseek-flash since 2026-09-10: Friday 12:00 UTC is off-peak, 0.15 in / 0.60 out = $0.75.
  { ts: '2026-11-20T12:00:00Z', provider: 'deepseek', model: 'deepseek-v4-flash', input_tokens: 1_000_000, output_tokens: 1_000_000, user: 'U0ENG1', request_id: 'r1', route: 'deepseek-v4-flash' },
  // 02:00 UTC is a peak hour on weekdays only: Saturday is off-peak, 0.15 per M input = $0.15.
  { ts: '2026-11-21T02:00:00Z', provider: 'deepseek', model: 'deepseek-v4-flash', input_tokens: 1_000_000, output_tokens: 0, user: 'U0ENG2', request_id: 'r2', route: 'deepseek-v4-flash' },
  // qwen-plus below its 128K tier: 100k in at 0.40/M + 1M out at 1.20/M = $1.24.
  { ts: '2026-11-22T12:00:00Z', provider: 'qwen-intl', model: 'qwen-plus', input_tokens: 100_000, output_tokens: 1_000_000, user: 'U0ENG1', request_id: 'r3', route: 'qwen-plus' },
  // Not in the catalog, but OpenRouter reported its cost.
  { ts: '2026-11-23T08:00:00Z', provider: 'openrouter', model: 'qwen/qwen-plus', input_tokens: 10, output_tokens: 10, cost_usd: 0.25, user: 'U0ENG2', request_id: 'r4', route: 'qwen-plus' },
  // Not priced at all.
  { ts: '2026-11-23T09:00:00Z', provider: 'openrouter', model: 'mystery/model', input_tokens: 10, output_tokens: 10, user: 'U0ENG2', request_id: 'r5' },
];
const jsonl = rows.map((r) => JSON.stringify(r)).join('\n');

test('healthz answers once started', async () => {
  const res = await fetch(`${t.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true });
});

test('an empty ledger gives a helpful report, not an error', async (ctx) => {
  const slash = slashTo(await startSpendApp(ctx));
  const call = await slash('/spend', 'week');
  // access.spend names who may see spend: the figures go to the caller only.
  assert.equal(call.body.response_type, 'ephemeral');
  assert.match(allText(call), /ledger is empty/);
  assert.match(allText(call), /routeops ledger import FILE/);
});

test('ingest needs the bearer token, rejects bad lines whole, and is idempotent', async (ctx) => {
  const t = await startSpendApp(ctx);
  const post = (body: string, token?: string) =>
    fetch(`${t.url}/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
  assert.equal((await post(jsonl)).status, 401);
  assert.equal((await post(jsonl, 'wrong-token-wrong-token')).status, 401);

  const bad = `${JSON.stringify(rows[0])}\n{"ts":"2026-11-20T12:00:00Z","provider":"deepseek","model":"x","input_tokens":-3}\n`;
  const badRes = await post(bad, INGEST_TOKEN);
  assert.equal(badRes.status, 400);
  const badBody = (await badRes.json()) as { lines: Array<{ line: number; message: string }> };
  assert.equal(badBody.lines[0]?.line, 2);
  assert.match(badBody.lines[0]!.message, /input_tokens/);
  assert.equal(await t.app.services.ledger.count(), 0, 'nothing of a bad batch is written');

  const ok = await post(jsonl, INGEST_TOKEN);
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { ok: true, inserted: 5, skipped: 0 });
  const again = await post(jsonl, INGEST_TOKEN);
  assert.deepEqual(await again.json(), { ok: true, inserted: 0, skipped: 5 });

  const asArray = await fetch(`${t.url}/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` }, body: JSON.stringify(rows.slice(0, 2)) });
  assert.deepEqual(await asArray.json(), { ok: true, inserted: 0, skipped: 2 });
});

test('/spend week renders a Block Kit table with totals, shares and budgets', async () => {
  const call = await slash('/spend', 'week');
  assert.equal(call.body.response_type, 'ephemeral', 'access.spend lists who may see spend: not the whole channel');
  const blocks = blocksOf(call);
  assert.equal(blocks[0]?.type, 'header');
  assert.match(blocks[0]!.text!.text, /Spend week by provider \(2026-11-17 → 2026-11-23, UTC\)/);
  const table = blocks.find((b) => b.type === 'table');
  assert.ok(table?.rows, 'a table block');
  const cells = table.rows.map((r) => r.map((c) => c.text));
  assert.deepEqual(cells[0], ['Day', 'qwen-intl', 'deepseek', 'openrouter', 'Total']);
  assert.equal(cells.length, 1 + 7 + 2, 'header, seven days, total and share rows');
  assert.deepEqual(cells.find((r) => r[0] === '2026-11-20'), ['2026-11-20', '$0.00', '$0.75', '$0.00', '$0.75']);
  assert.deepEqual(cells.find((r) => r[0] === '2026-11-21'), ['2026-11-21', '$0.00', '$0.15', '$0.00', '$0.15']);
  // OpenRouter's day and total also hold a row with no price: marked, never folded in as $0.
  assert.deepEqual(cells.find((r) => r[0] === '2026-11-23'), ['2026-11-23', '$0.00', '$0.00', '$0.25*', '$0.25*']);
  assert.deepEqual(cells.find((r) => r[0] === 'Total'), ['Total', '$1.24', '$0.90', '$0.25*', '$2.39*']);
  assert.deepEqual(cells.find((r) => r[0] === 'Share'), ['Share', '51.9%', '37.7%', '10.5%', '100%']);
  const text = allText(call);
  assert.match(text, /Not priced\*\\n1 row \(not in the total\)/);
  assert.match(text, /Daily budget: \$0.25 of \$50.00 \(0%, ok\)/);
  assert.match(text, /Monthly budget: \$2.39 of \$1,000.00 \(0%, ok\)/);
  assert.match(text, /new \(nothing the 7 days before\)/);
  assert.doesNotMatch(text, /was \$0\.00/);
});

test('/spend month by user projects the month end', async () => {
  const call = await slash('/spend', 'month by user');
  const text = allText(call);
  // $2.39 over 23 days of a 30-day month -> $3.1173... -> $3.12
  assert.match(text, /Month-end projection\*\\n\$3.12/);
  const table = blocksOf(call).find((b) => b.type === 'table')!;
  assert.deepEqual(table.rows![0]!.map((c) => c.text), ['Day', 'U0ENG1', 'U0ENG2', 'Total']);
});

test('/spend fortnight gets a usage message only the caller sees', async () => {
  const call = await slash('/spend', 'fortnight');
  assert.equal(call.body.response_type, 'ephemeral');
  assert.match(allText(call), /\\"fortnight\\" is not a period/);
  assert.match(allText(call), /last-week/);
});

test('a user outside access.spend gets a polite refusal', async () => {
  const call = await slash('/spend', 'week', 'U0INTERN');
  assert.equal(call.body.response_type, 'ephemeral');
  assert.match(allText(call), /limited to the people listed/);
  assert.doesNotMatch(allText(call), /\$2.39/);
});

test('/spend week csv uploads a CSV file with files.uploadV2, to the caller\'s DM while access.spend limits who sees spend', async () => {
  await slash('/spend', 'week csv');
  const csv = await t.slack.waitForFile((f) => f.filename === 'spend_2026-11-17_2026-11-23_by_provider.csv');
  assert.equal(csv.completed?.channel_id, 'D0CFO', 'the DM conversations.open gave, not the channel');
  const text = csv.data!.toString('utf8');
  assert.match(text, /date,provider,usd/);
  assert.match(text, /2026-11-20,deepseek,0\.75\b/);
  assert.match(text, /2026-11-23,openrouter,0\.25\b/);
});

test('a request with a bad signature is refused and never answered', async () => {
  const id = randomUUID();
  const body = slashCommandBody({ command: '/spend', text: 'week', response_url: `${t.slack.baseUrl}/respond/${id}` });
  const res = await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, body, { tamper: (b) => b.replace('U0CFO', 'U0EVIL') });
  assert.equal(res.status, 401);
  const stale = await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 600 });
  assert.equal(stale.status, 401);
  assert.equal(t.slack.calls.some((c) => c.path.includes(id)), false);
});

test('hostile text is escaped: no <!channel> or user mention reaches Slack', async () => {
  const call = await slash('/spend', '<!channel> <@U0CEO>');
  const raw = call.raw;
  assert.doesNotMatch(raw, /<!channel>/);
  assert.doesNotMatch(raw, /<@U0CEO>/);
  assert.match(allText(call), /&lt;!channel&gt;/);
});

test('/routecheck in Slack reports routes whose key is missing, without calling them', async () => {
  const call = await slash('/routecheck', 'qwen-plus');
  assert.equal(call.body.response_type, 'in_channel');
  const table = blocksOf(call).find((b) => b.type === 'table')!;
  const cells = table.rows!.map((r) => r.map((c) => c.text));
  assert.deepEqual(cells[0]!.slice(0, 9), ['Route', 'models', 'key', 'chat', 'stream', 'tools', 'json', 'long', 'error']);
  assert.deepEqual(cells.slice(1).map((r) => [r[0], r[2], r[3]]), [
    ['qwen-intl/qwen-plus', 'FAIL', 'n/a'],
    ['openrouter/qwen/qwen-plus', 'FAIL', 'n/a'],
  ]);
  assert.match(allText(call), /DASHSCOPE_API_KEY is not set/);
});

test('with no access.spend list, /spend and its CSV are for the whole channel', async (ctx) => {
  const open = await startTestApp({ config: { timezone: 'UTC' }, owner: ctx });
  const call = await slashTo(open)('/spend', 'week', 'U0ANY');
  assert.equal(call.body.response_type, 'in_channel');
  await slashTo(open)('/spend', 'week csv', 'U0ANY');
  const csv = await open.slack.waitForFile((f) => f.filename.endsWith('.csv'));
  assert.equal(csv.completed?.channel_id, 'C0FINANCE');
});
