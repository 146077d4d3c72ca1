// The PostgreSQL connection pool (the `pg` client) as the PostgreSQL store uses it: queries with
// parameters, transactions on one client, and the URL without its password for messages.
// Selected by ROUTEOPS_DATABASE_URL (docs/ARCHITECTURE.md); SQLite stays the default (open.ts).
//
// Types: int8 (COUNT, bigint columns: ts_ms, tokens, a row's nano-USD) arrives as a number, and a
// value past 2^53 is refused rather than rounded; SUM over bigint is numeric and arrives as a
// string, which the money code turns into a BigInt (exact at any size).
import pg from 'pg';
import { isPostgresUrl, redactUrl } from './url.js';

export { isPostgresUrl, redactUrl };

export type PgParam = string | number | bigint | boolean | null | Date | Buffer | readonly (string | null)[] | readonly number[];

/** Runs one statement; rows as objects. */
export interface PgQuery {
  query<T = Record<string, unknown>>(sql: string, params?: readonly PgParam[]): Promise<T[]>;
}

export interface PgDb extends PgQuery {
  /** Runs `fn` in one transaction on one client: committed when it resolves, rolled back when it throws. */
  tx<T>(fn: (q: PgQuery) => Promise<T>): Promise<T>;
  /** The URL with the password replaced by `***` (for logs and messages). */
  readonly safeUrl: string;
  close(): Promise<void>;
}

export class PgStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PgStoreError';
  }
}

const INT8 = 20;

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new PgStoreError(`a bigint value ${text} is past what a number holds exactly (2^53)`);
  return n;
}

const types = {
  getTypeParser: ((oid: number, format?: string) => (oid === INT8 ? parseInt8 : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

export interface PgOpenOptions {
  /** Connections at most (default 10). */
  max?: number;
  /** Reported by PostgreSQL in pg_stat_activity. */
  applicationName?: string;
}

export function openPostgres(url: string, opts: PgOpenOptions = {}): PgDb {
  if (!isPostgresUrl(url)) throw new PgStoreError(`${redactUrl(url)} is not a PostgreSQL URL: expected postgres://user:password@host:port/database`);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    types,
    application_name: opts.applicationName ?? 'routeops',
    connectionTimeoutMillis: 10_000,
    // A server that vanished (no FIN: a failover, a cut link) is noticed by TCP keepalive, not never.
    keepAlive: true,
  });
  // An idle client's error (the server restarted) must not crash the process: the pool drops
  // that client and the next query connects again.
  pool.on('error', () => {});
  const runner = (client: pg.Pool | pg.PoolClient): PgQuery => ({
    async query<T>(sql: string, params: readonly PgParam[] = []) {
      const res = await client.query(sql, params as unknown[]);
      return res.rows as T[];
    },
  });
  const direct = runner(pool);
  return {
    query: direct.query,
    async tx<T>(fn: (q: PgQuery) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const out = await fn(runner(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr;
        }
        throw err;
      } finally {
        // A client whose rollback failed is in an unknown state: destroyed, not reused.
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    safeUrl: redactUrl(url),
    close: () => pool.end(),
  };
}
