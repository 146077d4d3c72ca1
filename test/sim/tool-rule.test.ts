// The simulator's tool rule (tools/sim/tool-rule.ts): offered /ask's real ops tools, a question
// that asks for our data gets a call of the tool it names, with arguments valid against the
// offered schema; once the result is back the answer reads its figures back (tool-summary.ts).
// Over the real openai SDK, for each wire profile, streamed and as one body.
import { test, before, after, beforeEach, describe } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { OPS_TOOLS } from '../../src/features/ask/ops-tools.js';
import type { ChatMessage, ChatRequest, ChatResult } from '../../src/upstream/providers/types.js';
import { ruleToolCall } from '../../tools/sim/tool-rule.js';
import { SIM_PROFILES, chatRequests, simClient, startSim, type Simulator } from '../support/sim.js';

let sim: Simulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

/** The tools as a chat request offers them (the wire shape the simulator reads). */
const WIRE_TOOLS = OPS_TOOLS.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));

/** Checks arguments against the offered tool's own JSON schema; returns them parsed. */
function validArgs(name: string, args: string): Record<string, unknown> {
  const tool = OPS_TOOLS.find((t) => t.name === name);
  assert.ok(tool, `"${name}" is an offered tool`);
  const parsed = z.fromJSONSchema(tool.parameters as Parameters<typeof z.fromJSONSchema>[0]).safeParse(JSON.parse(args));
  assert.ok(parsed.success, `${name} ${args}: ${parsed.error?.message}`);
  return JSON.parse(args) as Record<string, unknown>;
}

test('the rule picks the tool the question names and fills its arguments from the question', () => {
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['what did we spend on qwen yesterday?', 'get_spend', { period: 'yesterday', provider: 'qwen' }],
    ['How much did we spend in the last 30 days by user?', 'get_spend', { period: '30d', group_by: 'user' }],
    ['costs last week per model', 'get_spend', { period: 'last-week', group_by: 'model' }],
    ['our bill 2026-07-01..2026-07-15', 'get_spend', { period: '2026-07-01..2026-07-15' }],
    ['which routes serve kimi?', 'list_routes', { query: 'kimi' }],
    ['which routes do we have?', 'list_routes', {}],
    ['what retires this month?', 'list_retirements', { within_days: 31 }],
    ['which models are deprecated within 90 days', 'list_retirements', { within_days: 90 }],
    ['show the prices of glm-4.7', 'get_model_prices', { query: 'glm-4.7' }],
    // The earliest topic word decides.
    ['which routes serve kimi-k2.5, and what did they cost this week?', 'list_routes', { query: 'kimi-k2.5' }],
  ];
  for (const [question, name, args] of cases) {
    const call = ruleToolCall(WIRE_TOOLS, question);
    assert.ok(call, question);
    assert.equal(call.name, name, question);
    assert.deepEqual(validArgs(call.name, call.arguments), args, question);
  }
  // Asks for no data of ours, or names no topic a tool serves: no call.
  for (const question of ['what is a route?', 'what is a fallback route?', 'tell me a joke about our team', 'which is bigger, 2 or 3?']) {
    assert.equal(ruleToolCall(WIRE_TOOLS, question), null, question);
  }
  // A topic with no matching tool offered: no call.
  assert.equal(ruleToolCall(WIRE_TOOLS.filter((t) => t.function.name !== 'get_spend'), 'what did we spend yesterday?'), null);
  // A required property the question does not fill gets a value of its type.
  const required = [{ type: 'function', function: { name: 'spend_in', parameters: { type: 'object', properties: { period: { type: 'string' }, currency: { type: 'string', enum: ['usd', 'eur'] }, days: { type: 'integer' } }, required: ['period', 'currency', 'days'] } } }];
  assert.deepEqual(JSON.parse(ruleToolCall(required, 'what did we spend?')!.arguments), { period: 'week', currency: 'usd', days: 30 });
});

/** What get_spend returns (its shape from src/features/reports/spend-json.ts), with figures of its own. */
const SPEND_RESULT = JSON.stringify({
  from: '2026-07-19',
  to: '2026-07-19',
  group_by: 'provider',
  total_usd: 2.58,
  requests: 2,
  previous: { from: '2026-07-18', to: '2026-07-18', total_usd: 0 },
  projection_usd: null,
  budgets: [],
  groups: [
    { key: 'deepseek', total_usd: 0.66, share: 0.2558, requests: 1, days: [{ date: '2026-07-19', usd: 0.66 }] },
    { key: 'qwen-intl', total_usd: 1.92, share: 0.7442, requests: 1, days: [{ date: '2026-07-19', usd: 1.92 }] },
  ],
});

