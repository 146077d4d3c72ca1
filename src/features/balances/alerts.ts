// Balance alerts of the balances job (docs/ARCHITECTURE.md §3.7): from the view /balance shows
// (src/features/balances/view.ts) and the recorded top-ups. Each is once-only through its outbox
// key, and the keys re-arm when money is added (the id of the provider's latest top-up is part
// of them), so a balance topped up and drained again alerts again:
// - runway:<provider>:<threshold>:<top-up id|0>: days left under a threshold of
//   budgets.runway_days (default [7, 2]); only the lowest threshold crossed is sent;
// - balance_floor:<provider>:<top-up id|0>: the balance under budgets.balance_floor[provider];
// - unavailable:<provider>:flag:<top-up id|0>: the provider says calls are not served;
//   unavailable:<provider>:failing:<last snapshot time|none>: FAILURES_IN_A_ROW polls failed in a
//   row (one failure is no alert);
//   unavailable:<provider>:refused:<episode start ms>: calls on a route were refused for lack of
//   money (ledger status 'balance', any provider, balance source or not) in the last day and no
//   refused model answered since; once per episode (it starts at the first refusal after the
//   provider last answered);
// - top_up:<event id>: money paid in (1.00 or more: smaller rises are recorded, not announced).
import { formatBalance } from '../../domain/money/balance.js';
import { decimalToNano } from '../../domain/money/units.js';
import type { BalanceRefusals, StoredBalanceEvent } from '../../store/balances.js';
import type { Alert, AlertKind } from '../alerts/types.js';
import type { BalanceLine } from './view.js';

export const DEFAULT_RUNWAY_DAYS = [7, 2] as const;
/** The least top-up announced: 1.00 of the balance's currency. */
export const TOP_UP_ALERT_MIN_NANO = 1_000_000_000n;
/** Polls that must fail in a row before the unavailable alert: one failure may be a blip. */
export const FAILURES_IN_A_ROW = 3;

export interface BalanceAlertInput {
  lines: readonly BalanceLine[];
  /** Per provider, its failed polls since its last snapshot. */
  failures: ReadonlyMap<string, { count: number; lastSnapshotAt: string | null }>;
  /** Top-ups recorded recently (each alerts once). */
  recentTopUps: readonly StoredBalanceEvent[];
  /** Per provider, the id of its latest top-up (0: none): the episode the once-only keys belong to. */
  lastTopUpId: ReadonlyMap<string, number>;
  /** Calls refused for lack of money in the last day, per provider. */
  refusals: readonly BalanceRefusals[];
  runwayDays: readonly number[];
  floors: Readonly<Record<string, number>>;
  channel: string;
}

function alert(kind: AlertKind, key: string, channel: string, title: string, text: string, data: unknown): Alert {
  return { key, kind, channel, text, reply: { kind: 'result', title, summary: text, footer: '/balance shows every provider\'s balance, burn and runway.', data } };
}

/** The balance alerts due now (the runner drops those whose key was recorded before). */
export function balanceAlerts(input: BalanceAlertInput): Alert[] {
  const out: Alert[] = [];
  const { channel } = input;
  for (const l of input.lines) {
    const episode = input.lastTopUpId.get(l.provider) ?? 0;
    // The sooner of the flat week's runway and the weekday/weekend pattern's.
    const byPattern = l.pattern?.runway && (!l.runway || l.pattern.runway.runway_days < l.runway.runway_days) ? l.pattern : null;
    const runway = byPattern ? byPattern.runway : l.runway;
    if (l.balance_nano !== null && runway) {
      const crossed = [...input.runwayDays].sort((a, b) => a - b).find((t) => runway.runway_days < t);
      if (crossed !== undefined) {
        const runsOutOn = byPattern ? byPattern.runs_out_on : l.runs_out_on;
        const burn = byPattern
          ? `${formatBalance(byPattern.weekday_nano, l.currency!)} a weekday, ${formatBalance(byPattern.weekend_nano, l.currency!)} a weekend day`
          : `${formatBalance(l.burn_nano!, l.currency!)} a day`;
        const text = `${l.provider}'s balance runs out in ${runway.runway_days} days, on ${runsOutOn}, at the last week's burn (${burn}; ${formatBalance(l.balance_nano, l.currency!)} left): under ${crossed} days.`;
        out.push(alert('runway', `runway:${l.provider}:${crossed}:${episode}`, channel, `Runway under ${crossed} days: ${l.provider}`, text, { provider: l.provider, threshold_days: crossed, runway_days: runway.runway_days, runs_out_on: runsOutOn }));
      }
    }
    const floor = input.floors[l.provider];
    if (l.balance_nano !== null && floor !== undefined && l.balance_nano < decimalToNano(floor)) {
      const text = `${l.provider}'s balance is ${formatBalance(l.balance_nano, l.currency!)}, under its floor of ${formatBalance(decimalToNano(floor), l.currency!)} (budgets.balance_floor).`;
      out.push(alert('balance_floor', `balance_floor:${l.provider}:${episode}`, channel, `Balance under its floor: ${l.provider}`, text, { provider: l.provider, balance: String(l.balance_nano), floor }));
    }
    if (l.available === false && !l.error) {
      const text = `${l.provider} says its account is not available: calls are refused until it is topped up (balance ${formatBalance(l.balance_nano!, l.currency!)}). Routes fall back to their next provider.`;
      out.push(alert('unavailable', `unavailable:${l.provider}:flag:${episode}`, channel, `Account not available: ${l.provider}`, text, { provider: l.provider, reason: 'not_available' }));
    }
    const failing = input.failures.get(l.provider);
    if (failing && failing.count >= FAILURES_IN_A_ROW && l.error) {
      const text = `${l.provider}'s balance could not be read in the last ${failing.count} polls: ${l.error}`;
      out.push(alert('unavailable', `unavailable:${l.provider}:failing:${failing.lastSnapshotAt ?? 'none'}`, channel, `Balance unreadable: ${l.provider}`, text, { provider: l.provider, reason: 'polls_failing', failures: failing.count }));
    }
  }
  const flagged = new Set(input.lines.filter((l) => l.available === false && !l.error).map((l) => l.provider));
  for (const r of input.refusals) {
    if (r.recovered || flagged.has(r.provider)) continue;
    const since = new Date(r.episode_ms).toISOString().slice(0, 16).replace('T', ' ');
    const why = r.error ? ` (${r.error.length > 200 ? `${r.error.slice(0, 199)}…` : r.error})` : '';
    const text = `${r.provider} refused ${r.count} ${r.count === 1 ? 'call' : 'calls'} for lack of balance since ${since} UTC${why}. Routes fall back to their next provider until ${r.provider}'s account is topped up.`;
    out.push(alert('unavailable', `unavailable:${r.provider}:refused:${r.episode_ms}`, channel, `Calls refused for lack of balance: ${r.provider}`, text, { provider: r.provider, reason: 'refused', refused_calls: r.count, since: new Date(r.episode_ms).toISOString() }));
  }
  for (const e of input.recentTopUps) {
    // A rise under one unit (a provider's rounding, a refund of a few calls) is recorded, not announced.
    if (e.kind !== 'top_up' || e.amount_nano < TOP_UP_ALERT_MIN_NANO) continue;
    const text = `${e.provider} was topped up by ${formatBalance(e.amount_nano, e.currency)} (seen at ${e.at.slice(0, 16).replace('T', ' ')} UTC).`;
    out.push(alert('top_up', `top_up:${e.id}`, channel, `Top-up received: ${e.provider}`, text, { provider: e.provider, currency: e.currency, amount: String(e.amount_nano), at: e.at }));
  }
  return out;
}
