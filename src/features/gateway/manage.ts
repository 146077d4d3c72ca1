// Making, listing, revoking and rotating gateway keys (`routeops keys …`, docs/ARCHITECTURE.md
// §3.1). A key's text exists only in the result of create and rotate, to be shown once; what is
// stored is its hash and prefix (src/store/gateway-keys.ts).
import type { Services } from '../services.js';
import type { GatewayKeyRecord, NewGatewayKey } from '../../store/gateway-keys.js';
import { UsageError } from '../../domain/errors.js';
import { keyHash, keyPrefix, newKeyText } from './key-text.js';
import { spendByUser, type KeySpend } from './key-spend.js';

export type KeySettings = Omit<NewGatewayKey, 'name' | 'prefix' | 'hash'>;

export type KeyStatus = 'active' | 'revoked' | 'expired';

/** A key made now: its text, to be shown this once. */
export interface MadeKey {
  key: string;
  record: GatewayKeyRecord;
}

export type KeyOutcome = { ok: true; made: MadeKey } | { ok: false; reason: string };

type KeyServices = Pick<Services, 'store' | 'clock' | 'config'>;

export function keyStatus(r: Pick<GatewayKeyRecord, 'revokedMs' | 'expiresMs'>, nowMs: number): KeyStatus {
  if (r.revokedMs !== null) return 'revoked';
  return r.expiresMs !== null && r.expiresMs <= nowMs ? 'expired' : 'active';
}

/**
 * The aliases a key may call: each must be one of config.models (the error lists them). None
 * given is stored as none: every alias of the config in force at each call, aliases added later
 * included (src/features/gateway/resolve.ts aliasesOf).
 */
export function checkAliases(aliases: readonly string[] | null, known: readonly string[]): string[] {
  if (aliases === null) return [];
  const unknown = aliases.filter((a) => !known.includes(a));
  if (unknown.length) throw new UsageError(`--aliases: unknown alias${unknown.length > 1 ? 'es' : ''} ${unknown.map((a) => `"${a}"`).join(', ')} (known: ${known.join(', ')})`);
  return [...aliases];
}

function fresh(): Pick<NewGatewayKey, 'prefix' | 'hash'> & { key: string } {
  const key = newKeyText();
  return { key, prefix: keyPrefix(key), hash: keyHash(key) };
}

export async function createKey(services: KeyServices, name: string, settings: KeySettings): Promise<KeyOutcome> {
  const { key, prefix, hash } = fresh();
  const written = await services.store.gatewayKeys.create({ name, prefix, hash, ...settings }, services.clock().getTime());
  if (!written.ok) return { ok: false, reason: `a key named "${name}" already exists: routeops keys rotate ${name} replaces it, routeops keys revoke ${name} ends it` };
  return { ok: true, made: { key, record: written.key } };
}

export async function rotateKey(services: KeyServices, name: string): Promise<KeyOutcome> {
  const nowMs = services.clock().getTime();
  const live = await services.store.gatewayKeys.live(name);
  if (!live) throw new UsageError(await unknownName(services, name));
  if (keyStatus(live, nowMs) === 'expired') {
    return { ok: false, reason: `key "${name}" expired at ${new Date(live.expiresMs!).toISOString()}; a rotated key would be expired too: routeops keys revoke ${name}, then keys create ${name} with a new --expires` };
  }
  const { key, prefix, hash } = fresh();
  const written = await services.store.gatewayKeys.rotate(name, { prefix, hash }, nowMs);
  if (!written.ok) throw new UsageError(await unknownName(services, name));
  return { ok: true, made: { key, record: written.key } };
}

export async function revokeKey(services: KeyServices, name: string): Promise<GatewayKeyRecord> {
  const written = await services.store.gatewayKeys.revoke(name, services.clock().getTime());
  if (!written.ok) throw new UsageError(await unknownName(services, name));
  return written.key;
}

/** "no key named x" with the names there are. */
async function unknownName(services: KeyServices, name: string): Promise<string> {
  const names = [...new Set((await services.store.gatewayKeys.list()).filter((r) => r.revokedMs === null).map((r) => r.name))];
  return `no key named "${name}"${names.length ? ` (keys: ${names.join(', ')})` : ': routeops keys list shows none'}`;
}

export interface ListedKey {
  record: GatewayKeyRecord;
  status: KeyStatus;
  /** Spend today and this month (config.timezone); null for a revoked key. */
  spent: KeySpend | null;
}

/** Every key, live ones first (by name), then the revoked ones, newest first. */
export async function listKeys(services: Pick<Services, 'store' | 'clock' | 'ledger' | 'zone'>): Promise<ListedKey[]> {
  const nowMs = services.clock().getTime();
  const records = await services.store.gatewayKeys.list();
  const spend = records.some((r) => r.revokedMs === null) ? await spendByUser(services.ledger, services.zone.dayOf(nowMs)) : new Map<string, KeySpend>();
  const listed = records.map((record) => {
    const status = keyStatus(record, nowMs);
    return { record, status, spent: status === 'revoked' ? null : (spend.get(record.name) ?? { dayNano: 0n, monthNano: 0n }) };
  });
  const live = listed.filter((k) => k.status !== 'revoked');
  const revoked = listed.filter((k) => k.status === 'revoked').sort((a, b) => b.record.revokedMs! - a.record.revokedMs! || b.record.id - a.record.id);
  return [...live, ...revoked];
}
