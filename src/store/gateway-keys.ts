// The gateway's virtual keys (migrations/018_gateway_keys.sql): only each key's hash and a short
// prefix are stored, never the key. A name names one key at a time (unique among the keys not
// revoked); rotating revokes the old row and adds the new one in one transaction, so there is
// never a moment with both or neither.
import type { Db } from './open.js';

/** A stored key: everything but the key itself. */
export interface GatewayKeyRecord {
  id: number;
  name: string;
  owner: string | null;
  /** The key's first characters ("ro_AbC1"), for telling keys apart. */
  prefix: string;
  /** SHA-256 hex of the whole key. */
  hash: string;
  aliases: string[];
  providerModels: boolean;
  budgetDailyNano: bigint | null;
  budgetMonthlyNano: bigint | null;
  rpm: number | null;
  expiresMs: number | null;
  createdAt: string;
  createdMs: number;
  revokedAt: string | null;
  revokedMs: number | null;
  rotatedFrom: number | null;
}

/** What a new key is made of (the settings, and the new key's prefix and hash). */
export type NewGatewayKey = Pick<GatewayKeyRecord, 'name' | 'owner' | 'prefix' | 'hash' | 'aliases' | 'providerModels' | 'budgetDailyNano' | 'budgetMonthlyNano' | 'rpm' | 'expiresMs'>;

export type KeyWrite = { ok: true; key: GatewayKeyRecord; replaced?: GatewayKeyRecord } | { ok: false; reason: 'name_taken' | 'not_found' };

export interface GatewayKeyStore {
  /** Adds a key; `name_taken` when a key of that name is not revoked. */
  create(key: NewGatewayKey, atMs: number): Promise<KeyWrite>;
  /** Every key ever made, revoked ones included, by name then age. */
  list(): Promise<GatewayKeyRecord[]>;
  /** The key of that name that is not revoked (it may have expired). */
  live(name: string): Promise<GatewayKeyRecord | null>;
  /** Revokes the live key of that name; `not_found` when there is none. */
  revoke(name: string, atMs: number): Promise<KeyWrite>;
  /** Revokes the live key of that name and adds `next` (its new prefix and hash) with the same settings, at once. */
  rotate(name: string, next: Pick<GatewayKeyRecord, 'prefix' | 'hash'>, atMs: number): Promise<KeyWrite>;
  /** Keys neither revoked nor expired at `nowMs`. */
  activeCount(nowMs: number): Promise<number>;
  /**
   * Changes whenever the keys may have changed: another connection committed (SQLite's
   * data_version: a `routeops keys` in another process) or this one wrote keys. A reader holding
   * a copy reads again when it moves, so a revoked key stops at its next request.
   */
  stamp(): Promise<string>;
}

interface Row {
  id: number;
  name: string;
  owner: string | null;
  prefix: string;
  hash: string;
  aliases: string;
  provider_models: number;
  budget_daily_nano: number | null;
  budget_monthly_nano: number | null;
  rpm: number | null;
  expires_ms: number | null;
  created_at: string;
  created_ms: number;
  revoked_at: string | null;
  revoked_ms: number | null;
  rotated_from: number | null;
}

const COLUMNS = 'id, name, owner, prefix, hash, aliases, provider_models, budget_daily_nano, budget_monthly_nano, rpm, expires_ms, created_at, created_ms, revoked_at, revoked_ms, rotated_from';

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

export function createGatewayKeyStore(db: Db): GatewayKeyStore {
  const insert = db.prepare(
    `INSERT INTO gateway_keys (name, owner, prefix, hash, aliases, provider_models, budget_daily_nano, budget_monthly_nano, rpm, expires_ms, created_at, created_ms, rotated_from)
     VALUES (@name, @owner, @prefix, @hash, @aliases, @provider_models, @budget_daily_nano, @budget_monthly_nano, @rpm, @expires_ms, @created_at, @created_ms, @rotated_from)`,
  );
  const byId = db.prepare(`SELECT ${COLUMNS} FROM gateway_keys WHERE id = ?`);
  const live = db.prepare(`SELECT ${COLUMNS} FROM gateway_keys WHERE name = ? AND revoked_ms IS NULL`);
  const all = db.prepare(`SELECT ${COLUMNS} FROM gateway_keys ORDER BY name, created_ms, id`);
  const revoke = db.prepare('UPDATE gateway_keys SET revoked_at = ?, revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL');
  const active = db.prepare('SELECT COUNT(*) AS n FROM gateway_keys WHERE revoked_ms IS NULL AND (expires_ms IS NULL OR expires_ms > ?)');

  const add = (k: NewGatewayKey, atMs: number, rotatedFrom: number | null): GatewayKeyRecord => {
    const { lastInsertRowid } = insert.run({
      name: k.name,
      owner: k.owner,
      prefix: k.prefix,
      hash: k.hash,
      aliases: JSON.stringify(k.aliases),
      provider_models: k.providerModels ? 1 : 0,
      budget_daily_nano: k.budgetDailyNano,
      budget_monthly_nano: k.budgetMonthlyNano,
      rpm: k.rpm,
      expires_ms: k.expiresMs,
      created_at: new Date(atMs).toISOString(),
      created_ms: atMs,
      rotated_from: rotatedFrom,
    });
    return fromRow(byId.get(lastInsertRowid) as Row);
  };
  const liveKey = (name: string) => {
    const r = live.get(name) as Row | undefined;
    return r ? fromRow(r) : null;
  };
  const create = db.transaction((k: NewGatewayKey, atMs: number): KeyWrite => (liveKey(k.name) ? { ok: false, reason: 'name_taken' } : { ok: true, key: add(k, atMs, null) }));
  const revokeLive = db.transaction((name: string, atMs: number): KeyWrite => {
    const old = liveKey(name);
    if (!old) return { ok: false, reason: 'not_found' };
    revoke.run(new Date(atMs).toISOString(), atMs, old.id);
    return { ok: true, key: fromRow(byId.get(old.id) as Row) };
  });
  const rotate = db.transaction((name: string, next: Pick<GatewayKeyRecord, 'prefix' | 'hash'>, atMs: number): KeyWrite => {
    const old = liveKey(name);
    if (!old) return { ok: false, reason: 'not_found' };
    revoke.run(new Date(atMs).toISOString(), atMs, old.id);
    const key = add({ ...old, prefix: next.prefix, hash: next.hash }, atMs, old.id);
    return { ok: true, key, replaced: fromRow(byId.get(old.id) as Row) };
  });

  // A prepared statement: db.pragma() prepares one on every call (2% of the gateway's CPU).
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let ownWrites = 0;
  const wrote = <T>(r: T): Promise<T> => {
    ownWrites++;
    return Promise.resolve(r);
  };
  return {
    create: (k, atMs) => wrote(create(k, atMs)),
    list: () => Promise.resolve((all.all() as Row[]).map(fromRow)),
    live: (name) => Promise.resolve(liveKey(name)),
    revoke: (name, atMs) => wrote(revokeLive(name, atMs)),
    rotate: (name, next, atMs) => wrote(rotate(name, next, atMs)),
    stamp: () => Promise.resolve(`${String(dataVersion.get())}:${ownWrites}`),
    activeCount: (nowMs) => Promise.resolve((active.get(nowMs) as { n: number }).n),
  };
}
