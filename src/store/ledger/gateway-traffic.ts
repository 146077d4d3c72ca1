// The gateway's recent traffic for its alert (src/features/alerts/jobs/gateway.ts): attempts per
// key, alias, route and status over a span, read from the covering partial index usage_gateway
// (migrations/017_gateway_source.sql) alone.
import type { Db } from '../open.js';

export interface GatewayTrafficRow {
  /** The key's name. */
  key: string;
  alias: string;
  provider: string;
  model: string;
  status: string;
  attempts: number;
}

export function createGatewayTraffic(db: Db): (fromMs: number, toMs: number) => GatewayTrafficRow[] {
  const stmt = db.prepare(
    `SELECT "user" AS key, route AS alias, provider, model, status, COUNT(*) AS attempts
     FROM usage INDEXED BY usage_gateway
     WHERE source = 'gateway' AND ts_ms >= ? AND ts_ms < ?
     GROUP BY "user", route, provider, model, status
     ORDER BY "user", route, provider, model, status`,
  );
  return (fromMs, toMs) => (stmt.all(fromMs, toMs) as GatewayTrafficRow[]).map((r) => ({ ...r, key: r.key ?? '', alias: r.alias ?? '' }));
}
