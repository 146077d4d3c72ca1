// What must hold of a routeops ledger after any stop, crash or lock:
// every upstream chat call the simulator served has exactly one ledger row (joined on routeops'
// own call id, which each call sends as X-Client-Request-Id: docs/PROVIDERS.md §1), interrupted
// rows are no more than the calls begun, the daily rollup equals the raw rows, and SQLite's own
// integrity check passes. Read through a separate read-only connection, as an auditor would.
import assert from 'node:assert/strict';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import { aggregateSql, SPEND_COLUMNS } from '../../src/store/ledger/sql.js';
import type { RecordedRequest } from '../../tools/sim/server.js';
import { peekDb } from './db.js';

/** The call id each chat completion request the simulator served carried (one entry per request). */
export function servedCallIds(requests: readonly RecordedRequest[]): string[] {
  return requests
    .filter((r) => r.path.endsWith('/chat/completions'))
    .map((r) => {
      const id = r.headers['x-client-request-id'];
      assert.ok(id, `a chat request reached the simulator without X-Client-Request-Id (${r.path})`);
      return id;
    });
}

export interface LedgerFacts {
  rows: number;
  interrupted: number;
  /** Rows by source (ask, ingest, import, routecheck). */
  bySource: Record<string, number>;
}

export interface InvariantOptions {
  /** X-Client-Request-Id of every chat request the simulator served (servedCallIds). */
  served: readonly string[];
  /** Calls routeops began (sent or about to be): interrupted rows can be no more. */
  begun?: number;
}

type CallRow = { call_id: string; n: number };

/** Asserts the invariants; returns what the ledger holds, for the caller's own assertions. */
export function assertLedgerInvariants(dbPath: string, opts: InvariantOptions): LedgerFacts {
  return peekDb(dbPath, (db) => {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'PRAGMA integrity_check');

    // Served ⊆ rows, exactly once each. A call the client retried sends its id once per HTTP
    // request, and has one row per request: its own plus "<id>/retry-N" (src/features/routing/execute.ts).
    const rowsOf = new Map<string, number>();
    for (const r of db.prepare(`SELECT call_id, COUNT(*) AS n FROM usage WHERE call_id IS NOT NULL GROUP BY call_id`).all() as CallRow[]) {
      const call = r.call_id.replace(/\/retry-\d+$/, '');
      rowsOf.set(call, (rowsOf.get(call) ?? 0) + r.n);
    }
    const servedOf = new Map<string, number>();
    for (const id of opts.served) servedOf.set(id, (servedOf.get(id) ?? 0) + 1);
    const wrong = [...servedOf].filter(([id, n]) => rowsOf.get(id) !== n).map(([id, n]) => `${id}: served ${n}, rows ${rowsOf.get(id) ?? 0}`);
    assert.deepEqual(wrong, [], 'every call the simulator served has exactly one ledger row');

    const interrupted = db.prepare(`SELECT COUNT(*) FROM usage WHERE status = 'interrupted'`).pluck().get() as number;
    if (opts.begun !== undefined) assert.ok(interrupted <= opts.begun, `interrupted rows (${interrupted}) are no more than the calls begun (${opts.begun})`);
    const estimated = db.prepare(`SELECT COUNT(*) FROM usage WHERE status = 'interrupted' AND usage_status <> 'estimated'`).pluck().get();
    assert.equal(estimated, 0, 'interrupted rows are flagged as estimated');

    for (const dim of SPEND_DIMS) {
      const rollup = db.prepare(`SELECT ${SPEND_COLUMNS} FROM spend_daily WHERE dim = ? ORDER BY day, key`).all(dim);
      const raw = db.prepare(`${aggregateSql(dim, '')} ORDER BY day, key`).all();
      assert.deepEqual(rollup, raw, `the ${dim} rollup equals the raw rows`);
    }

    const bySource: Record<string, number> = {};
    for (const r of db.prepare('SELECT source, COUNT(*) AS n FROM usage GROUP BY source').all() as Array<{ source: string; n: number }>) bySource[r.source] = r.n;
    const rows = db.prepare('SELECT COUNT(*) FROM usage').pluck().get() as number;
    return { rows, interrupted, bySource };
  });
}
