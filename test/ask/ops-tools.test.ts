// The /ask engine on real services (SQLite file, catalog, provider clients on the simulator):
// the read-only ops tools answer from the ledger, config and catalog with the asker's rights,
// and thread history is trimmed to fit the alias's smallest context window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Services } from '../../src/app/services.js';
import { runOpsTool } from '../../src/features/ask/ops-tools.js';
import { ask } from '../../src/features/ask/engine.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, SIM_KEYS, SIM_MODELS } from '../support/sim-config.js';
import { makeServices } from '../support/services.js';
import type { ChatMessage } from '../../src/upstream/providers/types.js';

const NOW = new Date('2026-07-20T12:00:00Z');
let sim: Simulator;
let services: Services;
let cleanup: () => void;

before(async () => {
  sim = await startSim();
  const config = simConfig(sim, {
    models: {
      ...SIM_MODELS,
      small: { routes: [{ provider: 'deepseek', model: 'deepseek-v4-flash', context_window: 8192 }] },
      mixed: {
        routes: [
          { provider: 'deepseek', model: 'deepseek-v4-flash', context_window: 8192 },
          { provider: 'openrouter', model: 'deepseek/deepseek-v4-flash', context_window: 131072 },
        ],
      },
    },
    access: { spend: ['U0CFO'] },
  });
  ({ services, cleanup } = makeServices(config, { now: NOW, secrets: SIM_KEYS }));
  await services.ledger.record(
    [
      { ts: '2026-07-19T10:00:00Z', provider: 'qwen-intl', model: 'qwen-plus', input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, request_id: 'q-1', user: 'U0ENG' },
      { ts: '2026-07-20T09:00:00Z', provider: 'deepseek', model: 'deepseek-chat', input_tokens: 2_000_000, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, request_id: 'd-1', user: 'U0ENG' },
    ],
    'import',
  );
});
after(async () => {
  cleanup();
  await sim.close();
});

const cfo = { id: 'U0CFO', local: false };
const engineer = { id: 'U0ENG', local: false };

