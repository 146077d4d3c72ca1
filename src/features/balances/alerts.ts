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
// - top_up:<event id>: money paid in.
import { formatBalance } from '../../domain/money/balance.js';
import { decimalToNano } from '../../domain/money/units.js';
import type { StoredBalanceEvent } from '../../store/balances.js';
import type { Alert, AlertKind } from '../alerts/types.js';
import type { BalanceLine } from './view.js';

export const DEFAULT_RUNWAY_DAYS = [7, 2] as const;
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
    if (l.balance_nano !== null && l.runway) {
      const crossed = [...input.runwayDays].sort((a, b) => a - b).find((t) => l.runway!.runway_days < t);
      if (crossed !== undefined) {
        const text = `${l.provider}'s balance runs out in ${l.runway.runway_days} days, on ${l.runs_out_on}, at the last week's burn (${formatBalance(l.burn_nano!, l.currency!)} a day; ${formatBalance(l.balance_nano, l.currency!)} left): under ${crossed} days.`;
        out.push(alert('runway', `runway:${l.provider}:${crossed}:${episode}`, channel, `Runway under ${crossed} days: ${l.provider}`, text, { provider: l.provider, threshold_days: crossed, runway_days: l.runway.runway_days, runs_out_on: l.runs_out_on }));
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
  for (const e of input.recentTopUps) {
    if (e.kind !== 'top_up') continue;
    const text = `${e.provider} was topped up by ${formatBalance(e.amount_nano, e.currency)} (seen at ${e.at.slice(0, 16).replace('T', ' ')} UTC).`;
    out.push(alert('top_up', `top_up:${e.id}`, channel, `Top-up received: ${e.provider}`, text, { provider: e.provider, currency: e.currency, amount: String(e.amount_nano), at: e.at }));
  }
  return out;
}
