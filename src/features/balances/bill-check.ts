// The daily bill check (docs/ARCHITECTURE.md §3.7 `reconciliation`): for each provider with a
// balance, yesterday (local) cut at its snapshots — each interval's balance fall with the top-ups
// and grants in it added back — against the ledger's spend on that provider in the same
// intervals, per model (src/domain/money/reconcile.ts). The ledger is in USD: a balance in another
// currency is converted at `balances_fx` (and the check says so), or not checked without a rate.
import { formatBalance } from '../../domain/money/balance.js';
import { causeText, reconcile, type ReconcileInterval, type Reconciliation } from '../../domain/money/reconcile.js';
import { convertNano } from '../../domain/money/runway.js';
import { decimalToNano } from '../../domain/money/units.js';
import { addDays, type DayString } from '../../domain/time/zone.js';
import type { Services } from '../services.js';

export interface BillCheck extends Reconciliation {
  provider: string;
  day: DayString;
  /** The balance's currency; deductions are converted to USD at `rate` (balances_fx) when it is not USD. */
  currency: string;
  rate: number | null;
}

/**
 * The bill check of every provider with two or more snapshots spanning `day` in the currency of
 * its last one (converted at balances_fx; without a rate, no check); none for the others.
 */
export async function billCheck(services: Pick<Services, 'config' | 'store' | 'zone'>, day: DayString): Promise<BillCheck[]> {
  const { balances } = services.store;
  const fromMs = services.zone.startOfDay(day);
  const toMs = services.zone.startOfDay(addDays(day, 1));
  const t = services.config.reconcile;
  const out: BillCheck[] = [];
  for (const [provider, setting] of Object.entries(services.config.balances)) {
    if (!setting.source) continue;
    const last = (await balances.snapshots(provider, fromMs + 1, toMs + 1)).at(-1);
    if (!last) continue;
    const { currency } = last;
    const rate = currency === 'USD' ? null : (services.config.balances_fx[currency] ?? undefined);
    if (rate === undefined) continue;
    const toUsd = (nano: bigint): bigint => (rate === null ? nano : convertNano(nano, decimalToNano(rate)));
    const start = await balances.atOrBefore(provider, currency, fromMs);
    const inDay = (await balances.snapshots(provider, fromMs + 1, toMs + 1)).filter((s) => s.currency === currency);
    const points = start ? [start, ...inDay] : inDay;
    if (points.length < 2) continue;
    const intervals: ReconcileInterval[] = [];
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      const added = (await balances.events(provider, a.at_ms + 1, b.at_ms + 1)).filter((e) => e.currency === currency).reduce((s, e) => s + e.amount_nano, 0n);
      intervals.push({ deducted_nano: toUsd(a.balance_nano - b.balance_nano + added), ledger_by_model: await balances.ledgerSpendByModel(provider, a.at_ms, b.at_ms) });
    }
    out.push({ provider, day, currency, rate, ...reconcile(intervals, { threshold_pct: t.threshold_pct, threshold_nano: decimalToNano(t.threshold_usd) }) });
  }
  return out;
}

/** A flagged bill check as an alert's text: the figures and the likely cause. */
export function billCheckText(c: BillCheck): string {
  const pct = c.gap_pct === null ? 'nothing in the ledger' : `${c.gap_pct > 0 ? '+' : ''}${c.gap_pct}%`;
  const fx = c.rate === null ? '' : ` (its ${c.currency} balance at the configured rate of ${c.rate} USD, balances_fx)`;
  return `${c.provider}'s bill for ${c.day} does not match the ledger: the provider deducted ${formatBalance(c.deducted_nano, 'USD')}${fx}, the ledger says ${formatBalance(c.ledger_nano, 'USD')} (gap ${formatBalance(c.gap_nano, 'USD')}, ${pct}). Likely cause: ${causeText(c.cause!)}.`;
}