for (const P of SIM_PROFILES) {
  for (const stream of [true, false]) {
    describe(`${P.profile} (${P.provider}), ${stream ? 'streamed' : 'one body'}`, () => {
      const call = (req: ChatRequest): Promise<ChatResult> => {
        const client = simClient(sim, P.profile);
        return stream ? client.chatStream(req, () => {}) : client.chat(req);
      };
      const asked = (question: string): ChatMessage[] => [
        { role: 'system', content: 'You are routeops.' },
        { role: 'user', content: question },
      ];

      test('an ops question calls the tool; the answer reads back the figures of the result it gets', async () => {
        const question = 'what did we spend on qwen yesterday?';
        const first = await call({ model: P.model, messages: asked(question), tools: OPS_TOOLS, toolChoice: 'auto' });
        assert.equal(first.finishReason, 'tool_calls');
        assert.equal(first.toolCalls.length, 1);
        const tc = first.toolCalls[0]!;
        assert.equal(tc.name, 'get_spend');
        assert.deepEqual(validArgs(tc.name, tc.arguments), { period: 'yesterday', provider: 'qwen' });
        assert.equal(first.content, '');

        const messages: ChatMessage[] = [
          ...asked(question),
          { role: 'assistant', content: first.content, tool_calls: first.toolCalls, ...(first.reasoning ? { reasoning_content: first.reasoning } : {}) },
          { role: 'tool', tool_call_id: tc.id, content: SPEND_RESULT },
        ];
        const second = await call({ model: P.model, messages, tools: OPS_TOOLS, toolChoice: 'auto' });
        assert.equal(second.finishReason, 'stop');
        assert.equal(second.toolCalls.length, 0, 'a result back: no second call');
        assert.match(second.content, /^Based on the data from get_spend: from: 2026-07-19; to: 2026-07-19; group_by: provider; total_usd: 2\.58; requests: 2;/);
        // The group the question named comes first; nulls are left out, an empty list is "none".
        assert.match(second.content, /groups \(2\) \{key: qwen-intl; total_usd: 1\.92; .*\} \| \{key: deepseek; total_usd: 0\.66;/);
        assert.match(second.content, /budgets none/);
        assert.doesNotMatch(second.content, /projection_usd/);
      });

      test('a question that matches no tool, or no tools offered, or tool_choice none: a plain answer', async () => {
        const plain = await call({ model: P.model, messages: asked('what is a route?'), tools: OPS_TOOLS, toolChoice: 'auto' });
        assert.equal(plain.toolCalls.length, 0);
        assert.equal(plain.content, `Simulated ${P.profile} answer to: what is a route?`);
        const noTools = await call({ model: P.model, messages: asked('what did we spend on qwen yesterday?') });
        assert.equal(noTools.toolCalls.length, 0);
        assert.equal(noTools.content, `Simulated ${P.profile} answer to: what did we spend on qwen yesterday?`);
        const before = sim.requests.length;
        const none = await call({ model: P.model, messages: asked('which routes serve kimi?'), tools: OPS_TOOLS, toolChoice: 'none' });
        assert.equal(none.toolCalls.length, 0);
        assert.equal(none.content, `Simulated ${P.profile} answer to: which routes serve kimi?`);
        assert.ok(chatRequests(sim, P.profile, before).length >= 1, 'the request reached this profile');
      });
    });
  }
}

test('a tool result that is not JSON is quoted; results of an earlier turn do not answer a new question', async () => {
  const client = simClient(sim, 'deepseek');
  const model = 'deepseek-v4-flash';
  const first = await client.chat({ model, messages: [{ role: 'user', content: 'which routes serve kimi?' }], tools: OPS_TOOLS });
  const tc = first.toolCalls[0]!;
  const earlier: ChatMessage[] = [
    { role: 'user', content: 'which routes serve kimi?' },
    { role: 'assistant', content: '', tool_calls: first.toolCalls, reasoning_content: first.reasoning },
    { role: 'tool', tool_call_id: tc.id, content: 'kimi-k2.5 via moonshot, then openrouter' },
  ];
  const quoted = await client.chat({ model, messages: earlier, tools: OPS_TOOLS });
  assert.equal(quoted.content, 'Based on the data: kimi-k2.5 via moonshot, then openrouter');
  // A new question in the same thread asks again.
  const next = await client.chat({ model, messages: [...earlier, { role: 'assistant', content: quoted.content }, { role: 'user', content: 'and which routes serve glm?' }], tools: OPS_TOOLS });
  assert.equal(next.toolCalls[0]?.name, 'list_routes');
  assert.deepEqual(JSON.parse(next.toolCalls[0]!.arguments), { query: 'glm' });
});
