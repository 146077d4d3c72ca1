// What each gateway key has spent today and this month, in config.timezone's calendar: read from
// the ledger's daily rollup by user, because the gateway's rows carry the key name as `user`
// (docs/ARCHITECTURE.md §3.5). Used by the gateway's budget check and the budget alerts alike.
import type { LedgerStore } from '../../store/ledger.js';
import { addDays, offsetAt, type DayString, type Zone } from '../../domain/time/zone.js';

export interface KeySpend {
  /** Nano-USD spent on `today` (local). */
  dayNano: bigint;
  /** Nano-USD spent from the 1st of the month to `today`, inclusive. */
  monthNano: bigint;
}

export const monthStartOf = (day: DayString): DayString => `${day.slice(0, 7)}-01`;

/** Spend per ledger user (a key's name) today and this month; a name without rows is absent. */
export async function spendByUser(ledger: Pick<LedgerStore, 'spendRollup'>, today: DayString): Promise<Map<string, KeySpend>> {
  const out = new Map<string, KeySpend>();
  for (const r of await ledger.spendRollup('user', monthStartOf(today), today)) {
    let s = out.get(r.key);
    if (!s) out.set(r.key, (s = { dayNano: 0n, monthNano: 0n }));
    s.monthNano += r.cost_nusd;
    if (r.day === today) s.dayNano += r.cost_nusd;
  }
  return out;
}

/** The instant a daily budget starts afresh: the next local midnight. */
export const dayResetMs = (zone: Zone, today: DayString): number => zone.startOfDay(addDays(today, 1));

/** The instant a monthly budget starts afresh: local midnight on the 1st of next month. */
export function monthResetMs(zone: Zone, today: DayString): number {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7));
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return zone.startOfDay(next);
}

/** An instant as ISO-8601 with the zone's offset there: "2026-11-24T00:00:00+01:00" ("Z" for UTC). */
export function localIso(ms: number, zone: Pick<Zone, 'name'>): string {
  const offset = offsetAt(zone.name, ms);
  const wall = new Date(ms + offset).toISOString().slice(0, 19);
  if (offset === 0) return `${wall}Z`;
  const minutes = Math.abs(offset) / 60_000;
  return `${wall}${offset < 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