test('get_spend for one provider: its groups and its own exact total first; "qwen" finds qwen-intl; a grouping that cannot tell providers apart is refused', async () => {
  type Out = { provider?: string; provider_total_usd?: number; total_usd: number; groups: Array<{ key: string; total_usd: number }>; error?: string };
  const week = JSON.parse(await runOpsTool('get_spend', '{"period":"week","group_by":"model"}', services, cfo)) as Out;
  const out = JSON.parse(await runOpsTool('get_spend', '{"period":"week","group_by":"model","provider":"qwen"}', services, cfo)) as Out;
  assert.deepEqual(out.groups.map((g) => g.key), ['qwen-intl/qwen-plus']);
  assert.equal(out.provider_total_usd, week.groups.find((g) => g.key === 'qwen-intl/qwen-plus')!.total_usd);
  assert.equal(out.total_usd, week.total_usd, 'the whole period stays beside it');
  assert.deepEqual(Object.keys(out).slice(0, 2), ['provider', 'provider_total_usd']);
  const exact = JSON.parse(await runOpsTool('get_spend', '{"period":"week","provider":"deepseek"}', services, cfo)) as Out;
  assert.deepEqual(exact.groups.map((g) => g.key), ['deepseek']);
  const byUser = JSON.parse(await runOpsTool('get_spend', '{"period":"week","group_by":"user","provider":"qwen"}', services, cfo)) as Out;
  assert.match(byUser.error!, /provider works with group_by provider or model, not user/);
  const none = JSON.parse(await runOpsTool('get_spend', '{"period":"week","provider":"zai"}', services, cfo)) as Out;
  assert.match(none.error!, /no spend of a provider "zai" in this period \(providers with spend: /);
});

test('get_spend answers from the ledger for someone in access.spend, and refuses others', async () => {
  const out = JSON.parse(await runOpsTool('get_spend', '{"period":"yesterday","group_by":"provider"}', services, cfo)) as { from: string; total_usd: number; groups: Array<{ key: string }> };
  assert.equal(out.from, '2026-07-19');
  assert.deepEqual(out.groups.map((g) => g.key), ['qwen-intl']);
  assert.ok(out.total_usd > 0);
  const refused = JSON.parse(await runOpsTool('get_spend', '{"period":"week"}', services, engineer)) as { error: string };
  assert.match(refused.error, /not allowed/);
  assert.doesNotMatch(JSON.stringify(refused), /qwen-intl|total_usd/);
  const bad = JSON.parse(await runOpsTool('get_spend', '{"period":"fortnight"}', services, cfo)) as { error: string };
  assert.ok(bad.error.length > 0);
  assert.match(JSON.parse(await runOpsTool('get_spend', 'not json', services, cfo)).error as string, /not valid JSON/);
});

test('list_routes gives aliases and their routes in fallback order, filtered by the query, with retirements', async () => {
  const out = JSON.parse(await runOpsTool('list_routes', '{"query":"qwen-nokey"}', services, engineer)) as { aliases: Array<{ alias: string; routes: Array<{ provider: string; retired: boolean }> }> };
  assert.deepEqual(out.aliases.map((a) => a.alias), ['qwen-nokey']);
  assert.deepEqual(out.aliases[0]!.routes.map((r) => r.provider), ['qwen-nokey', 'openrouter']);
  const legacy = JSON.parse(await runOpsTool('list_routes', '{"query":"deepseek-chat"}', services, engineer)) as { aliases: Array<{ alias: string; routes: Array<{ retires_at: string | null; retired: boolean; replacement: string | null }> }> };
  assert.equal(legacy.aliases[0]!.alias, 'legacy-chat');
  assert.deepEqual(legacy.aliases[0]!.routes[0], { provider: 'deepseek', model: 'deepseek-chat', retired: false, retires_at: '2026-07-24T15:59:00.000Z', replacement: 'deepseek-v4-flash' });
});

test('list_retirements gives what retires within the window, and which aliases still point at it', async () => {
  const out = JSON.parse(await runOpsTool('list_retirements', '{"within_days":7}', services, engineer)) as { retirements: Array<{ model: string; already_retired: boolean; aliases_still_pointing: string[] }> };
  assert.deepEqual(out.retirements.map((r) => r.model), ['deepseek-chat', 'deepseek-reasoner']);
  assert.deepEqual(out.retirements[0]!.aliases_still_pointing, ['legacy-chat']);
  assert.equal(out.retirements[0]!.already_retired, false);
  const later = JSON.parse(await runOpsTool('list_retirements', '{"within_days":60}', services, engineer)) as { retirements: Array<{ model: string }> };
  assert.ok(later.retirements.some((r) => r.model === 'moonshot-v1-8k'));
});

test('get_model_prices gives the prices in force now for matching models; an unknown tool says so', async () => {
  const out = JSON.parse(await runOpsTool('get_model_prices', '{"query":"qwen-plus"}', services, engineer)) as { models: Array<{ model: string; per_million: { input: number } | null }> };
  assert.ok(out.models.length > 0);
  assert.ok(out.models.every((m) => m.model.includes('qwen-plus')));
  assert.ok(out.models.some((m) => m.per_million !== null && m.per_million.input > 0));
  assert.match(JSON.parse(await runOpsTool('drop_table', '{}', services, cfo)).error as string, /unknown tool/);
});

test('thread history is trimmed to fit the smallest window of the alias (newest turns kept), so no route is skipped', async () => {
  const history: ChatMessage[] = [];
  for (let i = 0; i < 40; i++) {
    history.push({ role: 'user', content: `turn ${i} ${'word '.repeat(200)}` });
    history.push({ role: 'assistant', content: `answer ${i} ${'word '.repeat(200)}` });
  }
  const from = sim.requests.length;
  const out = await ask(services, { alias: 'small', question: 'and now?', history, user: 'U0ENG' });
  assert.equal(out.ok, true, out.text);
  const sent = sim.requests.slice(from).find((r) => r.path.endsWith('/chat/completions'))!.body as { messages: ChatMessage[] };
  const texts = sent.messages.map((m) => m.content);
  assert.ok(texts.some((t) => t.startsWith('answer 39 ')), 'the newest turn is kept');
  assert.ok(!texts.some((t) => t.startsWith('turn 0 ')), 'the oldest turns are dropped');
  assert.equal(sent.messages.at(-1)!.content, 'and now?');
  assert.equal(sent.messages[1]!.role, 'user', 'history never starts with an assistant turn');
});

test('a question too long for the small route leaves the history to the routes that can take it', async () => {
  const history: ChatMessage[] = [
    { role: 'user', content: 'what did we decide about the fallback?' },
    { role: 'assistant', content: 'to keep openrouter as the second route' },
  ];
  const question = `${'问'.repeat(5000)} and?`; // ~5,000 tokens: with the 4,096-token answer, over 8,192
  const from = sim.requests.length;
  const out = await ask(services, { alias: 'mixed', question, history, user: 'U0ENG' });
  assert.equal(out.ok, true, out.text);
  const sent = sim.requests.slice(from).find((r) => r.path.endsWith('/chat/completions'))!;
  assert.equal(sent.profile, 'openrouter', 'the small route is skipped');
  const texts = (sent.body as { messages: ChatMessage[] }).messages.map((m) => m.content);
  assert.ok(texts.includes('to keep openrouter as the second route'), 'the history is kept for the large route');
});
