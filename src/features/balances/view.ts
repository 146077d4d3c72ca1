// /balance (docs/ARCHITECTURE.md §3.1 `balance`): every provider with a balance source, from the
// stored snapshots only (no network): the balance, its change over a day and a week, money added
// in the week, the burn per day from the balance's own fall (top-ups and grants added back) beside
// the ledger's spend on that provider over the same days, and the runway at that burn.
//
// The burn window is the 7 whole local days before today, so it covers the same days the ledger's
// daily rollup does: from the last snapshot at or before the window's start (or the first one in
// it, on a younger history) to the last one at or before today's start.
import { DAY_MS, burnPerDayNano, convertNano, isWeekend, patternDiffers, runwayByPattern, runwayOf, type PatternBurn, type Runway } from '../../domain/money/runway.js';
import { decimalToNano } from '../../domain/money/units.js';
import { addDays, type DayString } from '../../domain/time/zone.js';
import type { StoredBalanceSnapshot } from '../../store/balances.js';
import type { Services } from '../services.js';

export const BURN_WINDOW_DAYS = 7;
/** The least time between the two readings a burn is computed from. */
export const MIN_BURN_SPAN_MS = DAY_MS;
/** A day's burn counts in the weekday/weekend pattern when both its ends were read within this (polls are hourly by default). */
export const PATTERN_READ_SLACK_MS = 3 * 3_600_000;

export interface BalanceLine {
  provider: string;
  /** Null when no balance was recorded yet. */
  currency: string | null;
  balance_nano: bigint | null;
  available: boolean | null;
  /** When the shown balance was read. */
  at: string | null;
  /** Why the latest poll failed (it recorded nothing), or that none was recorded yet. */
  error: string | null;
  /** Balance now minus 24 h / 7 days ago (null: no reading that old). */
  change_day_nano: bigint | null;
  change_week_nano: bigint | null;
  /** Top-ups and grants recorded in the last 7 days (0n: none). */
  top_ups_week_nano: bigint;
  grants_week_nano: bigint;
  /** Spent per day over the burn window, from the balance's fall. */
  burn_nano: bigint | null;
  /** The ledger's spend on this provider per day over the same span, in the balance's currency (other than USD: at balances_fx; null without a rate). */
  ledger_nano: bigint | null;
  /** (burn − ledger) / ledger in percent, to a tenth (null: not comparable or no ledger spend). */
  gap_pct: number | null;
  runway: Runway | null;
  runs_out_on: DayString | null;
  /** The runway at the window's weekday/weekend burns, when they differ by more than 25% (else null). */
  pattern: (PatternBurn & { runway: Runway | null; runs_out_on: DayString | null }) | null;
}

export interface BalanceView {
  now: string;
  lines: BalanceLine[];
  /** Providers without a balance source, and why (config.balances). */
  unread: Array<{ provider: string; reason: string }>;
  /** Balances summed in USD at balances_fx, or the currencies that have no rate (then not totalled). */
  total: { usd_nano: bigint } | { missing_rates: string[] } | null;
}

const sumOf = (xs: bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);

async function lineOf(services: Pick<Services, 'config' | 'store' | 'ledger' | 'zone'>, provider: string, newest: StoredBalanceSnapshot | undefined, nowMs: number): Promise<BalanceLine> {
  const { balances } = services.store;
  const failures = (await balances.failuresSinceLastSnapshot(provider)).filter((f) => f.at_ms <= nowMs);
  const latest = newest && newest.at_ms > nowMs ? await balances.atOrBefore(provider, newest.currency, nowMs) : (newest ?? null);
  const error = failures[0]?.message ?? (latest ? null : 'no balance recorded yet: routeops balance poll reads it');
  const empty: BalanceLine = {
    provider, currency: null, balance_nano: null, available: null, at: null, error,
    change_day_nano: null, change_week_nano: null, top_ups_week_nano: 0n, grants_week_nano: 0n,
    burn_nano: null, ledger_nano: null, gap_pct: null, runway: null, runs_out_on: null, pattern: null,
  };
  if (!latest) return empty;
  const { currency } = latest;
  const dayAgo = await balances.atOrBefore(provider, currency, nowMs - DAY_MS);
  const weekAgo = await balances.atOrBefore(provider, currency, nowMs - BURN_WINDOW_DAYS * DAY_MS);
  const week = (await balances.events(provider, nowMs - BURN_WINDOW_DAYS * DAY_MS + 1, nowMs + 1)).filter((e) => e.currency === currency);

  const today = services.zone.dayOf(nowMs);
  const fromMs = services.zone.startOfDay(addDays(today, -BURN_WINDOW_DAYS));
  const toMs = services.zone.startOfDay(today);
  const start = (await balances.atOrBefore(provider, currency, fromMs)) ?? (await balances.snapshots(provider, fromMs, toMs)).find((s) => s.currency === currency) ?? null;
  const end = await balances.atOrBefore(provider, currency, toMs);
  let burn: bigint | null = null;
  let ledger: bigint | null = null;
  // A day at least between the readings: minutes of traffic scaled to a day say nothing of a day.
  if (start && end && end.at_ms - start.at_ms >= MIN_BURN_SPAN_MS) {
    const added = (await balances.events(provider, start.at_ms + 1, end.at_ms + 1)).filter((e) => e.currency === currency);
    burn = burnPerDayNano(start, end, sumOf(added.map((e) => e.amount_nano)));
    const rate = currency === 'USD' ? 1_000_000_000n : services.config.balances_fx[currency] !== undefined ? decimalToNano(services.config.balances_fx[currency]) : null;
    if (rate !== null && rate > 0n) {
      // The ledger over the same instants as the two readings (not whole days around them).
      const spentUsd = sumOf([...(await balances.ledgerSpendByModel(provider, start.at_ms, end.at_ms)).values()]);
      // In the balance's currency (USD ÷ the rate) so the two burns sit side by side.
      ledger = (spentUsd * 1_000_000_000n * BigInt(DAY_MS)) / (rate * BigInt(end.at_ms - start.at_ms));
    }
  }
  const runway = runwayOf(latest.balance_nano, burn, latest.at_ms);
  const burns = await patternBurn(services, provider, currency, today);
  const byPattern = burns && patternDiffers(burns) ? runwayByPattern(latest.balance_nano, burns, latest.at_ms, services.zone) : null;
  return {
    ...empty,
    currency,
    balance_nano: latest.balance_nano,
    available: latest.available,
    at: latest.at,
    // A reading older than a day has no "change since yesterday" (it would be compared with itself).
    change_day_nano: dayAgo && dayAgo.id !== latest.id ? latest.balance_nano - dayAgo.balance_nano : null,
    change_week_nano: weekAgo && weekAgo.id !== latest.id ? latest.balance_nano - weekAgo.balance_nano : null,
    top_ups_week_nano: sumOf(week.filter((e) => e.kind === 'top_up').map((e) => e.amount_nano)),
    grants_week_nano: sumOf(week.filter((e) => e.kind === 'grant').map((e) => e.amount_nano)),
    burn_nano: burn,
    ledger_nano: ledger,
    gap_pct: burn !== null && ledger !== null && ledger > 0n ? Number(((burn - ledger) * 1000n) / ledger) / 10 : null,
    runway,
    runs_out_on: runway ? services.zone.dayOf(runway.runs_out_ms) : null,
    pattern: burns && patternDiffers(burns) ? { ...burns, runway: byPattern, runs_out_on: byPattern ? services.zone.dayOf(byPattern.runs_out_ms) : null } : null,
  };
}

