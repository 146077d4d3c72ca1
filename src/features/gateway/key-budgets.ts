// The budgets of the gateway keys as budget statuses, for the budget alerts (50/80/100%, once
// per period: src/features/alerts/jobs/budgets.ts). Spend is the same the gateway admits by
// (key-spend.ts): the key name's rows in the ledger's rollup, days in config.timezone.
import type { Services } from '../services.js';
import type { BudgetStatus } from '../budgets/status.js';
import type { GatewayKeyRecord } from '../../store/gateway-keys.js';
import type { DayString } from '../../domain/time/zone.js';
import { monthStartOf, spendByUser } from './key-spend.js';

/** Each name's newest key, when it was in use at some point of `today` (not revoked or expired before it began). */
function keysInUse(records: readonly GatewayKeyRecord[], dayStartMs: number): GatewayKeyRecord[] {
  const newest = new Map<string, GatewayKeyRecord>();
  for (const r of records) {
    const seen = newest.get(r.name);
    if (!seen || r.createdMs > seen.createdMs || (r.createdMs === seen.createdMs && r.id > seen.id)) newest.set(r.name, r);
  }
  return [...newest.values()].filter((r) => (r.revokedMs === null || r.revokedMs > dayStartMs) && (r.expiresMs === null || r.expiresMs > dayStartMs));
}

export async function keyBudgetStatuses(services: Pick<Services, 'store' | 'ledger' | 'zone'>, today: DayString): Promise<BudgetStatus[]> {
  const keys = keysInUse(await services.store.gatewayKeys.list(), services.zone.startOfDay(today)).filter((k) => k.budgetDailyNano !== null || k.budgetMonthlyNano !== null);
  if (!keys.length) return [];
  const spend = await spendByUser(services.ledger, today);
  const out: BudgetStatus[] = [];
  for (const k of keys.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const spent = spend.get(k.name) ?? { dayNano: 0n, monthNano: 0n };
    if (k.budgetDailyNano !== null) {
      out.push({ id: `key:${k.name}:daily`, label: `Daily budget of key ${k.name}`, period: 'daily', periodStart: today, spent_nusd: spent.dayNano, limit_nusd: Number(k.budgetDailyNano) });
    }
    if (k.budgetMonthlyNano !== null) {
      out.push({ id: `key:${k.name}:monthly`, label: `Monthly budget of key ${k.name}`, period: 'monthly', periodStart: monthStartOf(today), spent_nusd: spent.monthNano, limit_nusd: Number(k.budgetMonthlyNano) });
    }
  }
  return out;
}
