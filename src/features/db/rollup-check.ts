// Does the ledger's daily rollup (spend_daily, what reports read) say what its rows say?
// `routeops db check` asks it of the store in use, `routeops db copy` of the copy before it is
// kept (docs/ARCHITECTURE.md §3.1 `db check`). Every day, dimension and key of either side is
// compared field by field; a key one side lacks counts as zeros there.
import { SPEND_DIMS, type SpendDim } from '../../domain/spend.js';
import type { SpendRow } from '../../store/ledger.js';
import { nusdToUsd } from '../../domain/money/units.js';

/** What the check reads: a LedgerStore has both (src/store/ledger.ts). */
export interface RollupReads {
  spendRollup(dim: SpendDim, fromDay: string, toDay: string): Promise<SpendRow[]>;
  spendRaw(dim: SpendDim, fromDay: string, toDay: string): Promise<SpendRow[]>;
}

/** One field of one rollup row that differs from the rows' own sum. Money in USD (`*_usd`), counts as numbers. */
export interface RollupDifference {
  day: string;
  dim: SpendDim;
  key: string;
  field: string;
  rollup: number;
  rows: number;
}

export interface RollupCheck {
  /** Days with rows or rollup rows. */
  days_checked: number;
  ok: boolean;
  /** The first DIFFERENCES_LISTED differences, by day, dim and key. */
  differences: RollupDifference[];
  differences_total: number;
}

export const DIFFERENCES_LISTED = 100;

/** Every day there can be: day strings compare as text (YYYY-MM-DD). */
const FIRST_DAY = '0000-01-01';
const LAST_DAY = '9999-12-31';

const COUNT_FIELDS = [
  'requests',
  'unpriced',
  'usage_missing',
  'interrupted',
  'input_tokens',
  'cached_input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'never_sent',
  'not_found_probes',
] as const;
const MONEY_FIELDS = [
  ['cost_nusd', 'cost_usd'],
  ['provider_cost_nusd', 'provider_cost_usd'],
  ['routecheck_nusd', 'routecheck_usd'],
] as const;

export async function checkRollup(reads: RollupReads): Promise<RollupCheck> {
  const days = new Set<string>();
  const differences: RollupDifference[] = [];
  for (const dim of SPEND_DIMS) {
    const [rollup, raw] = await Promise.all([reads.spendRollup(dim, FIRST_DAY, LAST_DAY), reads.spendRaw(dim, FIRST_DAY, LAST_DAY)]);
    const byKey = (rows: SpendRow[]) => new Map(rows.map((r) => [`${r.day}\u0000${r.key}`, r]));
    const rolled = byKey(rollup);
    const counted = byKey(raw);
    for (const id of new Set([...rolled.keys(), ...counted.keys()])) {
      const [day, key] = id.split('\u0000') as [string, string];
      days.add(day);
      differences.push(...rowDifferences(dim, day, key, rolled.get(id), counted.get(id)));
    }
  }
  differences.sort((a, b) => cmp(a.day, b.day) || SPEND_DIMS.indexOf(a.dim) - SPEND_DIMS.indexOf(b.dim) || cmp(a.key, b.key));
  return { days_checked: days.size, ok: differences.length === 0, differences: differences.slice(0, DIFFERENCES_LISTED), differences_total: differences.length };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function rowDifferences(dim: SpendDim, day: string, key: string, rollup: SpendRow | undefined, raw: SpendRow | undefined): RollupDifference[] {
  const out: RollupDifference[] = [];
  for (const f of COUNT_FIELDS) {
    const a = rollup?.[f] ?? 0;
    const b = raw?.[f] ?? 0;
    if (a !== b) out.push({ day, dim, key, field: f, rollup: a, rows: b });
  }
  for (const [f, name] of MONEY_FIELDS) {
    const a = rollup?.[f] ?? 0n;
    const b = raw?.[f] ?? 0n;
    if (a !== b) out.push({ day, dim, key, field: name, rollup: nusdToUsd(a), rows: nusdToUsd(b) });
  }
  return out;
}
