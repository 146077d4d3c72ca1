// What `routeops db copy` moves from a SQLite store into PostgreSQL (docs/ARCHITECTURE.md §3.8
// "Moving to PostgreSQL"): every table of migrations/ but the bookkeeping ones, in an order where
// each table comes after the tables its foreign keys name. PostgreSQL's tables have SQLite's
// columns with the same names (migrations/postgres/), plus the ones listed in EXTRA_COLUMNS.

/** Copied tables, parents before children (catalog_entries → catalog_fetches, price_audit → price_proposals, …). */
export const COPIED_TABLES = [
  'usage',
  'spend_daily',
  'meta',
  'ledger_priced_with',
  'ask_threads',
  'slack_events',
  'sent_alerts',
  'alert_job_runs',
  'assistant_threads',
  'answer_feedback',
  'slack_actions',
  'slack_action_claims',
  'catalog_fetches',
  'catalog_entries',
  'catalog_sources',
  'catalog_accepted',
  'catalog_pending',
  'price_proposals',
  'price_audit',
  'routecheck_runs',
  'routecheck_results',
  'balance_snapshots',
  'balance_events',
  'balance_failures',
  // rotated_from names an older key: copied in id order, the older row is always there first.
  'gateway_keys',
] as const;

export type CopiedTable = (typeof COPIED_TABLES)[number];

/**
 * SQLite tables left behind: each store keeps its own migration list; a lease is held by a
 * running process (migrations/022_leases.sql) and the gateway keys' rate windows and calls in
 * flight (023_gateway_key_limits.sql) are a minute of running state: none has business on the new store.
 */
export const SKIPPED_TABLES: ReadonlySet<string> = new Set(['schema_migrations', 'leases', 'gateway_key_limits', 'gateway_key_rate_slots', 'gateway_key_holds']);

/**
 * PostgreSQL columns SQLite has no column for, and the SQLite expression that fills them: the
 * outbox's `seq` is SQLite's implicit rowid, its insertion order (migrations/postgres/002_slack_alerts.sql).
 */
export const EXTRA_COLUMNS: Partial<Record<CopiedTable, Record<string, string>>> = {
  sent_alerts: { seq: 'rowid' },
};

/** Rows per INSERT: a batch of the widest table (usage, 26 columns) is a few hundred kB. */
export const COPY_BATCH_ROWS = 2000;

/** One day of usage rows: how many, and their effective cost (cost_nusd, else provider_cost_nusd, else 0) summed exactly. */
export interface DayTotal {
  day: string;
  rows: number;
  cost_nusd: bigint;
}

/** A copied table's row count on each side. */
export interface TableCount {
  table: CopiedTable;
  sqlite: number;
  postgres: number;
}
