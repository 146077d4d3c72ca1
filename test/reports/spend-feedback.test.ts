// 👍/👎 per model in the spend report (docs/ARCHITECTURE.md §3.1 `spend` "Feedback"): votes are
// counted by the day and model of the answer's ledger row (joined on call_id), only by model;
// one vote per user per answer in the store, whichever button came last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UsageInput } from '../../src/store/ledger.js';
import { createAnswerFeedbackStore } from '../../src/store/answer-feedback.js';
import { parsePeriod } from '../../src/domain/time/period.js';
import { spendReport } from '../../src/features/reports/spend.js';
import { spendJson } from '../../src/features/reports/spend-json.js';
import { spendReply } from '../../src/features/reports/spend-reply.js';
import { makeLedger, tempDb } from '../support/ledger-fixtures.js';

const row = (id: string, day: string, model: string): UsageInput => ({ ts: `${day}T10:00:00.000Z`, provider: 'deepseek', model, input_tokens: 100, cached_input_tokens: 0, output_tokens: 10, reasoning_tokens: 0, call_id: id, route: 'fast', user: 'U1' });

test('votes count per model on the days of their answers, the last button of each user counting once', async (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const ledger = makeLedger(db);
  await ledger.record([row('a1', '2026-03-01', 'chat'), row('a2', '2026-03-01', 'reasoner'), row('a3', '2026-03-02', 'chat')], 'ask');
  const feedback = createAnswerFeedbackStore(db);
  const at = '2026-03-02T12:00:00.000Z';
  const v = (callId: string, user: string, vote: 'up' | 'down') => feedback.vote({ callId, user, vote, channel: 'C1', messageTs: '1.1', nowIso: at });
  assert.equal((await v('a1', 'U1', 'up')).outcome, 'recorded');
  assert.equal((await v('a1', 'U1', 'up')).outcome, 'unchanged');
  assert.deepEqual(await v('a1', 'U1', 'down'), { outcome: 'changed', tally: { up: 0, down: 1 } });
  await v('a1', 'U2', 'up');
  await v('a2', 'U1', 'down');
  await v('a3', 'U1', 'up');
  // A vote on an answer whose row is not in the ledger (yet) is kept but not counted.
  await v('not-in-ledger', 'U1', 'up');

  const day1 = parsePeriod('2026-03-01..2026-03-01', '2026-03-02');
  assert.ok(day1.ok);
  const byModel = await spendReport(ledger, {}, { period: day1.period, groupBy: 'model', today: '2026-03-02', feedback });
  const json = spendJson(byModel, 'UTC');
  assert.deepEqual(json.feedback, { up: 1, down: 2 }, 'the 2 March answer is not in 1 March');
  assert.deepEqual(Object.fromEntries(json.groups.map((g) => [g.key, g.feedback])), { 'deepseek/chat': { up: 1, down: 1 }, 'deepseek/reasoner': { up: 0, down: 1 } });
  const table = spendReply(byModel, { timezone: 'UTC', csv: false }).table!;
  const votes = table.footerRows!.find((r) => r[0] === '👍 / 👎')!;
  assert.deepEqual(votes.slice(1), table.columns.slice(1).map((c) => (c.header === 'deepseek/chat' ? '1 / 1' : c.header === 'deepseek/reasoner' ? '0 / 1' : '1 / 2')));

  // By provider: no feedback fields, no row; without votes in the period: fields but no row.
  const byProvider = await spendReport(ledger, {}, { period: day1.period, groupBy: 'provider', today: '2026-03-02', feedback });
  assert.equal('feedback' in spendJson(byProvider, 'UTC'), false);
  assert.ok(!spendReply(byProvider, { timezone: 'UTC', csv: false }).table!.footerRows!.some((r) => r[0] === '👍 / 👎'));
  const quiet = parsePeriod('2026-02-01..2026-02-28', '2026-03-02');
  assert.ok(quiet.ok);
  await ledger.record([row('b1', '2026-02-10', 'chat')], 'ask');
  const noVotes = await spendReport(ledger, {}, { period: quiet.period, groupBy: 'model', today: '2026-03-02', feedback });
  assert.deepEqual(spendJson(noVotes, 'UTC').groups.map((g) => g.feedback), [{ up: 0, down: 0 }]);
  assert.ok(!spendReply(noVotes, { timezone: 'UTC', csv: false }).table!.footerRows!.some((r) => r[0] === '👍 / 👎'));
});
