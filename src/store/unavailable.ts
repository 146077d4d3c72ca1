// Whether a store failure means "the database cannot be asked right now" (SQLite locked by another
// process, PostgreSQL out of reach or restarting) rather than a bug: the HTTP gateway answers the
// first with 503 and Retry-After (src/adapters/http/gateway.ts), the second with 500.
import { isBusy } from './retry-queue.js';

/** SQLSTATE classes of a server out of reach: connection exceptions, shutting down or starting, too many connections. */
export const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300)$/;
/** The client's own words for a connection that failed or went away (pg and Node's sockets). */
const CONNECTION_FAILURE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

export function isStoreUnavailable(err: unknown): boolean {
  if (isBusy(err)) return true;
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  return UNAVAILABLE_STATES.test(code) || CONNECTION_FAILURE.test(code) || CONNECTION_FAILURE.test(typeof e.message === 'string' ? e.message : '');
}
