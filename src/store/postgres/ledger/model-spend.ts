// A provider's ledger spend per model over fromMs < ts_ms ≤ toMs on PostgreSQL: the same answer,
// to the nano-USD, as src/store/ledger/model-spend.ts (which says why it reads the rollup), from
// the same plan (src/store/ledger/model-spend-plan.ts): spend_daily's whole local days, usage rows
// at the two edge days, and the raw sum as the fallback where the rollup's provider/model keys
// cannot tell models apart. Models come in byte order (COLLATE "C"), SQLite's order.
import { makeZone, type DayString } from '../../../domain/time/zone.js';
import { LocalDays } from '../../ledger/local-days.js';
import { combineSpend, planModelSpend, type Part } from '../../ledger/model-spend-plan.js';
import type { PgQuery } from '../pool.js';

export type PgModelSpend = (provider: string, fromMs: number, toMs: number) => Promise<Map<string, bigint>>;

interface PartText {
  model: string;
  rows: string;
  cost: string;
}

const part = (r: PartText): Part => ({ cost: BigInt(r.cost), rows: BigInt(r.rows) });

/** A row's effective cost summed exactly (SUM over bigint is numeric: read as text). */
const SUMS = "COUNT(*)::text AS rows, COALESCE(SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)), 0)::text AS cost";
/** spend_daily keys of provider $1's models: "P/model". */
const OF_PROVIDER = "left(key, length($1::text) + 1) = $1::text || '/'";

export function createPgModelSpend(db: PgQuery): PgModelSpend {
  const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  let days: LocalDays | null = null;

  // The fallback: the models of the rollup of the days around the hours (a day either side
  // covers any timezone), then their raw rows.
  async function raw(provider: string, fromMs: number, toMs: number): Promise<Map<string, bigint>> {
    const models = await db.query<{ model: string }>(
      `SELECT DISTINCT substr(key, length($1::text) + 2) AS model FROM spend_daily WHERE dim = 'model' AND day >= $2 AND day <= $3 AND ${OF_PROVIDER}`,
      [provider, utcDay(fromMs - 86_400_000), utcDay(toMs + 86_400_000)],
    );
    if (models.length === 0) return new Map();
    const rows = await db.query<PartText>(
      `SELECT model, ${SUMS} FROM usage WHERE provider = $1 AND model = ANY($2::text[]) AND ts_ms > $3 AND ts_ms <= $4 GROUP BY model ORDER BY model COLLATE "C"`,
      [provider, models.map((m) => m.model), fromMs, toMs],
    );
    return new Map(rows.map((r) => [r.model, BigInt(r.cost)]));
  }

  return async (provider, fromMs, toMs) => {
    if (!(toMs > fromMs)) return new Map();
    const [zone] = await db.query<{ value: string }>("SELECT value FROM meta WHERE key = 'timezone'");
    // No stored zone: nothing was ever written. Fractional instants: not what the slots assume.
    if (zone === undefined || !Number.isInteger(fromMs) || !Number.isInteger(toMs)) return raw(provider, fromMs, toMs);
    if (days?.zone.name !== zone.value) days = new LocalDays(makeZone(zone.value));
    const plan = planModelSpend(days, fromMs, toMs);
    if (!plan || provider.includes('/')) return raw(provider, fromMs, toMs);
    const mixed = await db.query(`SELECT 1 FROM spend_daily WHERE dim = 'provider' AND day >= $2 AND day <= $3 AND ${OF_PROVIDER} LIMIT 1`, [provider, plan.firstDay, plan.lastDay]);
    if (mixed.length > 0) return raw(provider, fromMs, toMs);

    const [rollupRows, ...scanRows] = await Promise.all([
      db.query<PartText & { day: string }>(
        `SELECT day, substr(key, length($1::text) + 2) AS model, cost_nusd::text AS cost, (requests + never_sent + not_found_probes)::text AS rows
         FROM spend_daily WHERE dim = 'model' AND day >= $2 AND day <= $3 AND ${OF_PROVIDER} ORDER BY key COLLATE "C", day`,
        [provider, plan.firstDay, plan.lastDay],
      ),
      ...plan.scans.map((s) => db.query<PartText>(`SELECT model, ${SUMS} FROM usage WHERE provider = $1 AND ts_ms > $2 AND ts_ms <= $3 AND day = $4 GROUP BY model`, [provider, s.lo, s.hi, s.day])),
    ]);
    // Per model, in key order: its rollup on each day from the first to the last.
    const rollup = new Map<string, Map<DayString, Part>>();
    for (const r of rollupRows!) {
      let byDay = rollup.get(r.model);
      if (!byDay) rollup.set(r.model, (byDay = new Map()));
      byDay.set(r.day, part(r));
    }
    const scanned = scanRows.map((rows) => new Map(rows.map((r) => [r.model, part(r)])));
    return combineSpend(plan, rollup, (i, model) => scanned[i]!.get(model) ?? { cost: 0n, rows: 0n });
  };
}
