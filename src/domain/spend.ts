// How spend is grouped, in reports and in the ledger's daily rollup alike, and which ledger rows
// are no request at all (docs/ARCHITECTURE.md §3.5 "Left out").
export const SPEND_DIMS = ['provider', 'model', 'user', 'route'] as const;
export type SpendDim = (typeof SPEND_DIMS)[number];

/** The key a row without a user has in dim 'user'. */
export const NO_USER = '(none)';

/** The model /routecheck's `error` check asks for on purpose, to see how a route answers an unknown model. */
export const NOT_FOUND_PROBE_MODEL = 'routeops-check-no-such-model';

/**
 * Why a ledger row is left out of the spend groups and the request count:
 * - never_sent: the call never reached a provider (status `missing_key`: no API key was set);
 * - not_found_probe: /routecheck's probe of a model that does not exist (NOT_FOUND_PROBE_MODEL).
 * Only a row that adds no money is left out (effective cost null or 0), so the groups still sum
 * to the total: a probe a provider billed (it answered for a model that should not exist) stays.
 * The same rule is SQL in src/store/ledger/sql.ts (LEFT_OUT_SQL) and migrations/009_left_out.sql.
 */
export type LeftOutReason = 'never_sent' | 'not_found_probe';

export interface LeftOutFacts {
  status: string;
  model: string;
  source: string;
  /** The row's effective cost in nano-USD (ours, else the provider's), null when none. */
  effectiveNusd: number | null;
}

export function leftOutReason(row: LeftOutFacts): LeftOutReason | null {
  if (row.effectiveNusd !== null && row.effectiveNusd !== 0) return null;
  if (row.status === 'missing_key') return 'never_sent';
  if (row.source === 'routecheck' && row.model === NOT_FOUND_PROBE_MODEL) return 'not_found_probe';
  return null;
}
