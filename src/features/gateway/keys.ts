// The gateway's key check (docs/ARCHITECTURE.md §3.3 gateway, §3.1 `keys`): who is calling
// (authenticate) and whether this call may go ahead (admit: the key's daily and monthly budgets
// and its requests a minute). The keys are read from the store into memory and read again when
// the store's stamp moves (a `routeops keys` in another process committed) or the copy is
// `cacheMs` old (real time), so a key revoked or rotated stops working at its next request, and
// a request costs a stamp read, a hash and a map look-up. Spend is read from the ledger's rollup
// every `cacheMs` and the calls this process answers are added to it as they end (`charge`), so
// a budget holds between reads. The requests a minute and the calls in flight are the store's
// (src/store/key-limits.ts), shared by every process and replica on it: one atomic step per
// admission of a limited key, none for a key without limits. Messages name a key by its name and
// prefix, never by the key.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { GatewayKeyRecord, GatewayKeyStore } from '../../store/gateway-keys.js';
import type { KeyAdmitResult, KeyLimitStore } from '../../store/key-limits.js';
import type { LedgerStore } from '../../store/ledger.js';
import type { Zone } from '../../domain/time/zone.js';
import type { Clock } from '../../domain/time/clock.js';
import { formatUsd, formatUsdExact } from '../../domain/money/units.js';

/** Dollars to the cent, or exact under a cent (a test budget of $0.0001 is not "<$0.01"). */
const usd = (nano: bigint): string => (nano > 0n && nano < 10_000_000n ? formatUsdExact(nano) : formatUsd(nano));
import { keyHash, looksLikeKey, shownPrefix } from './key-text.js';
import { dayResetMs, localIso, monthResetMs, spendByUser, type KeySpend } from './key-spend.js';

export interface GatewayKeyInfo {
  id: number;
  name: string;
  owner: string | null;
  aliases: string[];
  providerModels: boolean;
  budgetDailyNano: bigint | null;
  budgetMonthlyNano: bigint | null;
  rpm: number | null;
  expiresAtMs: number | null;
}
export type KeyCheck = { ok: true; key: GatewayKeyInfo } | { ok: false; status: 401; code: 'missing_api_key' | 'invalid_api_key' | 'revoked_api_key' | 'expired_api_key'; message: string };
export type Admission =
  | {
      ok: true;
      /** The call ended: what it cost (nano-USD; null when not priced). Call it once, whatever happened; it never rejects. */
      settle(nano: bigint | null): Promise<void>;
    }
  | { ok: false; status: 429; type: 'insufficient_quota' | 'rate_limit_exceeded'; code: 'budget_exceeded' | 'rate_limit_exceeded'; message: string; retryAfterS: number };

export interface GatewayKeys {
  /** From the Authorization header ("Bearer ro_…"); revoked/rotated keys stop working within cacheMs (default 2000) in a running process. */
  authenticate(authorization: string | undefined, nowMs: number): Promise<KeyCheck>;
  /** Before routing a request: the key's daily and monthly budgets, then its requests a minute (spend from the ledger's rollup, in config.timezone). */
  admit(key: GatewayKeyInfo, nowMs: number): Promise<Admission>;
  /** Number of active keys (the gateway is on when > 0). */
  activeCount(): Promise<number>;
}

/** Calls of a budgeted key in flight before any of its costs is known (then: reserved at its average cost). */
export const UNPRICED_IN_FLIGHT = 4;

export interface GatewayKeysDeps {
  store: { gatewayKeys: GatewayKeyStore; keyLimits: KeyLimitStore };
  ledger: Pick<LedgerStore, 'spendRollup'>;
  zone: Zone;
  clock: Clock;
  /** This process among those sharing the store (Services.instance): its holds carry it. */
  holder?: string;
  log?: Pick<Logger, 'error'>;
}

export const DEFAULT_KEY_CACHE_MS = 2000;
/**
 * How long a process's calls in flight of a budgeted key count after its last admission of that
 * key: a process killed with calls in flight stops holding the budget then; a call that runs
 * longer on a process admitting nothing more for the key stops being held (its cost still counts
 * once the ledger has it).
 */
export const DEFAULT_HOLD_MS = 120_000;
const WINDOW_MS = 60_000;

const info = (r: GatewayKeyRecord): GatewayKeyInfo => ({
  id: r.id,
  name: r.name,
  owner: r.owner,
  aliases: r.aliases,
  providerModels: r.providerModels,
  budgetDailyNano: r.budgetDailyNano,
  budgetMonthlyNano: r.budgetMonthlyNano,
  rpm: r.rpm,
  expiresAtMs: r.expiresMs,
});

interface Snapshot {
  /** performance.now() when read, and the store's stamp then. */
  atMs: number;
  stamp: string;
  byHash: Map<string, { record: GatewayKeyRecord; info: GatewayKeyInfo; rotated: boolean }>;
  /**
   * The keys that matched since this copy was read, by their text: a key's SHA-256 is computed
   * once a copy (0.5% of the gateway's CPU at 500 calls/s when hashed per request: bench/gateway.ts).
   * Only keys found here: a key that matches nothing is hashed each time (it is refused anyway).
   */
  byKey: Map<string, { record: GatewayKeyRecord; info: GatewayKeyInfo; rotated: boolean }>;
}

