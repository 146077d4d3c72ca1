// /spend's chart through the real Bolt app over signed HTTP and the fake Slack Web API: uploaded
// with files.uploadV2 after the text, into the reply's conversation, as a PNG whose bars are the
// days with spend; the same bytes as `routeops spend --png`; failures never hold the text back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { webApi } from '@slack/bolt';
import { startTestApp, SIGNING_SECRET, type TestApp } from '../support/app.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { postSigned, slashCommandBody } from '../support/slack-request.js';
import { barsOfColor, decodePng, pngSize } from '../support/png.js';
import { tempDir } from '../support/temp.js';
import { runCommandLine } from '../../src/app/cli.js';
import { postReply } from '../../src/adapters/slack/app.js';
import { uploadChart } from '../../src/adapters/slack/chart-upload.js';
import { assignColors } from '../../src/domain/chart.js';
import type { UsageInput } from '../../src/store/ledger.js';
import type { Reply } from '../../src/domain/reply.js';

const row = (ts: string, provider: string, usd: number, id: string): UsageInput => ({ ts, provider, model: `${provider}/m`, input_tokens: 10, cached_input_tokens: 0, output_tokens: 10, reasoning_tokens: 0, request_id: id, cost_usd: usd });
// Spend on three of the week's seven days (2026-11-17 → 2026-11-23).
const ROWS = [row('2026-11-19T10:00:00Z', 'acme', 2, 'a1'), row('2026-11-20T10:00:00Z', 'acme', 1.5, 'a2'), row('2026-11-20T11:00:00Z', 'zeta', 1, 'z1'), row('2026-11-23T09:00:00Z', 'zeta', 0.75, 'z2')];

async function appWithLedger(config: Record<string, unknown>, owner?: import('node:test').TestContext): Promise<TestApp> {
  const app = await startTestApp({ config: { timezone: 'UTC', ...config }, ...(owner ? { owner } : {}) });
  await app.app.services.ledger.record(ROWS, 'import');
  return app;
}

