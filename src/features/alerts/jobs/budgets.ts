// Budget and anomaly alerts.
//
// Budgets: the daily, monthly and per-provider budgets (budgetStatuses, the same numbers /spend
// shows), a per-user daily budget for every user with spend today, and the daily and monthly
// budgets of each gateway key (keyBudgetStatuses; ids `key:<name>:daily|monthly`). Each alerts
// at 50, 80 and 100%, each threshold once per budget period: key `budget:<id>:<period start>:<threshold>`.
// A run that finds a budget past several thresholds at once (85% on the first check) sends
// only the highest one crossed (80%): the lower ones would say less and arrive together. A
// threshold is also skipped when a higher one was already sent this period (spend only grows;
// this covers a raised limit lowering the percentage mid-period).
//
// Anomaly: a completed day (yesterday, in config.timezone) whose spend is more than three times
// the average of the 7 days before it (integer test: 7 × day > 3 × sum of the 7 days), once per
// day: key `anomaly:<day>`. Only judged with a full week of history before the day and a
// non-zero average, so the first days of a new ledger are not flagged. Today-so-far is not
// judged: a partial day is compared only once it is complete.
//
// Each carries the chart of what it talks about (src/features/alerts/chart-of.ts), which the
// Slack poster uploads into its thread.
import type { Services } from '../../services.js';
import { budgetStatuses, percentUsed, type BudgetStatus } from '../../budgets/status.js';
import { NO_USER } from '../../../domain/spend.js';
import { formatUsd, formatUsdDecimal, usdToNusd } from '../../../domain/money/units.js';
import { addDays, type DayString } from '../../../domain/time/zone.js';
import { keyBudgetStatuses } from '../../gateway/key-budgets.js';
import type { SpendChart } from '../../../domain/chart.js';
import { periodChart } from '../chart-of.js';
import { channelFor, type Alert, type AlertJob } from '../types.js';

export const BUDGET_THRESHOLDS = [50, 80, 100] as const;
/** The budget alert's button (docs/ARCHITECTURE.md §3.6 action ids). */
export const SHOW_SPEND_ACTION = 'budget.show_spend';

/** The last day of the month a day is in. */
const lastDay = (day: DayString): number => new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)), 0)).getUTCDate();
export type BudgetThreshold = (typeof BUDGET_THRESHOLDS)[number];

export const budgetKey = (s: Pick<BudgetStatus, 'id' | 'periodStart'>, threshold: number): string => `budget:${s.id}:${s.periodStart}:${threshold}`;

/** The highest threshold a percentage has reached, or null below 50%. */
export function crossedThreshold(percent: number): BudgetThreshold | null {
  let out: BudgetThreshold | null = null;
  for (const t of BUDGET_THRESHOLDS) if (percent >= t) out = t;
  return out;
}

/** Every budget with its spend today: global and per-provider ones, one per user with spend, then the gateway keys'. */
export async function allBudgetStatuses(services: Services, today: DayString): Promise<BudgetStatus[]> {
  const { budgets } = services.config;
  const out = await budgetStatuses(budgets, services.ledger, today);
  // The gateway's rows carry the key name as the user: a key is held to its own budgets, not per_user_daily.
  const keyNames = new Set((await services.store.gatewayKeys.list()).map((k) => k.name));
  if (budgets.per_user_daily !== undefined) {
    const limit = usdToNusd(budgets.per_user_daily);
    const byUser = new Map<string, bigint>();
    for (const r of await services.ledger.spendRollup('user', today, today)) {
      if (r.key !== NO_USER && !keyNames.has(r.key)) byUser.set(r.key, (byUser.get(r.key) ?? 0n) + r.cost_nusd);
    }
    for (const [user, spent] of [...byUser].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      out.push({ id: `user:${user}:daily`, label: `Daily budget of user ${user}`, period: 'daily', periodStart: today, spent_nusd: spent, limit_nusd: limit });
    }
  }
  out.push(...(await keyBudgetStatuses(services, today)));
  return out;
}

function budgetAlert(s: BudgetStatus, threshold: BudgetThreshold, channel: string, chart: SpendChart | undefined): Alert {
  const pct = percentUsed(s);
  const when = s.period === 'daily' ? `on ${s.periodStart}` : `in ${s.periodStart.slice(0, 7)} (month to date)`;
  const headline =
    threshold === 100
      ? `${s.label} reached: ${pct}% used (${formatUsd(s.spent_nusd)} of ${formatUsd(s.limit_nusd)}) ${when}`
      : `${s.label} at ${pct}%: ${formatUsd(s.spent_nusd)} of ${formatUsd(s.limit_nusd)} spent ${when}, past the ${threshold}% mark`;
  return {
    key: budgetKey(s, threshold),
    kind: 'budget',
    channel,
    text: `${headline}.`,
    reply: {
      kind: 'result',
      title: threshold === 100 ? `Budget reached: ${s.label}` : `Budget ${threshold}%: ${s.label}`,
      summary: `${headline}.`,
      sections: [
        {
          fields: [
            { label: 'Spent', value: formatUsd(s.spent_nusd) },
            { label: 'Budget', value: formatUsd(s.limit_nusd) },
            { label: 'Used', value: `${pct}%` },
            { label: 'Period', value: s.period === 'daily' ? s.periodStart : `${s.periodStart.slice(0, 7)} to date` },
          ],
        },
      ],
      footer: 'Budget alerts come at 50, 80 and 100%, each once per budget period. /spend shows the details.',
      ...(chart ? { chart } : {}),
      // Slack shows a button that posts the breakdown in the alert's thread (src/adapters/slack/budget-buttons.ts).
      decisions: [
        {
          id: 'budget.show_spend',
          text: `The spend behind it, ${s.period === 'daily' ? `on ${s.periodStart}` : `in ${s.periodStart.slice(0, 7)}`}, by provider and by model:`,
          choices: [{ action: SHOW_SPEND_ACTION, label: 'Show spend', value: s.period === 'daily' ? s.periodStart : `${s.periodStart}..${s.periodStart.slice(0, 8)}${String(lastDay(s.periodStart)).padStart(2, '0')}` }],
        },
      ],
      data: { id: s.id, period_start: s.periodStart, threshold, percent: pct, spent_usd: formatUsdDecimal(s.spent_nusd), limit_usd: formatUsdDecimal(s.limit_nusd) },
    },
  };
}

