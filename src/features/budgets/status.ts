// Where spend stands against each configured budget right now. Shared by /spend (status lines)
// and the budget alerts, so both read the same numbers.
import type { Config } from '../../config/load.js';
import type { LedgerStore } from '../../store/ledger.js';
import { usdToNusd } from '../../domain/money/units.js';
import type { DayString } from '../../domain/time/zone.js';

export interface BudgetStatus {
  /** Stable id, e.g. "daily", "monthly", "provider:deepseek:daily", "user:U1:daily". */
  id: string;
  label: string;
  period: 'daily' | 'monthly';
  /** The budget period's first day (for once-per-period alert keys). */
  periodStart: DayString;
  /** Exact at any size (the ledger's sums are BigInt). */
  spent_nusd: bigint;
  limit_nusd: number;
}

type Spend = Pick<LedgerStore, 'totals' | 'spendRollup'>;

/** Statuses for the global and per-provider budgets (per-user ones are checked per user). */
export async function budgetStatuses(budgets: Config['budgets'], ledger: Spend, today: DayString): Promise<BudgetStatus[]> {
  const monthStart = `${today.slice(0, 7)}-01`;
  const out: BudgetStatus[] = [];
  if (budgets.daily !== undefined) {
    out.push({ id: 'daily', label: 'Daily budget', period: 'daily', periodStart: today, spent_nusd: (await ledger.totals(today, today)).cost_nusd, limit_nusd: usdToNusd(budgets.daily) });
  }
  if (budgets.monthly !== undefined) {
    out.push({ id: 'monthly', label: 'Monthly budget', period: 'monthly', periodStart: monthStart, spent_nusd: (await ledger.totals(monthStart, today)).cost_nusd, limit_nusd: usdToNusd(budgets.monthly) });
  }
  const providerBudgets = Object.entries(budgets.providers ?? {});
  if (providerBudgets.length) {
    const sumBy = async (from: DayString) => {
      const m = new Map<string, bigint>();
      for (const r of await ledger.spendRollup('provider', from, today)) m.set(r.key, (m.get(r.key) ?? 0n) + r.cost_nusd);
      return m;
    };
    const daySpend = await sumBy(today);
    const monthSpend = await sumBy(monthStart);
    for (const [provider, b] of providerBudgets) {
      if (b.daily !== undefined) out.push({ id: `provider:${provider}:daily`, label: `${provider} daily budget`, period: 'daily', periodStart: today, spent_nusd: daySpend.get(provider) ?? 0n, limit_nusd: usdToNusd(b.daily) });
      if (b.monthly !== undefined) out.push({ id: `provider:${provider}:monthly`, label: `${provider} monthly budget`, period: 'monthly', periodStart: monthStart, spent_nusd: monthSpend.get(provider) ?? 0n, limit_nusd: usdToNusd(b.monthly) });
    }
  }
  return out;
}

/** Whole percent used, rounded down so "100%" means the budget really is reached. */
export function percentUsed(s: Pick<BudgetStatus, 'spent_nusd' | 'limit_nusd'>): number {
  return Number((BigInt(s.spent_nusd) * 100n) / BigInt(s.limit_nusd));
}
