// 👍/👎 on answers (action id answer.feedback, docs/ARCHITECTURE.md §3.3) through the real Bolt app
// over signed HTTP, the fake Slack and the simulator: an /ask answer carries Slack's feedback
// buttons naming its ledger row; a click is recorded beside that row once per user (the other
// button changes the vote, the same one again changes nothing); the answer is updated to thank
// and count, its text kept; unsigned or forged clicks change nothing; `spend --json by model`
// counts the votes per model.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { cli } from '../../src/app/cli.js';
import { startTestApp, SIGNING_SECRET, type TestApp } from '../support/app.js';
import { clickButton } from '../support/block-actions.js';
import { peekDb } from '../support/db.js';
import type { StoredMessage } from '../support/fake-slack.js';
import { DEFAULT_NOW } from '../support/services.js';
import { postSigned, slashCommandBody, slackSignature } from '../support/slack-request.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';

let sim: Simulator;
let t: TestApp;
const CHANNEL = 'C0FEEDBACK';

before(async () => {
  sim = await startSim();
  t = await startTestApp({ config: simConfig(sim), env: SIM_KEYS });
});
after(async () => {
  await t.close();
  await sim.close();
});

type Block = { type: string; block_id?: string; text?: { text: string }; elements?: Array<Record<string, unknown>> };

/** /ask in the channel; resolves with the answer once its final rendering (footer last) is in. */
async function slashAsk(text: string): Promise<StoredMessage> {
  const before = t.slack.messages.length;
  await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/ask', text, user_id: 'U0ASKER', channel_id: CHANNEL, response_url: `${t.slack.baseUrl}/respond/${randomUUID()}` }));
  const update = await t.slack.waitFor('chat.update', (c) => c.body.channel === CHANNEL && t.slack.messages.slice(before).some((m) => m.ts === c.body.ts) && (c.body.blocks as Block[]).at(-1)?.type === 'context');
  return t.slack.messages.find((m) => m.ts === update.body.ts)!;
}

const feedbackOf = (m: StoredMessage) => (m.blocks as Block[]).find((b) => b.type === 'context_actions')?.elements?.[0] as
  | { type: string; action_id: string; positive_button: { value: string }; negative_button: { value: string } }
  | undefined;

const votes = (callId: string) =>
  peekDb(t.dbPath, (db) => db.prepare('SELECT user_id, vote, changed_at IS NOT NULL AS changed FROM answer_feedback WHERE call_id = ? ORDER BY user_id').all(callId) as Array<{ user_id: string; vote: string; changed: number }>);

/**
 * Clicks one half of the answer's feedback buttons; resolves once what the click does is done:
 * the answer updated (`update`), a line told to the clicker alone (`told`, its text), or both.
 */
async function vote(message: StoredMessage, user: string, half: 'up' | 'down', expect: { update?: boolean; told?: boolean } = { update: true }): Promise<string | undefined> {
  const element = feedbackOf(message)!;
  const value = half === 'up' ? element.positive_button.value : element.negative_button.value;
  const callsBefore = t.slack.calls.length;
  const respondPath = await clickButton(t, message, user, { id: 'answer.feedback', blockId: 'feedback', value, type: 'feedback_buttons' });
  const [, told] = await Promise.all([
    expect.update ? t.slack.waitFor('chat.update', (c) => t.slack.calls.indexOf(c) >= callsBefore && c.body.ts === message.ts) : undefined,
    expect.told ? t.slack.waitFor('response_url', (c) => c.path === respondPath) : undefined,
  ]);
  return told ? String(told.body.text) : undefined;
}

