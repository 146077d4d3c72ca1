// What must hold of a routeops ledger on PostgreSQL after replicas were killed or the server
// restarted (the PostgreSQL side of ledger-invariants.ts): every chat call the simulator served
// has exactly one ledger row (joined on the call id each call sends as X-Client-Request-Id,
// docs/PROVIDERS.md §1), interrupted rows are flagged as estimated, and the daily rollup equals
// the raw rows. Read through a pool of its own, as an auditor would.
import assert from 'node:assert/strict';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import { openPostgres } from '../../src/store/postgres/pool.js';
import { aggregateSql, C, SPEND_COLUMNS } from '../../src/store/postgres/ledger/sql.js';

export type PgRow = { call_id: string; source: string; user: string; route: string; status: string; usage_status: string; input_tokens: number; output_tokens: number; cost_nusd: number | null };

export interface PgLedgerFacts {
  rows: PgRow[];
  interrupted: number;
}

/** Runs `fn` on a pool of its own, closed after. */
export async function withPg<T>(url: string, fn: (db: ReturnType<typeof openPostgres>) => Promise<T>): Promise<T> {
  const db = openPostgres(url, { max: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Resolves once every call id has its ledger row, looking again every 50 ms (rows written by other processes announce no event). */
export async function untilRecorded(url: string, callIds: readonly string[]): Promise<void> {
  await withPg(url, async (db) => {
    for (;;) {
      const have = new Set((await db.query<{ call_id: string }>('SELECT call_id FROM usage WHERE call_id = ANY($1)', [callIds])).map((r) => r.call_id));
      if (callIds.every((id) => have.has(id))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
}

/** Asserts the invariants over the calls the simulator served; returns the rows for the caller's own assertions. */
export async function assertPgLedgerInvariants(url: string, served: readonly string[], opts: { noKills?: boolean } = {}): Promise<PgLedgerFacts> {
  return withPg(url, async (db) => {
    const rows = await db.query<PgRow>(`SELECT call_id, source, "user", route, status, usage_status, input_tokens, output_tokens, cost_nusd FROM usage ORDER BY id`);
    const rowsOf = new Map<string, number>();
    for (const r of rows) {
      // A call the provider client retried has "<id>/retry-N" rows besides its own (src/features/routing/execute.ts).
      const call = (r.call_id ?? '').replace(/\/retry-\d+$/, '');
      rowsOf.set(call, (rowsOf.get(call) ?? 0) + 1);
    }
    const servedOf = new Map<string, number>();
    for (const id of served) servedOf.set(id, (servedOf.get(id) ?? 0) + 1);
    const wrong = [...servedOf].filter(([id, n]) => rowsOf.get(id) !== n).map(([id, n]) => `${id}: served ${n}, rows ${rowsOf.get(id) ?? 0}`);
    assert.deepEqual(wrong, [], 'every call the simulator served has exactly one ledger row');
    // A call journaled but not yet sent when its process died is an interrupted row the provider never saw; any other row is a call it served.
    const extra = rows.filter((r) => !servedOf.has((r.call_id ?? '').replace(/\/retry-\d+$/, '')) && (r.status !== 'interrupted' || opts.noKills));
    assert.deepEqual(extra, [], opts.noKills ? 'no row for a call the simulator never received' : 'a row for a call the simulator never received is one interrupted by a kill');

    const interrupted = rows.filter((r) => r.status === 'interrupted');
    assert.deepEqual(interrupted.filter((r) => r.usage_status !== 'estimated'), [], 'interrupted rows are flagged as estimated');

    // Sums are numeric (text), rollup columns bigint (numbers): compared as text.
    const asText = (list: Array<Record<string, unknown>>) => list.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])));
    for (const dim of SPEND_DIMS) {
      const rollup = await db.query(`SELECT ${SPEND_COLUMNS} FROM spend_daily WHERE dim = $1 ORDER BY day, key ${C}`, [dim]);
      const raw = await db.query(`SELECT ${SPEND_COLUMNS} FROM (${aggregateSql(dim, 'usage')}) a ORDER BY day, key ${C}`);
      assert.deepEqual(asText(rollup), asText(raw), `the ${dim} rollup equals the raw rows`);
    }
    return { rows, interrupted: interrupted.length };
  });
}
