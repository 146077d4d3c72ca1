// The gateway's virtual keys on PostgreSQL (migrations/postgres/004_routecheck_balances_keys.sql):
// the same interface and answers as src/store/gateway-keys.ts. Every write first bumps the one
// row of gateway_keys_version, in its own transaction: that row lock makes key writes take turns
// across replicas as SQLite's single writer does (a create that finds the name live is refused
// with name_taken, a second rotate finds the key the first made), and the bumped version is the
// stamp other replicas compare before each request, so a revoke stops the key everywhere at the
// next request after it commits. The live-name unique index stays the last word.
import type { GatewayKeyRecord, GatewayKeyStore, KeyWrite, NewGatewayKey } from '../gateway-keys.js';
import type { PgDb, PgQuery } from './pool.js';

interface Row {
  id: number;
  name: string;
  owner: string | null;
  prefix: string;
  hash: string;
  aliases: string;
  provider_models: number;
  budget_daily_nano: string | null;
  budget_monthly_nano: string | null;
  rpm: number | null;
  expires_ms: number | null;
  created_at: string;
  created_ms: number;
  revoked_at: string | null;
  revoked_ms: number | null;
  rotated_from: number | null;
}

// Budgets as text: exact as bigint whatever their size.
const COLUMNS =
  'id, name, owner, prefix, hash, aliases, provider_models, budget_daily_nano::text AS budget_daily_nano, budget_monthly_nano::text AS budget_monthly_nano, rpm, expires_ms, created_at, created_ms, revoked_at, revoked_ms, rotated_from';

function fromRow(r: Row): GatewayKeyRecord {
  return {
    id: r.id,
    name: r.name,
    owner: r.owner,
    prefix: r.prefix,
    hash: r.hash,
    aliases: JSON.parse(r.aliases) as string[],
    providerModels: r.provider_models === 1,
    budgetDailyNano: r.budget_daily_nano === null ? null : BigInt(r.budget_daily_nano),
    budgetMonthlyNano: r.budget_monthly_nano === null ? null : BigInt(r.budget_monthly_nano),
    rpm: r.rpm,
    expiresMs: r.expires_ms,
    createdAt: r.created_at,
    createdMs: r.created_ms,
    revokedAt: r.revoked_at,
    revokedMs: r.revoked_ms,
    rotatedFrom: r.rotated_from,
  };
}

const UNIQUE_VIOLATION = '23505';

async function liveKey(q: PgQuery, name: string): Promise<GatewayKeyRecord | null> {
  const [r] = await q.query<Row>(`SELECT ${COLUMNS} FROM gateway_keys WHERE name = $1 AND revoked_ms IS NULL`, [name]);
  return r ? fromRow(r) : null;
}

async function add(q: PgQuery, k: NewGatewayKey, atMs: number, rotatedFrom: number | null): Promise<GatewayKeyRecord> {
  const [r] = await q.query<Row>(
    `INSERT INTO gateway_keys (name, owner, prefix, hash, aliases, provider_models, budget_daily_nano, budget_monthly_nano, rpm, expires_ms, created_at, created_ms, rotated_from)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${COLUMNS}`,
    [k.name, k.owner, k.prefix, k.hash, JSON.stringify(k.aliases), k.providerModels ? 1 : 0, k.budgetDailyNano, k.budgetMonthlyNano, k.rpm, k.expiresMs, new Date(atMs).toISOString(), atMs, rotatedFrom],
  );
  return fromRow(r!);
}

async function revokeById(q: PgQuery, id: number, atMs: number): Promise<GatewayKeyRecord> {
  const [r] = await q.query<Row>(`UPDATE gateway_keys SET revoked_at = $1, revoked_ms = $2 WHERE id = $3 RETURNING ${COLUMNS}`, [new Date(atMs).toISOString(), atMs, id]);
  return fromRow(r!);
}

export function createPgGatewayKeyStore(db: PgDb): GatewayKeyStore {
  let ownWrites = 0;
  /** A key write: the version bumped first (taking the writers' turn), then `fn`, in one transaction. */
  const write = async (fn: (q: PgQuery) => Promise<KeyWrite>): Promise<KeyWrite> => {
    try {
      return await db.tx(async (q) => {
        await q.query('UPDATE gateway_keys_version SET version = version + 1');
        return fn(q);
      });
    } catch (err) {
      // Only reachable if something wrote gateway_keys without the turn: the index refuses a second live name.
      if ((err as { code?: string; constraint?: string }).code === UNIQUE_VIOLATION && (err as { constraint?: string }).constraint === 'gateway_keys_live_name') {
        return { ok: false, reason: 'name_taken' };
      }
      throw err;
    } finally {
      // After the commit (or the rollback): this process's next stamp differs from any read before.
      ownWrites++;
    }
  };
  return {
    create: (k, atMs) => write(async (q) => ((await liveKey(q, k.name)) ? { ok: false, reason: 'name_taken' } : { ok: true, key: await add(q, k, atMs, null) })),
    list: async () => (await db.query<Row>(`SELECT ${COLUMNS} FROM gateway_keys ORDER BY name COLLATE "C", created_ms, id`)).map(fromRow),
    live: (name) => liveKey(db, name),
    revoke: (name, atMs) =>
      write(async (q) => {
        const old = await liveKey(q, name);
        if (!old) return { ok: false, reason: 'not_found' };
        return { ok: true, key: await revokeById(q, old.id, atMs) };
      }),
    rotate: (name, next, atMs) =>
      write(async (q) => {
        const old = await liveKey(q, name);
        if (!old) return { ok: false, reason: 'not_found' };
        const replaced = await revokeById(q, old.id, atMs);
        const key = await add(q, { ...old, prefix: next.prefix, hash: next.hash }, atMs, old.id);
        return { ok: true, key, replaced };
      }),
    async activeCount(nowMs) {
      const [r] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM gateway_keys WHERE revoked_ms IS NULL AND (expires_ms IS NULL OR expires_ms > $1)', [nowMs]);
      return r!.n;
    },
    async stamp() {
      const [r] = await db.query<{ version: number }>('SELECT version FROM gateway_keys_version');
      return `${r!.version}:${ownWrites}`;
    },
  };
}