test('an /ask answer carries 👍/👎 naming its ledger row; a click is recorded beside it and acknowledged, the answer kept', async () => {
  const answer = await slashAsk('what is a feedback button?');
  const element = feedbackOf(answer)!;
  assert.equal(element.type, 'feedback_buttons');
  assert.equal(element.action_id, 'answer.feedback');
  const callId = element.positive_button.value.replace(/^up:/, '');
  const row = (await t.app.services.ledger.recentRows(1000)).find((r) => r.call_id === callId);
  assert.ok(row && row.source === 'ask' && row.status === 'ok', 'the button names the answer\'s own ledger row');
  // The buttons sit under the answer, the footer stays last.
  const types = (answer.blocks as Block[]).map((b) => b.type);
  assert.deepEqual(types.slice(-2), ['context_actions', 'context']);

  const answerText = answer.text;
  await vote(answer, 'U0READER', 'up');
  assert.deepEqual(votes(callId), [{ user_id: 'U0READER', vote: 'up', changed: 0 }]);
  const blocks = answer.blocks as Block[];
  const ack = blocks.find((b) => b.block_id === 'answer.feedback.ack')!;
  assert.match(JSON.stringify(ack), /Thanks — feedback recorded \(👍 1 · 👎 0\)/);
  assert.equal(answer.text, answerText, 'the message text is the answer still');
  assert.match(JSON.stringify(blocks), /Simulated deepseek answer to: what is a feedback button\?/);
  assert.ok(feedbackOf(answer), 'the buttons stay for others to vote');
  assert.equal(blocks.at(-1)!.type, 'context', 'the footer is still last');
  assert.match(JSON.stringify(blocks.at(-1)), /deepseek-v4-flash · deepseek\//);
});

test('one vote per user per answer: the same button again changes nothing, the other changes the vote; another user votes too', async () => {
  const answer = await slashAsk('vote twice on this');
  const callId = feedbackOf(answer)!.positive_button.value.replace(/^up:/, '');
  await vote(answer, 'U0ONE', 'up');
  const updatesAfterFirst = t.slack.calls.filter((c) => c.method === 'chat.update' && c.body.ts === answer.ts).length;

  const again = await vote(answer, 'U0ONE', 'up', { told: true });
  assert.match(again!, /You already said 👍 on this answer: nothing changed/);
  assert.deepEqual(votes(callId), [{ user_id: 'U0ONE', vote: 'up', changed: 0 }]);
  assert.equal(t.slack.calls.filter((c) => c.method === 'chat.update' && c.body.ts === answer.ts).length, updatesAfterFirst, 'nothing to update');

  const changed = await vote(answer, 'U0ONE', 'down', { update: true, told: true });
  assert.match(changed!, /now 👎/);
  assert.deepEqual(votes(callId), [{ user_id: 'U0ONE', vote: 'down', changed: 1 }]);
  assert.match(JSON.stringify(answer.blocks), /👍 0 · 👎 1/);

  await vote(answer, 'U0TWO', 'up');
  assert.deepEqual(
    votes(callId).map((v) => [v.user_id, v.vote]),
    [['U0ONE', 'down'], ['U0TWO', 'up']],
  );
  assert.match(JSON.stringify(answer.blocks), /👍 1 · 👎 1/);
  assert.equal((answer.blocks as Block[]).filter((b) => b.block_id === 'answer.feedback.ack').length, 1, 'one acknowledgement line, rewritten');
});

test('an unsigned or forged click is refused (401) and records nothing', async () => {
  const answer = await slashAsk('forge me');
  const callId = feedbackOf(answer)!.positive_button.value.replace(/^up:/, '');
  const payload = JSON.stringify({
    type: 'block_actions',
    user: { id: 'U0FORGER' },
    team: { id: 'T0TEST' },
    channel: { id: CHANNEL },
    container: { type: 'message', message_ts: answer.ts, channel_id: CHANNEL },
    message: { ts: answer.ts, text: answer.text, blocks: answer.blocks },
    response_url: `${t.slack.baseUrl}/respond/forged`,
    actions: [{ type: 'feedback_buttons', action_id: 'answer.feedback', block_id: 'x', value: `up:${callId}`, action_ts: '1' }],
  });
  const body = new URLSearchParams({ payload }).toString();
  const now = Math.floor(Date.now() / 1000);
  const unsigned = await fetch(`${t.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(now) }, body });
  assert.equal(unsigned.status, 401);
  const forged = await fetch(`${t.url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(now), 'x-slack-signature': slackSignature('not-the-secret', now, body) },
    body,
  });
  assert.equal(forged.status, 401);
  // Signed, then changed in transit.
  const tampered = await postSigned(`${t.url}/slack/events`, SIGNING_SECRET, body.replace('U0FORGER', 'U0OTHER'), { tamper: (b) => b.replace('U0OTHER', 'U0FORGER') });
  assert.equal(tampered.status, 401);
  assert.deepEqual(votes(callId), []);
});