export async function budgetAlerts(services: Services, today: DayString, channel: string, include: (s: BudgetStatus) => boolean = () => true): Promise<Alert[]> {
  const out: Alert[] = [];
  const recorded = async (keys: string[]) => {
    for (const k of keys) if ((await services.store.alerts.recordedAtMs(k)) !== null) return true;
    return false;
  };
  for (const s of await allBudgetStatuses(services, today)) {
    if (s.limit_nusd <= 0 || !include(s)) continue;
    const threshold = crossedThreshold(percentUsed(s));
    if (threshold === null) continue;
    const higherOrSame = BUDGET_THRESHOLDS.filter((t) => t >= threshold);
    if (await recorded(higherOrSame.map((t) => budgetKey(s, t)))) continue;
    // The chart of what it talks about: the month to date, or a daily budget's last 14 days.
    out.push(budgetAlert(s, threshold, channel, await periodChart(services, s.period === 'daily' ? '14d' : 'month', today)));
  }
  return out;
}

export async function anomalyAlert(services: Services, today: DayString, channel: string): Promise<Alert | null> {
  const { ledger } = services;
  const day = addDays(today, -1);
  const from = addDays(day, -7);
  const to = addDays(day, -1);
  const first = await ledger.firstDay();
  if (first === null || first > from) return null;
  const spent = (await ledger.totals(day, day)).cost_nusd;
  const trailing = (await ledger.totals(from, to)).cost_nusd;
  if (trailing <= 0n || spent * 7n <= trailing * 3n) return null;
  const avg = (trailing + 3n) / 7n;
  const times = (spent * 70n) / trailing; // tenths of the multiple of the average
  const byProvider = new Map<string, bigint>();
  for (const r of await ledger.spendRollup('provider', day, day)) byProvider.set(r.key, (byProvider.get(r.key) ?? 0n) + r.cost_nusd);
  const top = [...byProvider].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0)).slice(0, 3);
  const headline = `Spend anomaly on ${day}: ${formatUsd(spent)}, ${times / 10n}.${times % 10n}× the 7-day average before it (${formatUsd(avg)} a day, ${from}..${to})`;
  const topText = top.map(([k, v]) => `${k} ${formatUsd(v)}`).join(', ');
  // The day beside the 7 it is compared with.
  const chart = await periodChart(services, `${from}..${day}`, today);
  return {
    key: `anomaly:${day}`,
    kind: 'anomaly',
    channel,
    text: `${headline}. Top providers: ${topText}.`,
    reply: {
      kind: 'result',
      title: `Spend anomaly: ${day}`,
      summary: `${headline}.`,
      sections: [{ heading: 'Top providers that day', text: top.map(([k, v]) => `${k}: ${formatUsd(v)}`).join('\n') }],
      footer: 'A day is flagged when its spend is more than three times the average of the 7 days before it. /spend yesterday by model shows the details.',
      ...(chart ? { chart } : {}),
      // Reply data is JSON (the outbox stores it): the amounts as exact decimal text.
      data: { day, spent_usd: formatUsdDecimal(spent), trailing_usd: formatUsdDecimal(trailing), from, to },
    },
  };
}

export const budgetsJob: AlertJob = {
  name: 'budgets',
  channel: 'alerts',
  async run(services, now) {
    const target = channelFor(services, 'alerts');
    if (!('channel' in target)) return [];
    const today = services.zone.dayOf(now.getTime());
    const alerts = await budgetAlerts(services, today, target.channel);
    // Periods that ended since the last run (a day at midnight, a month on the 1st, or while the
    // bot was down) get their last word too: a crossing at 23:50 is still announced.
    const current = new Set((await allBudgetStatuses(services, today)).map((s) => `${s.id}@${s.periodStart}`));
    alerts.push(...(await budgetAlerts(services, addDays(today, -1), target.channel, (s) => !current.has(`${s.id}@${s.periodStart}`))));
    const anomaly = await anomalyAlert(services, today, target.channel);
    if (anomaly) alerts.push(anomaly);
    return alerts;
  },
};
