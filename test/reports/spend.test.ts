// The spend report is a pure function of the ledger's answers, the period, the grouping and
// today: no clock, no command, no Slack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePeriod } from '../../src/domain/time/period.js';
import { spendReport, type SpendLedger } from '../../src/features/reports/spend.js';
import { spendCsv } from '../../src/features/reports/spend-csv.js';
import { spendJson } from '../../src/features/reports/spend-json.js';
import { spendReply } from '../../src/features/reports/spend-reply.js';

const USD = 1_000_000_000; // nano-USD per dollar

function fakeLedger(rows: Array<{ day: string; key: string; usd: number; unpriced?: number }>): SpendLedger {
  const within = (from: string, to: string) => rows.filter((r) => r.day >= from && r.day <= to);
  return {
    spendRollup: async (_dim, from, to) => within(from, to).map((r) => ({ day: r.day, key: r.key, cost_nusd: BigInt(r.usd * USD), requests: 1, unpriced: r.unpriced ?? 0, usage_missing: 0, interrupted: 0, provider_cost_nusd: 0n, input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n })),
    totals: async (from, to) => {
      const rs = within(from, to);
      return { cost_nusd: BigInt(rs.reduce((s, r) => s + r.usd * USD, 0)), requests: rs.length, unpriced: rs.reduce((s, r) => s + (r.unpriced ?? 0), 0), usage_missing: 0, interrupted: 0, never_sent: 0, not_found_probes: 0, routecheck_nusd: 0n };
    },
    count: async () => rows.length,
  };
}

test('groups biggest first with shares, the previous period and the month-end projection', async () => {
  const ledger = fakeLedger([
    { day: '2026-11-02', key: 'zai', usd: 1 },
    { day: '2026-11-09', key: 'deepseek', usd: 3 },
    { day: '2026-11-10', key: 'zai', usd: 1 },
    { day: '2026-10-20', key: 'zai', usd: 4 },
  ]);
  const period = parsePeriod('month', '2026-11-10');
  assert.ok(period.ok);
  const report = await spendReport(ledger, { daily: 10 }, { period: period.period, groupBy: 'provider', today: '2026-11-10' });
  assert.deepEqual(report.groups.map((g) => [g.key, Number(g.total) / USD]), [['deepseek', 3], ['zai', 2]]);
  assert.equal(report.days.length, 10);
  assert.deepEqual([report.previous.from, report.previous.to, Number(report.previous.totals.cost_nusd) / USD], ['2026-10-22', '2026-10-31', 0]);
  assert.equal(report.projection_nusd, BigInt(15 * USD), '$5 in 10 of 30 days');
  assert.deepEqual(report.budgets.map((b) => [b.id, Number(b.spent_nusd) / USD]), [['daily', 1]]);
  const json = spendJson(report, 'UTC');
  assert.deepEqual(json.groups.map((g) => g.share), [0.6, 0.4]);
  assert.equal(json.projection_usd, 15);
});

test('CSV: one line per day and group with spend; formula-looking keys are defused', async () => {
  const period = parsePeriod('2026-11-01..2026-11-02', '2026-11-10');
  assert.ok(period.ok);
  const report = await spendReport(fakeLedger([{ day: '2026-11-02', key: '=SUM(A1),x', usd: 0.5 }]), {}, { period: period.period, groupBy: 'user', today: '2026-11-10' });
  assert.equal(spendCsv(report), `date,user,usd,unpriced_rows\r\n2026-11-02,"'=SUM(A1),x",0.50,0\r\n`);
});

test('CSV: rows without a price are counted, and a cell with nothing priced is empty, never 0.00', async () => {
  const period = parsePeriod('2026-11-01..2026-11-02', '2026-11-10');
  assert.ok(period.ok);
  const ledger = fakeLedger([
    { day: '2026-11-01', key: 'mystery/model', usd: 0, unpriced: 2 },
    { day: '2026-11-02', key: 'qwen-plus', usd: 1.5, unpriced: 1 },
  ]);
  const report = await spendReport(ledger, {}, { period: period.period, groupBy: 'model', today: '2026-11-10' });
  assert.equal(spendCsv(report), 'date,model,usd,unpriced_rows\r\n2026-11-01,mystery/model,,2\r\n2026-11-02,qwen-plus,1.50,1\r\n');
});

test('the reply says what the previous period was, budget amounts explain their percentage, JSON shares have 4 places', async () => {
  const ledger = fakeLedger([
    { day: '2026-11-09', key: 'deepseek', usd: 1 },
    { day: '2026-11-10', key: 'deepseek', usd: 0.02 },
    { day: '2026-11-10', key: 'zai', usd: 0.0076 },
    { day: '2026-11-03', key: 'zai', usd: 2 },
  ].map((r) => ({ ...r, usd: Math.round(r.usd * 1e4) / 1e4 })));
  const period = parsePeriod('today', '2026-11-10');
  assert.ok(period.ok);
  const report = await spendReport(ledger, { daily: 0.03 }, { period: period.period, groupBy: 'provider', today: '2026-11-10' });
  const reply = spendReply(report, { timezone: 'UTC', csv: false });
  const fields = reply.sections![0]!.fields!;
  assert.equal(fields.find((f) => f.label.startsWith('vs previous'))!.value, '−97.2% (was $1.00)');
  // $0.0276 of $0.03 is 92%: "$0.03 of $0.03" would not say why.
  assert.match(reply.sections![1]!.text!, /Daily budget: \$0\.0276 of \$0\.03 \(92%, warning\)/);
  assert.deepEqual(spendJson(report, 'UTC').groups.map((g) => g.share), [0.7246, 0.2754]);
});

test('one day reads as one day: "on", "the previous day", "new (nothing the day before)", "1 row", one clean left-out sentence', async () => {
  const day = '2026-12-05';
  const period = parsePeriod('today', day);
  assert.ok(period.ok);
  // Nothing but two calls never sent (no API key) on the day, nothing the day before.
  const quiet = fakeLedger([]);
  const withUnsent: SpendLedger = { ...quiet, totals: async (from, to) => ({ ...(await quiet.totals(from, to)), never_sent: from === day ? 2 : 0 }), count: async () => 2 };
  const empty = spendReply(await spendReport(withUnsent, {}, { period: period.period, groupBy: 'provider', today: day }), { timezone: 'UTC', csv: false });
  assert.equal(empty.summary, 'No usage recorded on 2026-12-05. Left out, since they are not requests and cost nothing: 2 calls never sent (no API key). The previous day cost $0.00.');

  const used = fakeLedger([{ day, key: 'zai', usd: 0.5, unpriced: 1 }]);
  const reply = spendReply(await spendReport(used, {}, { period: period.period, groupBy: 'provider', today: day }), { timezone: 'UTC', csv: false });
  const fields = reply.sections![0]!.fields!;
  assert.deepEqual(fields.find((f) => f.label.startsWith('vs previous')), { label: 'vs previous day', value: 'new (nothing the day before)' });
  assert.equal(fields.find((f) => f.label === 'Not priced')!.value, '1 row (not in the total)');
  const week = parsePeriod('week', day);
  assert.ok(week.ok);
  const weekly = spendReply(await spendReport(used, {}, { period: week.period, groupBy: 'provider', today: day }), { timezone: 'UTC', csv: false });
  assert.equal(weekly.sections![0]!.fields!.find((f) => f.label.startsWith('vs previous'))!.label, 'vs previous 7 days');
});