/**
 * The average burn of a weekday and of a weekend day over the burn window, each local day from
 * the last snapshots at or before its start and its end (top-ups and grants added back), read
 * within PATTERN_READ_SLACK_MS of them. Null unless both kinds of day have a figure.
 */
async function patternBurn(services: Pick<Services, 'store' | 'zone'>, provider: string, currency: string, today: DayString): Promise<PatternBurn | null> {
  const { balances } = services.store;
  const sums = { weekday: [0n, 0n], weekend: [0n, 0n] };
  for (let i = BURN_WINDOW_DAYS; i >= 1; i--) {
    const day = addDays(today, -i);
    const from = services.zone.startOfDay(day);
    const to = services.zone.startOfDay(addDays(day, 1));
    const start = await balances.atOrBefore(provider, currency, from);
    const end = await balances.atOrBefore(provider, currency, to);
    // Only a day read near both its ends is that day's burn (a sparse history would smear one
    // day's spend over its neighbours).
    if (!start || !end || end.at_ms <= start.at_ms || from - start.at_ms > PATTERN_READ_SLACK_MS || to - end.at_ms > PATTERN_READ_SLACK_MS) continue;
    const added = (await balances.events(provider, start.at_ms + 1, end.at_ms + 1)).filter((e) => e.currency === currency);
    const burn = burnPerDayNano(start, end, sumOf(added.map((e) => e.amount_nano)));
    if (burn === null) continue;
    const slot = isWeekend(day) ? sums.weekend : sums.weekday;
    slot[0]! += burn;
    slot[1]! += 1n;
  }
  if (!sums.weekday[1] || !sums.weekend[1]) return null;
  return { weekday_nano: sums.weekday[0]! / sums.weekday[1]!, weekend_nano: sums.weekend[0]! / sums.weekend[1]! };
}

/** The balances as stored at `now`: one line per provider with a balance source, in config order. */
export async function balanceView(services: Pick<Services, 'config' | 'store' | 'ledger' | 'zone'>, now: Date): Promise<BalanceView> {
  const nowMs = now.getTime();
  const newest = new Map((await services.store.balances.latest()).map((s) => [s.provider, s]));
  const lines: BalanceLine[] = [];
  const unread: BalanceView['unread'] = [];
  for (const [provider, setting] of Object.entries(services.config.balances)) {
    if (!setting.source) unread.push({ provider, reason: setting.reason });
    else lines.push(await lineOf(services, provider, newest.get(provider), nowMs));
  }
  return { now: now.toISOString(), lines, unread, total: totalOf(lines, services.config.balances_fx) };
}

/** The balances summed in USD; other currencies only at a configured rate, else not totalled. */
export function totalOf(lines: readonly BalanceLine[], fx: Record<string, number>): BalanceView['total'] {
  const read = lines.filter((l) => l.balance_nano !== null && l.currency !== null);
  if (!read.length) return null;
  const missing = [...new Set(read.map((l) => l.currency!).filter((c) => c !== 'USD' && fx[c] === undefined))].sort();
  if (missing.length) return { missing_rates: missing };
  return { usd_nano: sumOf(read.map((l) => (l.currency === 'USD' ? l.balance_nano! : convertNano(l.balance_nano!, decimalToNano(fx[l.currency!]!))))) };
}
