// App Home through the real Bolt app over signed HTTP, with the fake Slack recording views.publish:
// an `app_home_opened` event_callback publishes that person's view with every section, from a real
// ledger, balance snapshots, route check history, outbox and proposals in the app's SQLite file;
// someone outside access.spend gets no figures; a job that changed something re-publishes for a
// recent viewer, and a burst of changes does not publish a burst.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { eventBody, postEvent, postSigned, slashCommandBody } from '../support/slack-request.js';
import { startSim } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';
import type { RecordedCall } from '../support/fake-slack.js';
import type { ConfigObject } from '../support/config.js';
import { homeViewProblems } from '../support/block-limits.js';
import { startBalanceServer } from '../support/balance-server.js';

const NOW = '2026-11-23T12:00:00Z';
const CFO = 'U0CFO';
const INTERN = 'U0INTERN';
const ALERTS = 'C0ALERTS';
/** An alias and a model named to break mrkdwn: a mention, an entity, bold and code marks. */
const HOSTILE_ALIAS = '<!here> & *bold* `tick`';
const HOSTILE_MODEL = 'legacy-<b>&`x`';

const config = (extra: ConfigObject = {}): ConfigObject => ({
  timezone: 'UTC',
  budgets: { monthly: 100 },
  access: { spend: [CFO] },
  slack: { alerts_channel: ALERTS },
  models: { [HOSTILE_ALIAS]: { routes: [{ provider: 'deepseek', model: HOSTILE_MODEL }] } },
  retirements: [{ provider: 'deepseek', model: HOSTILE_MODEL, at: '2026-12-10T00:00:00Z', replacement: 'deepseek-v4-flash' }],
  ...extra,
});

const row = (ts: string, provider: string, model: string, cost_usd: string | undefined, id: string) => ({
  ts, provider, model, input_tokens: 1000, cached_input_tokens: 0, output_tokens: 100, reasoning_tokens: 0, ...(cost_usd ? { cost_usd } : {}), request_id: id,
});

/** What the tab will show: spend on three days (one call not priced), a balance, a route check, an alert, a proposal. */
async function seed(app: TestApp): Promise<void> {
  const s = app.app.services;
  await s.ledger.record(
    [
      row('2026-11-03T10:00:00Z', 'deepseek', 'house-model', '1.50', 'r1'),
      row('2026-11-20T10:00:00Z', 'moonshot', 'house-kimi', '0.25', 'r2'),
      row('2026-11-21T10:00:00Z', 'deepseek', 'mystery-model', undefined, 'r3'),
      row('2026-11-22T10:00:00Z', 'deepseek', 'house-model', '3.00', 'r4'),
    ],
    'import',
  );
  await s.store.balances.record({ provider: 'deepseek', kind: 'deepseek', currency: 'USD', balance_nano: 110_500_000_000n, available: true, at: '2026-11-23T11:00:00Z', detail: {} });
  await s.store.routecheck.save({
    target: 'all', startedAt: '2026-11-23T09:00:00Z', finishedAt: '2026-11-23T09:01:00Z', ok: false, costNusd: 0, scheduled: true,
    results: [{ provider: 'deepseek', model: HOSTILE_MODEL, check: 'stream', status: 'fail', reason: 'HTTP 500 <script>', latency_ms: 12 }],
  });
  await s.store.alerts.record([{ key: 'budget:monthly:2026-11-01:50', kind: 'budget', channel: ALERTS, text: 'Monthly budget at 50%: $50.00 of $100.00', reply: { kind: 'result', title: 'Budget 50%: Monthly budget' } }], new Date(NOW));
  await s.store.proposals.add({ source: 'litellm', provider: 'deepseek', model: 'house-model', kind: 'new_model', fingerprint: 'f1', seen_at: NOW, effective: '2026-11-20T00:00:00Z', version: {}, previous: null, suspect: false, created_at: NOW });
}

async function openHome(app: TestApp, user: string, tab = 'home'): Promise<void> {
  const res = await postEvent(`${app.url}/slack/events`, SIGNING_SECRET, eventBody({ type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab, event_ts: '1763900000.000100' }));
  assert.equal(res.status, 200);
}

const publishes = (app: TestApp, user?: string) => app.slack.calls.filter((c) => c.method === 'views.publish' && (!user || c.body.user_id === user));
type Block = { type: string; block_id?: string; text?: { text: string } };
const blocksOf = (c: RecordedCall) => (c.body.view as { blocks: Block[] }).blocks;
const sectionText = (c: RecordedCall, id: string) => blocksOf(c).find((b) => b.block_id === id)?.text?.text;