test('a feedback value that names no answer of ours is told so and records nothing', async () => {
  const answer = await slashAsk('bad value');
  const respondPath = await clickButton(t, answer, 'U0ODD', { id: 'answer.feedback', value: 'sideways:<!channel>', type: 'feedback_buttons' });
  const said = await t.slack.waitFor('response_url', (c) => c.path === respondPath);
  assert.match(String(said.body.text), /names no answer of routeops: nothing was recorded/);
  assert.equal(peekDb(t.dbPath, (db) => db.prepare("SELECT COUNT(*) FROM answer_feedback WHERE user_id = 'U0ODD'").pluck().get()), 0);
});

test('`spend --json by model` counts the votes per model beside the spend; by provider it is unchanged', async () => {
  const answer = await slashAsk('count my votes');
  await vote(answer, 'U0SPEND1', 'up');
  await vote(answer, 'U0SPEND2', 'down');
  await vote(answer, 'U0SPEND3', 'up');
  const env = { ROUTEOPS_CONFIG: join(t.dir, 'routeops.yml'), ...t.storeEnv, LOG_LEVEL: 'silent', ...SIM_KEYS };
  const run = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await cli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, clock: () => new Date(DEFAULT_NOW) });
    assert.equal(code, 0, stderr);
    return stdout;
  };
  // Every vote of this file's answers: all on deepseek/deepseek-v4-flash, the default route.
  const all = peekDb(t.dbPath, (db) => db.prepare("SELECT SUM(vote = 'up') AS up, SUM(vote = 'down') AS down FROM answer_feedback").get()) as { up: number; down: number };
  const doc = JSON.parse(await run('spend', 'today', 'by', 'model', '--json')) as { feedback: { up: number; down: number }; groups: Array<{ key: string; requests: number; feedback: { up: number; down: number } }> };
  const group = doc.groups.find((g) => g.key === 'deepseek/deepseek-v4-flash')!;
  assert.deepEqual(group.feedback, all);
  assert.ok(all.up >= 2 && all.down >= 1);
  assert.deepEqual(doc.feedback, all);
  assert.ok(group.requests >= 1, 'the existing fields are still there');
  const text = await run('spend', 'today', 'by', 'model');
  assert.match(text, new RegExp(`👍 / 👎.*${all.up} / ${all.down}`));
  const byProvider = JSON.parse(await run('spend', 'today', '--json')) as Record<string, unknown> & { groups: Array<Record<string, unknown>> };
  assert.equal('feedback' in byProvider, false);
  assert.equal('feedback' in byProvider.groups[0]!, false);
  assert.doesNotMatch(await run('spend', 'today'), /👍/);
});

test('votes arriving together: the answer ends showing the stored count, never an older one', async () => {
  const answer = await slashAsk('three people vote at once');
  const element = feedbackOf(answer)!;
  const before = t.slack.calls.length;
  const voters: Array<[string, string]> = [['U0V1', element.negative_button.value], ['U0V2', element.positive_button.value], ['U0V3', element.positive_button.value], ['U0V4', element.negative_button.value], ['U0V5', element.positive_button.value]];
  await Promise.all(voters.map(([user, value]) => clickButton(t, answer, user, { id: 'answer.feedback', blockId: 'feedback', value, type: 'feedback_buttons' })));
  // Five votes, five updates, in the order they went out: the last carries the stored count.
  const updates = () => t.slack.calls.filter((c) => t.slack.calls.indexOf(c) >= before && c.method === 'chat.update' && c.body.ts === answer.ts);
  for (let n = 1; n <= voters.length; n++) await t.slack.waitFor('chat.update', () => updates().length >= n);
  const last = JSON.stringify(updates().at(-1)!.body.blocks);
  assert.match(last, /feedback recorded \(👍 3 · 👎 2\)/);
  assert.match(JSON.stringify(t.slack.messages.find((m) => m.ts === answer.ts)!.blocks), /👍 3 · 👎 2/);
});
