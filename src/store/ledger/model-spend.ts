// A provider's ledger spend per model over instants fromMs < ts_ms ≤ toMs (BalanceStore
// ledgerSpendByModel, src/store/balances.ts: /balance's ledger burn and the bill check). Summing
// the raw rows of a week read ~190k rows at a 10M-row ledger (~190 ms, README "Benchmarks");
// this reads the daily rollup instead wherever it can, with the same answer to the nano-USD:
//
// - spend_daily's dim 'model' holds per local day and `provider/model` the sum of the rows'
//   EFFECTIVE cost, COALESCE(cost_nusd, provider_cost_nusd, 0), for every row whatever its source,
//   status or left-out reason (migrations/001_ledger.sql, 009_left_out.sql; src/store/ledger/sql.ts
//   aggregateSql, rollup.ts rowSumsOf), and its rows as requests + never_sent + not_found_probes
//   (each row counts in exactly one of them): the whole days inside the interval come from it.
// - The two edge days are cut at fromMs and toMs: an edge day's part is either its rows inside
//   the interval, or its rollup less its rows outside, whichever reads the shorter span (the
//   bench's interval runs midnight to midnight: the parts outside are one instant each).
// - The `day` column is the stored zone's (meta 'timezone') day of the row's 15-minute slot
//   (local-days.ts), so a day's first and last instants are found on slot edges, DST included;
//   the edge scans also check `day`, so they count exactly the day's rows.
// A model is in the answer when it has a row in the interval (its spend may be 0), as the raw sum
// gives it. Falls back to the raw sum where the rollup cannot tell models apart, its key being
// provider/model: when the provider's name holds a "/", or another's starts with it and "/".
// Which parts to read is planned in model-spend-plan.ts, shared with the PostgreSQL store.
import type { Db } from '../open.js';
import { makeZone, type DayString } from '../../domain/time/zone.js';
import { LocalDays } from './local-days.js';
import { combineSpend, planModelSpend, type Part } from './model-spend-plan.js';

export type ModelSpend = (provider: string, fromMs: number, toMs: number) => Map<string, bigint>;

export function createModelSpend(db: Db): ModelSpend {
  const zoneName = db.prepare("SELECT value FROM meta WHERE key = 'timezone'").pluck();
  // The old way, kept as the fallback: the models from the rollup of the days around the hours
  // (a day either side covers any timezone), then one range of usage_scope per model.
  const modelsAround = db.prepare(
    "SELECT DISTINCT substr(key, length(?) + 2) AS model FROM spend_daily WHERE dim = 'model' AND day >= ? AND day <= ? AND substr(key, 1, length(?) + 1) = ? || '/' ORDER BY model",
  );
  const rawOfModel = db
    .prepare('SELECT COUNT(*) AS rows, COALESCE(SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)), 0) AS cost FROM usage INDEXED BY usage_scope WHERE provider = ? AND model = ? AND ts_ms > ? AND ts_ms <= ?')
    .safeIntegers(true);
  // Keys of a provider's models: from "P/" up to, not including, "P0" ('0' follows '/').
  const rollupOf = db
    .prepare(
      `SELECT day, substr(key, length(@provider) + 2) AS model, cost_nusd AS cost, requests + never_sent + not_found_probes AS rows
       FROM spend_daily WHERE dim = 'model' AND day >= @first AND day <= @last AND key >= @provider || '/' AND key < @provider || '0' ORDER BY key, day`,
    )
    .safeIntegers(true);
  const mixedProvider = db.prepare("SELECT 1 FROM spend_daily WHERE dim = 'provider' AND day >= @first AND day <= @last AND key >= @provider || '/' AND key < @provider || '0' LIMIT 1").pluck();
  const scanOfModel = db
    .prepare(
      'SELECT COUNT(*) AS rows, COALESCE(SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)), 0) AS cost FROM usage INDEXED BY usage_scope WHERE provider = ? AND model = ? AND ts_ms > ? AND ts_ms <= ? AND day = ?',
    )
    .safeIntegers(true);
  const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  let days: LocalDays | null = null;

  function raw(provider: string, fromMs: number, toMs: number): Map<string, bigint> {
    const models = (modelsAround.all(provider, utcDay(fromMs - 86_400_000), utcDay(toMs + 86_400_000), provider, provider) as Array<{ model: string }>).map((r) => r.model);
    const out = new Map<string, bigint>();
    for (const model of models) {
      const part = rawOfModel.get(provider, model, fromMs, toMs) as Part;
      if (part.rows > 0n) out.set(model, part.cost);
    }
    return out;
  }

  return (provider, fromMs, toMs) => {
    if (!(toMs > fromMs)) return new Map();
    const name = zoneName.get() as string | undefined;
    // No stored zone: nothing was ever written. Fractional instants: not what the slots assume.
    if (name === undefined || !Number.isInteger(fromMs) || !Number.isInteger(toMs)) return raw(provider, fromMs, toMs);
    if (days?.zone.name !== name) days = new LocalDays(makeZone(name));
    const plan = planModelSpend(days, fromMs, toMs);
    if (!plan || provider.includes('/') || mixedProvider.get({ provider, first: plan.firstDay, last: plan.lastDay }) !== undefined) return raw(provider, fromMs, toMs);

    // Per model, in key order: its rollup on each day from the first to the last.
    const rollup = new Map<string, Map<DayString, Part>>();
    for (const r of rollupOf.all({ provider, first: plan.firstDay, last: plan.lastDay }) as Array<Part & { day: string; model: string }>) {
      let byDay = rollup.get(r.model);
      if (!byDay) rollup.set(r.model, (byDay = new Map()));
      byDay.set(r.day, { cost: r.cost, rows: r.rows });
    }
    return combineSpend(plan, rollup, (i, model) => {
      const s = plan.scans[i]!;
      return scanOfModel.get(provider, model, s.lo, s.hi, s.day) as Part;
    });
  };
}
