// The daily bill check (docs/ARCHITECTURE.md §3.7 `reconciliation`): for each provider with a
// USD balance, yesterday (local) cut at its snapshots — each interval's balance fall with the
// top-ups and grants in it added back — against the ledger's spend on that provider in the same
// intervals, per model (src/domain/money/reconcile.ts). Other currencies are not compared: the
// ledger is in USD.
import { formatBalance } from '../../domain/money/balance.js';
import { causeText, reconcile, type ReconcileInterval, type Reconciliation } from '../../domain/money/reconcile.js';
import { decimalToNano } from '../../domain/money/units.js';
import { addDays, type DayString } from '../../domain/time/zone.js';
import type { Services } from '../services.js';

export interface BillCheck extends Reconciliation {
  provider: string;
  day: DayString;
}

/** The bill check of every provider with two or more USD snapshots spanning `day`; none for the others. */
export async function billCheck(services: Pick<Services, 'config' | 'store' | 'zone'>, day: DayString): Promise<BillCheck[]> {
  const { balances } = services.store;
  const fromMs = services.zone.startOfDay(day);
  const toMs = services.zone.startOfDay(addDays(day, 1));
  const t = services.config.reconcile;
  const out: BillCheck[] = [];
  for (const [provider, setting] of Object.entries(services.config.balances)) {
    if (!setting.source) continue;
    const start = await balances.atOrBefore(provider, 'USD', fromMs);
    const inDay = (await balances.snapshots(provider, fromMs + 1, toMs + 1)).filter((s) => s.currency === 'USD');
    const points = start ? [start, ...inDay] : inDay;
    if (points.length < 2) continue;
    const intervals: ReconcileInterval[] = [];
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      const added = (await balances.events(provider, a.at_ms + 1, b.at_ms + 1)).filter((e) => e.currency === 'USD').reduce((s, e) => s + e.amount_nano, 0n);
      intervals.push({ deducted_nano: a.balance_nano - b.balance_nano + added, ledger_by_model: await balances.ledgerSpendByModel(provider, a.at_ms, b.at_ms) });
    }
    out.push({ provider, day, ...reconcile(intervals, { threshold_pct: t.threshold_pct, threshold_nano: decimalToNano(t.threshold_usd) }) });
  }
  return out;
}

/** A flagged bill check as an alert's text: the figures and the likely cause. */
export function billCheckText(c: BillCheck): string {
  const pct = c.gap_pct === null ? 'nothing in the ledger' : `${c.gap_pct > 0 ? '+' : ''}${c.gap_pct}%`;
  return `${c.provider}'s bill for ${c.day} does not match the ledger: the provider deducted ${formatBalance(c.deducted_nano, 'USD')}, the ledger says ${formatBalance(c.ledger_nano, 'USD')} (gap ${formatBalance(c.gap_nano, 'USD')}, ${pct}). Likely cause: ${causeText(c.cause!)}.`;
}