/** Sends a signed slash command; resolves with the response_url post that answered it. */
async function slash(app: TestApp, text: string, user = 'U0CFO') {
  const id = randomUUID();
  const res = await postSigned(`${app.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/spend', text, user_id: user, response_url: `${app.slack.baseUrl}/respond/${id}` }));
  assert.equal(res.status, 200);
  return { id, reply: await app.slack.waitFor('response_url', (c) => c.path === `/respond/${id}`) };
}

let t: TestApp;
before(async () => {
  t = await appWithLedger({ budgets: { daily: 3 } });
});
after(() => t.close());

test('/spend week attaches a PNG chart, uploaded with files.uploadV2 into the channel after the text reply', async () => {
  const { reply } = await slash(t, 'week');
  assert.equal(reply.body.response_type, 'in_channel');
  const file = await t.slack.waitForFile((f) => f.filename === 'spend-2026-11-17_2026-11-23-by-provider.png');
  assert.equal(file.completed?.channel_id, 'C0FINANCE', 'the channel the command came from');
  assert.equal(file.completed?.thread_ts, undefined);
  assert.equal(file.completed?.title, 'Spend week by provider');
  assert.match(file.alt_text ?? '', /total \$5\.25, biggest acme/);
  const announced = t.slack.calls.findIndex((c) => c.method === 'files.getUploadURLExternal');
  assert.ok(t.slack.calls.indexOf(reply) < announced, 'the text went first');
  const png = file.data!;
  assert.equal(png.length, file.length, 'the bytes announced are the bytes uploaded');
  assert.deepEqual(pngSize(png), { width: 1200, height: 1000 });
  // A bar of each group's colour on each day it spent: acme on two days, zeta on two.
  const img = decodePng(png);
  const colors = assignColors(['acme', 'zeta']);
  const acme = barsOfColor(img, colors.get('acme')!, img.height * 0.3);
  const zeta = barsOfColor(img, colors.get('zeta')!, img.height * 0.3);
  assert.equal(acme.length, 2, JSON.stringify(acme));
  assert.equal(zeta.length, 2, JSON.stringify(zeta));
  const centre = (r: { from: number; to: number }) => (r.from + r.to) / 2;
  const day = centre(acme[1]!) - centre(acme[0]!);
  assert.ok(Math.abs(centre(zeta[0]!) - centre(acme[1]!)) <= 2, 'zeta\'s Nov 20 stacks on acme\'s');
  assert.ok(Math.abs(centre(zeta[1]!) - centre(zeta[0]!) - 3 * day) <= 3, 'and its Nov 23 bar is three days on');
});

test('the uploaded chart is byte for byte the one `routeops spend week --png` writes', async () => {
  const before = t.slack.files.length;
  await slash(t, 'week by provider');
  const uploaded = await t.slack.waitForFile((f) => t.slack.files.indexOf(f) >= before && f.filename.endsWith('.png'));
  const tmp = tempDir('routeops-png-');
  try {
    const file = join(tmp.dir, 'week.png');
    const code = await runCommandLine(['spend', 'week', '--png', file], { stdout: () => {}, stderr: () => {} }, { services: () => t.app.services });
    assert.equal(code, 0);
    assert.ok(readFileSync(file).equals(uploaded.data!));
  } finally {
    tmp.cleanup();
  }
});

test('an empty period still gets a chart, and with access.spend set it goes to the caller\'s DM with the figures', async (ctx) => {
  const app = await appWithLedger({ access: { spend: ['U0CFO'] } }, ctx);
  const { reply } = await slash(app, '2026-01-01..2026-01-07');
  assert.equal(reply.body.response_type, 'ephemeral');
  const file = await app.slack.waitForFile((f) => f.filename.endsWith('.png'));
  assert.equal(file.completed?.channel_id, 'D0CFO');
  assert.equal(pngSize(file.data!).width, 1200);
});

test('an upload Slack refuses leaves the text reply in place and tells the caller why', async (ctx) => {
  const app = await appWithLedger({}, ctx);
  app.slack.failMethod('files.getUploadURLExternal', 'not_in_channel');
  const { id, reply } = await slash(app, 'week');
  assert.equal(reply.body.response_type, 'in_channel');
  assert.match(JSON.stringify(reply.body.blocks), /Spend week by provider/);
  const notice = await app.slack.waitFor('response_url', (c) => c.path === `/respond/${id}` && c !== reply);
  assert.equal(notice.body.response_type, 'ephemeral');
  assert.match(String(notice.body.text), /The chart could not be uploaded \(not_in_channel\)\. Invite the bot/);
  assert.equal(app.slack.files.length, 0);
});

test('a chart that fails to render never holds back the text reply; the failure is logged', async (ctx) => {
  const slack = await startFakeSlack(ctx);
  const client = new webApi.WebClient('xoxb-test-token', { slackApiUrl: slack.apiUrl });
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, new Writable({ write: (chunk: Buffer, _e, done) => done(void lines.push(chunk.toString())) }));
  const respond = async (msg: unknown) => fetch(`${slack.baseUrl}/respond/r1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(msg) });
  const reply: Reply = { kind: 'result', title: 'Spend week by provider', summary: 'figures', chart: { title: 't', subtitle: '', categories: [], bucket: 'day', series: [], budgetLines: [], month: null, empty: 'No spend in this period', notes: [], filename: 'c.png', alt: '' } };
  await postReply(reply, respond as never, client, { channel_id: 'C0FINANCE', user_id: 'U0CFO' }, log, { renderChart: () => Promise.reject(new Error('resvg exploded')) });
  const posted = slack.calls.filter((c) => c.method === 'response_url');
  assert.equal(posted.length, 1, 'the text, and no notice: the figures are all in it');
  assert.match(JSON.stringify(posted[0]!.body), /Spend week by provider/);
  assert.equal(slack.calls.some((c) => c.method.startsWith('files.')), false, 'nothing uploaded');
  assert.ok(lines.some((l) => /chart render failed/.test(l) && /resvg exploded/.test(l)), lines.join(''));
});

test('a chart for a thread goes into that thread', async (ctx) => {
  const slack = await startFakeSlack(ctx);
  const client = new webApi.WebClient('xoxb-test-token', { slackApiUrl: slack.apiUrl });
  const chart = { title: 'Spend', subtitle: '', categories: ['Nov 23'], bucket: 'day' as const, series: [{ key: 'acme', color: '#E69F00', values: [1] }], budgetLines: [], month: null, empty: null, notes: [], filename: 'c.png', alt: 'a' };
  const result = await uploadChart(chart, client, { channel: 'C0ALERTS', thread_ts: '1700000000.000100' }, pino({ level: 'silent' }));
  assert.deepEqual(result, { ok: true });
  const file = await slack.waitForFile();
  assert.deepEqual([file.completed?.channel_id, file.completed?.thread_ts], ['C0ALERTS', '1700000000.000100']);
  pngSize(file.data!);
});
