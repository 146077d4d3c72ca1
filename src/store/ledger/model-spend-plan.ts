// Which parts of the ledger answer ledgerSpendByModel (model-spend.ts explains why): the daily
// rollup for whole local days, raw rows at the two edge days. Pure, so the SQLite store
// (model-spend.ts) and the PostgreSQL one (src/store/postgres/ledger/model-spend.ts) read the same
// parts and add them the same way: the same answer to the nano-USD.
import type { DayString } from '../../domain/time/zone.js';
import type { LocalDays } from './local-days.js';

export const SLOT_MS = 15 * 60 * 1000;
/** More slots than any local day holds (25 h at a DST change): a search never leaves its day's neighbours. */
const SEARCH_SLOTS = 4 * 30;

/** A model's rows and their effective cost, COALESCE(cost_nusd, provider_cost_nusd, 0). */
export interface Part {
  cost: bigint;
  rows: bigint;
}

/** The rows of `day` with lo < ts_ms ≤ hi, added (1n) or taken away (-1n); only models the rollup has on that day. */
export interface EdgeScan {
  day: DayString;
  lo: number;
  hi: number;
  sign: 1n | -1n;
}

export interface SpendPlan {
  firstDay: DayString;
  lastDay: DayString;
  /** Days whose rollup counts whole. */
  whole: (day: DayString) => boolean;
  scans: EdgeScan[];
}

/** The plan for fromMs < ts_ms ≤ toMs (integers, toMs > fromMs); null when the days run backwards. */
export function planModelSpend(days: LocalDays, fromMs: number, toMs: number): SpendPlan | null {
  const dayOfSlot = (slot: number): DayString => days.dayOf(slot * SLOT_MS);
  const firstDay = dayOfSlot(Math.floor(fromMs / SLOT_MS));
  const lastDay = dayOfSlot(Math.floor(toMs / SLOT_MS));
  if (lastDay < firstDay) return null;

  /** The first slot in [lo, hi] whose day is past `day` (after: later than it; from: it or later); days only grow with time. */
  const firstSlotPast = (day: DayString, inclusive: boolean, lo: number, hi: number): number => {
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const d = dayOfSlot(mid);
      if (d > day || (inclusive && d === day)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  /** [start, end) of `day`, the local day of instant `ms`, on slot edges. */
  const boundsOf = (ms: number, day: DayString): [number, number] => {
    const slot = Math.floor(ms / SLOT_MS);
    return [firstSlotPast(day, true, slot - SEARCH_SLOTS, slot) * SLOT_MS, firstSlotPast(day, false, slot + 1, slot + SEARCH_SLOTS) * SLOT_MS];
  };

  const wholeEdges = new Set<DayString>();
  const scans: EdgeScan[] = [];
  const scan = (day: DayString, lo: number, hi: number, sign: 1n | -1n) => {
    if (hi > lo) scans.push({ day, lo, hi, sign });
  };
  /** The rows of `day` (its instants [start, end)) with lo < ts_ms ≤ hi: those rows, or the day less the rows outside, whichever span is shorter. */
  const partOfDay = (day: DayString, [start, end]: [number, number], lo: number, hi: number) => {
    const inside = hi - lo;
    const outside = lo - (start - 1) + (end - 1 - hi);
    if (inside <= outside) return scan(day, lo, hi, 1n);
    wholeEdges.add(day);
    scan(day, start - 1, lo, -1n);
    scan(day, hi, end - 1, -1n);
  };

  if (firstDay === lastDay) {
    partOfDay(firstDay, boundsOf(fromMs, firstDay), fromMs, toMs);
    return { firstDay, lastDay, whole: (day) => wholeEdges.has(day), scans };
  }
  const first = boundsOf(fromMs, firstDay);
  partOfDay(firstDay, first, fromMs, first[1] - 1);
  const last = boundsOf(toMs, lastDay);
  partOfDay(lastDay, last, last[0] - 1, toMs);
  return { firstDay, lastDay, whole: (day) => (day > firstDay && day < lastDay) || wholeEdges.has(day), scans };
}

/**
 * Adds up a plan per model, in the rollup's order: `rollup` is each model's rollup from the
 * first day to the last, `scanned(i, model)` that model's part of plan.scans[i]. A model is in
 * the answer when it has a row in the interval (its spend may be 0).
 */
export function combineSpend(plan: SpendPlan, rollup: ReadonlyMap<string, ReadonlyMap<DayString, Part>>, scanned: (i: number, model: string) => Part): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [model, byDay] of rollup) {
    let cost = 0n;
    let rows = 0n;
    for (const [day, p] of byDay) {
      if (!plan.whole(day)) continue;
      cost += p.cost;
      rows += p.rows;
    }
    plan.scans.forEach((s, i) => {
      if (!byDay.has(s.day)) return;
      const p = scanned(i, model);
      cost += s.sign * p.cost;
      rows += s.sign * p.rows;
    });
    if (rows > 0n) out.set(model, cost);
  }
  return out;
}