test('opening the Home tab publishes that person\'s view: month to date vs budget, chart, week by provider, balances, retirements, route checks, alerts, proposals', async (t) => {
  const app = await startTestApp({ owner: t, now: NOW, config: config() });
  await seed(app);
  await openHome(app, CFO, 'messages');
  await openHome(app, CFO);
  const call = await app.slack.waitFor('views.publish');
  assert.equal(call.body.user_id, CFO);
  assert.equal(publishes(app).length, 1, 'the Messages tab publishes nothing');
  assert.deepEqual(homeViewProblems(call.body.view as object), []);

  const month = sectionText(call, 'home.month')!;
  assert.match(month, /Month to date\* \(2026-11-01 to 2026-11-23\): \*\$4\.75\* over 4 calls \(1 call not priced: not in the amounts\)/);
  assert.match(month, /Monthly budget \$100\.00: 4% used/);
  // 4.75 × 30 / 23 = 6.1956…, rounded half up to the cent.
  assert.match(month, /Projected month end: \*\$6\.20\*, 6% of the budget/);
  const chart = sectionText(call, 'home.chart')!;
  assert.match(chart, /```[\s\S]*11-22 █{20} \$3\.00/, 'the largest day fills the bar');
  assert.match(chart, /11-03 █{10} {11}\$1\.50/, 'half the largest day, half the bar');
  assert.match(chart, /11-20 █▋ {19}\$0\.25/, 'a twelfth of it: 13 eighths of a character');
  assert.match(chart, /11-21 {22}no amount\*/, 'a day of unpriced calls has "no amount*", never $0.00');
  assert.match(chart, /11-01 {22}\$0\.00/);
  assert.equal(chart.match(/^\d\d-\d\d /gm)?.length, 23, 'one line per day of the month so far');
  const week = sectionText(call, 'home.week')!;
  assert.match(week, /Total \$3\.25 \(1 call not priced: not in the amounts\)/);
  assert.match(week, /• deepseek: \$3\.00 \(1 call not in it\) · 92\.3% · 2 calls\n• moonshot: \$0\.25 · 7\.7% · 1 call/);
  const balances = sectionText(call, 'home.balances')!;
  assert.match(balances, /• deepseek: USD 110\.50 as of 2026-11-23 11:00 UTC · runway: not enough history yet/);
  assert.match(balances, /• moonshot: balance unavailable \(no balance recorded yet/);

  const retirements = sectionText(call, 'home.retirements')!;
  assert.match(retirements, /deepseek\/legacy-&lt;b&gt;&amp;`x` retires 2026-12-10 00:00 UTC → deepseek-v4-flash; still routed by &lt;!here&gt; &amp; \*bold\* `tick` \(route 1 of 1\)/);
  const checks = sectionText(call, 'home.routechecks')!;
  assert.match(checks, /:x: &lt;!here&gt; &amp; \*bold\* `tick`: \*fail\* 2026-11-23 09:01 UTC: deepseek\/legacy-&lt;b&gt;&amp;`x` stream: HTTP 500 &lt;script&gt;/);
  assert.match(checks, /• deepseek-flash: never checked/);
  assert.match(sectionText(call, 'home.alerts')!, /2026-11-23 12:00 UTC \*Budget 50%: Monthly budget\*: Monthly budget at 50%: \$50\.00 of \$100\.00/);
  assert.match(sectionText(call, 'home.proposals')!, /Open price proposals\* \(1\): decide with the Apply \/ Ignore buttons[^\n]*\n• #1 new model: deepseek\/house-model from litellm, effective 2026-11-20 00:00 UTC/);
  // Hostile names never become markup: no raw mention or tag anywhere in the view.
  assert.ok(!JSON.stringify(call.body.view).includes('<!here>'));
  assert.ok(!JSON.stringify(call.body.view).includes('<script>'));
});

test('someone outside access.spend sees no spend figures and no balances, and is told why; the rest is there', async (t) => {
  const app = await startTestApp({ owner: t, now: NOW, config: config() });
  await seed(app);
  await openHome(app, INTERN);
  const call = await app.slack.waitFor('views.publish', (c) => c.body.user_id === INTERN);
  assert.deepEqual(homeViewProblems(call.body.view as object), []);
  const ids = blocksOf(call).map((b) => b.block_id).filter(Boolean);
  assert.deepEqual(ids, ['home.updated', 'home.no_spend', 'home.retirements', 'home.routechecks', 'home.alerts', 'home.proposals']);
  assert.match(sectionText(call, 'home.no_spend')!, /shown to the people listed in `access.spend`/);
  assert.ok(!/\$\d|USD \d/.test(JSON.stringify(call.body.view)), 'no amount anywhere');
  assert.match(sectionText(call, 'home.alerts')!, /\*Budget 50%: Monthly budget\*( _\(not posted yet\)_)?$/m, 'the alert by its title only');
});

test('with no provider that has a balance source, the balances section is absent (not shown empty or made up)', async (t) => {
  // Providers at addresses no balance source is known for (src/config/balances.ts).
  const providers = Object.fromEntries(['deepseek', 'qwen-intl', 'moonshot', 'zai', 'openrouter'].map((p) => [p, { base_url: `http://127.0.0.1:9/${p}/v1`, api_key_env: 'DEEPSEEK_API_KEY' }]));
  const models = { chat: { routes: [{ provider: 'deepseek', model: 'deepseek-v4-flash' }] } };
  const app = await startTestApp({ owner: t, now: NOW, config: { timezone: 'UTC', access: { spend: [CFO] }, providers, models, default_model: 'chat' } });
  await openHome(app, CFO);
  const call = await app.slack.waitFor('views.publish');
  assert.deepEqual(homeViewProblems(call.body.view as object), []);
  const ids = blocksOf(call).map((b) => b.block_id);
  assert.ok(ids.includes('home.month') && ids.includes('home.week'));
  assert.ok(!ids.includes('home.balances'));
  assert.match(sectionText(call, 'home.chart')!, /No spend this month yet/);
});

test('a job that changed what Home shows re-publishes for a recent viewer; a burst of changes right after publishes nothing more at once', async (t) => {
  const app = await startTestApp({ owner: t, now: NOW, config: config({ retirements: [{ provider: 'deepseek', model: HOSTILE_MODEL, at: '2026-11-30T00:00:00Z', replacement: 'deepseek-v4-flash' }] }) });
  await openHome(app, CFO);
  const first = await app.slack.waitFor('views.publish');
  assert.match(sectionText(first, 'home.alerts')!, /None recorded yet/);

  // The deprecations job records a retirement alert (7 days ahead) and posts it: Home follows.
  const outcome = await app.app.alerts.runNow('deprecations');
  assert.equal(outcome?.alerts.length, 1);
  const refreshed = await app.slack.waitFor('views.publish', (c) => /Retirement ahead/.test(sectionText(c, 'home.alerts') ?? ''));
  assert.equal(refreshed.body.user_id, CFO);
  assert.equal(publishes(app).length, 2);

  // Five more changes within the minute: coalesced into one refresh at the minute's end, which
  // the stop drops (the next open publishes afresh).
  for (let i = 0; i < 5; i++) {
    await app.app.services.store.alerts.record([{ key: `test:burst:${i}`, kind: 'budget', channel: ALERTS, text: `burst ${i}`, reply: { kind: 'result', title: `Burst ${i}` } }], new Date(NOW));
    app.app.slack!.home.changed('test');
  }
  await app.close();
  assert.equal(publishes(app).length, 2, 'no publish for the burst within the minute');
});

test('the balances job\'s poll re-publishes Home for a recent viewer with the new balance (the kept balance view is dropped)', async (t) => {
  const balances = await startBalanceServer(t);
  balances.set('/gw/balance', { json: { data: { balance: '120.00' } } });
  // One provider whose balance a json source reads; the others have none.
  const providers = Object.fromEntries(['deepseek', 'qwen-intl', 'moonshot', 'zai', 'openrouter'].map((p) => [p, { base_url: `http://127.0.0.1:9/${p}/v1`, api_key_env: 'DEEPSEEK_API_KEY' }]));
  const gw = { base_url: 'http://127.0.0.1:9/gw/v1', api_key_env: 'DEEPSEEK_API_KEY', balance: { kind: 'json' as const, url: `${balances.url}/gw/balance`, field: 'data.balance', currency: 'USD' } };
  const models = { chat: { routes: [{ provider: 'gw', model: 'm' }] } };
  const app = await startTestApp({ owner: t, now: NOW, config: { timezone: 'UTC', access: { spend: [CFO] }, providers: { ...providers, gw }, models, default_model: 'chat' } });
  await openHome(app, CFO);
  const first = await app.slack.waitFor('views.publish');
  assert.match(sectionText(first, 'home.balances')!, /• gw: balance unavailable \(no balance recorded yet/);

  const outcome = await app.app.alerts.runNow('balances');
  assert.equal(outcome?.status, 'ok');
  const refreshed = await app.slack.waitFor('views.publish', (c) => /• gw: USD 120\.00 as of 2026-11-23 12:00 UTC/.test(sectionText(c, 'home.balances') ?? ''));
  assert.equal(refreshed.body.user_id, CFO);
  assert.equal(publishes(app).length, 2);
});

test('a /routecheck that finished re-publishes Home for a recent viewer with that alias\'s result', async (t) => {
  const sim = await startSim(t);
  const app = await startTestApp({ owner: t, now: NOW, env: SIM_KEYS, config: simConfig(sim, { models: { chat: { routes: [{ provider: 'deepseek', model: 'deepseek-v4-flash' }] } }, default_model: 'chat' }) });
  await openHome(app, CFO);
  const first = await app.slack.waitFor('views.publish');
  assert.match(sectionText(first, 'home.routechecks')!, /• chat: never checked/);
  const res = await postSigned(`${app.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/routecheck', text: 'chat', user_id: CFO, response_url: `${app.slack.baseUrl}/respond/rc` }));
  assert.equal(res.status, 200);
  const refreshed = await app.slack.waitFor('views.publish', (c) => /• (:white_check_mark:|:x:) chat: (pass|\*fail\*) 2026-11-23 12:00 UTC/.test(sectionText(c, 'home.routechecks') ?? ''));
  assert.equal(refreshed.body.user_id, CFO);
});