const refusal = (code: 'missing_api_key' | 'invalid_api_key' | 'revoked_api_key' | 'expired_api_key', message: string): KeyCheck => ({ ok: false, status: 401, code, message });

export function createGatewayKeys(deps: GatewayKeysDeps, opts: { cacheMs?: number; holdMs?: number } = {}): GatewayKeys {
  const cacheMs = opts.cacheMs ?? DEFAULT_KEY_CACHE_MS;
  let snapshot: Snapshot | null = null;
  let loading: Promise<Snapshot> | null = null;
  const holdMs = opts.holdMs ?? DEFAULT_HOLD_MS;
  const ownInFlight = new Map<string, number>();
  const holder = deps.holder ?? `gateway-${process.pid}-${randomBytes(3).toString('hex')}`;
  const charge = (name: string, nano: bigint, nowMs: number): void => {
    // Only into the copy read from the rollup: the next read has the rows themselves.
    const s = spend?.today === deps.zone.dayOf(nowMs) ? spend.byUser : null;
    if (!s || nano <= 0n) return;
    const cur = s.get(name) ?? { dayNano: 0n, monthNano: 0n };
    s.set(name, { dayNano: cur.dayNano + nano, monthNano: cur.monthNano + nano });
  };
  let spend: { atMs: number; today: string; byUser: Map<string, KeySpend> } | null = null;

  const load = async (stamp: string): Promise<Snapshot> => {
    const atMs = performance.now();
    const records = await deps.store.gatewayKeys.list();
    const replaced = new Set(records.map((r) => r.rotatedFrom).filter((id) => id !== null));
    const byHash: Snapshot['byHash'] = new Map();
    for (const r of records) byHash.set(r.hash, { record: r, info: info(r), rotated: replaced.has(r.id) });
    return { atMs, stamp, byHash, byKey: new Map() };
  };
  // Concurrent callers share one read.
  const keys = async (): Promise<Snapshot> => {
    const stamp = await deps.store.gatewayKeys.stamp();
    if (snapshot && snapshot.stamp === stamp && performance.now() - snapshot.atMs < cacheMs) return snapshot;
    loading ??= load(stamp).then(
      (s) => {
        snapshot = s;
        loading = null;
        return s;
      },
      (err: unknown) => {
        loading = null;
        throw err;
      },
    );
    return loading;
  };

  const spendOf = async (name: string, nowMs: number): Promise<{ today: string; spent: KeySpend }> => {
    const today = deps.zone.dayOf(nowMs);
    if (!spend || spend.today !== today || performance.now() - spend.atMs >= cacheMs) {
      spend = { atMs: performance.now(), today, byUser: await spendByUser(deps.ledger, today) };
    }
    return { today, spent: spend.byUser.get(name) ?? { dayNano: 0n, monthNano: 0n } };
  };

  const budgetRefusal = (key: GatewayKeyInfo, period: 'daily' | 'monthly', spentNano: bigint, limitNano: bigint, today: string, nowMs: number, reservedNano = 0n): Admission => {
    const resetMs = period === 'daily' ? dayResetMs(deps.zone, today) : monthResetMs(deps.zone, today);
    const when = period === 'daily' ? `on ${today}` : `in ${today.slice(0, 7)}`;
    // Spent alone under the budget: calls in flight hold the rest, and settle within moments.
    const held = spentNano < limitNano;
    const message = held
      ? `Key "${key.name}" has its ${period} budget taken: ${usd(spentNano)} spent ${when} and about ${usd(reservedNano)} held by calls in flight, of ${usd(limitNano)}; retry in a moment.`
      : `Key "${key.name}" has used its ${period} budget: ${usd(spentNano)} of ${usd(limitNano)} spent ${when} (${deps.zone.name}); it resets at ${localIso(resetMs, deps.zone)}.`;
    return { ok: false, status: 429, type: 'insufficient_quota', code: 'budget_exceeded', message, retryAfterS: held ? 1 : Math.max(1, Math.ceil((resetMs - nowMs) / 1000)) };
  };

  return {
    async authenticate(authorization, nowMs) {
      const header = authorization?.trim() ?? '';
      if (header === '') return refusal('missing_api_key', 'Missing API key: send a routeops key as "Authorization: Bearer ro_…".');
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) return refusal('missing_api_key', 'Missing API key: the Authorization header must be "Bearer ro_…".');
      const token = m[1]!;
      if (!looksLikeKey(token)) return refusal('invalid_api_key', 'Invalid API key: a routeops key is "ro_" and 40 letters and digits (routeops keys create makes one).');
      const copy = await keys();
      let found = copy.byKey.get(token);
      if (!found) {
        found = copy.byHash.get(keyHash(token));
        if (!found) return refusal('invalid_api_key', 'Invalid API key: no routeops key matches it.');
        copy.byKey.set(token, found);
      }
      const { record: r } = found;
      const named = `"${r.name}" (${shownPrefix(r.prefix)})`;
      // Revoking is at once, whatever the clocks of the process that revoked and this one say.
      if (r.revokedMs !== null) {
        const how = found.rotated ? 'was replaced by a rotated key' : 'was revoked';
        return refusal('revoked_api_key', `API key ${named} ${how} at ${new Date(r.revokedMs).toISOString()}.`);
      }
      if (r.expiresMs !== null && r.expiresMs <= nowMs) return refusal('expired_api_key', `API key ${named} expired at ${new Date(r.expiresMs).toISOString()}.`);
      return { ok: true, key: found.info };
    },

    async admit(key, nowMs) {
      let room: bigint | null = null;
      let spentNow: { today: string; spent: KeySpend } | null = null;
      if (key.budgetDailyNano !== null || key.budgetMonthlyNano !== null) {
        spentNow = await spendOf(key.name, nowMs);
        const { today, spent } = spentNow;
        // Spent alone at a budget: refused without asking the store. The month first: when both
        // are used up, the call waits for the later reset.
        if (key.budgetMonthlyNano !== null && spent.monthNano >= key.budgetMonthlyNano) return budgetRefusal(key, 'monthly', spent.monthNano, key.budgetMonthlyNano, today, nowMs);
        if (key.budgetDailyNano !== null && spent.dayNano >= key.budgetDailyNano) return budgetRefusal(key, 'daily', spent.dayNano, key.budgetDailyNano, today, nowMs);
        const rooms = [key.budgetMonthlyNano === null ? null : key.budgetMonthlyNano - spent.monthNano, key.budgetDailyNano === null ? null : key.budgetDailyNano - spent.dayNano].filter((n) => n !== null);
        room = rooms.reduce((a, b) => (a < b ? a : b));
      }
      if (room === null && key.rpm === null) return { ok: true, settle: () => Promise.resolve() };
      // In the store, one atomic step for every process and replica sharing it: calls in flight
      // hold their expected cost (the key's average), so a burst of concurrent calls cannot all be
      // admitted against the same spend (before any cost is known, at most UNPRICED_IN_FLIGHT run
      // at once); then the key name's requests in the last minute (a rotated key keeps its minute
      // and, through the ledger, its spend). A refused call takes no slot and holds nothing.
      // This process's own count of the key's calls in flight (mends a settle the store missed).
      if (room !== null) ownInFlight.set(key.name, (ownInFlight.get(key.name) ?? 0) + 1);
      const ended = () => {
        const n = (ownInFlight.get(key.name) ?? 1) - 1;
        if (n > 0) ownInFlight.set(key.name, n);
        else ownInFlight.delete(key.name);
        return n;
      };
      let r: KeyAdmitResult;
      try {
        r = await deps.store.keyLimits.admit({ name: key.name, nowMs, holder, rpm: key.rpm, windowMs: WINDOW_MS, roomNano: room, unpricedInFlight: UNPRICED_IN_FLIGHT, holdUntilMs: nowMs + holdMs });
      } catch (err) {
        if (room !== null) ended();
        throw err;
      }
      if (!r.ok) {
        if (room !== null) ended();
        if (r.reason === 'rate') {
          const waitS = Math.max(1, Math.ceil((r.freeAtMs - nowMs) / 1000));
          return { ok: false, status: 429, type: 'rate_limit_exceeded', code: 'rate_limit_exceeded', message: `Key "${key.name}" is limited to ${key.rpm} requests a minute; retry in ${waitS} s.`, retryAfterS: waitS };
        }
        if (r.reason === 'unpriced') {
          return { ok: false, status: 429, type: 'rate_limit_exceeded', code: 'rate_limit_exceeded', message: `Key "${key.name}" has a budget and ${r.inFlight} calls in flight whose cost is not known yet; retry in 1 s.`, retryAfterS: 1 };
        }
        const { today, spent } = spentNow!;
        const reserved = (r.avgNano ?? 0n) * BigInt(r.inFlight);
        if (key.budgetMonthlyNano !== null && spent.monthNano + reserved >= key.budgetMonthlyNano) return budgetRefusal(key, 'monthly', spent.monthNano, key.budgetMonthlyNano, today, nowMs, reserved);
        return budgetRefusal(key, 'daily', spent.dayNano, key.budgetDailyNano!, today, nowMs, reserved);
      }
      const hold = r.hold;
      if (hold === null) return { ok: true, settle: () => Promise.resolve() };
      let settled = false;
      return {
        ok: true,
        settle(nano) {
          if (settled) return Promise.resolve();
          settled = true;
          if (nano !== null) charge(key.name, nano, nowMs);
          // A settle the store did not take is mended by this process's next one, or lapses with its holds.
          return deps.store.keyLimits.settle(hold, nano, ended()).catch((err: unknown) => deps.log?.error({ err, key: key.name }, 'gateway key call in flight could not be ended in the store'));
        },
      };
    },

    activeCount: () => deps.store.gatewayKeys.activeCount(deps.clock().getTime()),
  };
}
