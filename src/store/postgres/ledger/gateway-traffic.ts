// The gateway's recent traffic for its alert on PostgreSQL (src/store/ledger/gateway-traffic.ts
// on SQLite): attempts per key, alias, route and status over a span, from the partial index
// usage_gateway (migrations/postgres/001_ledger.sql), in SQLite's order (binary, NULL first).
import type { GatewayTrafficRow } from '../../ledger/gateway-traffic.js';
import type { PgQuery } from '../pool.js';
import { C } from './sql.js';

const TRAFFIC_SQL = `SELECT "user" AS key, route AS alias, provider, model, status, COUNT(*) AS attempts
  FROM usage
  WHERE source = 'gateway' AND ts_ms >= $1 AND ts_ms < $2
  GROUP BY "user", route, provider, model, status
  ORDER BY "user" ${C} NULLS FIRST, route ${C} NULLS FIRST, provider ${C}, model ${C}, status ${C}`;

export async function gatewayTraffic(q: PgQuery, fromMs: number, toMs: number): Promise<GatewayTrafficRow[]> {
  const rows = await q.query<Omit<GatewayTrafficRow, 'key' | 'alias'> & { key: string | null; alias: string | null }>(TRAFFIC_SQL, [fromMs, toMs]);
  return rows.map((r) => ({ ...r, key: r.key ?? '', alias: r.alias ?? '' }));
}
