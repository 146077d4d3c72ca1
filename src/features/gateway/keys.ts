// The gateway's key check (docs/ARCHITECTURE.md §3.3 gateway, §3.1 `keys`): who is calling
// (authenticate) and whether this call may go ahead (admit: the key's daily and monthly budgets
// and its requests a minute). The keys are read from the store into memory and read again when
// the store's stamp moves (a `routeops keys` in another process committed) or the copy is
// `cacheMs` old (real time), so a key revoked or rotated stops working at its next request, and
// a request costs a stamp read, a hash and a map look-up. Spend is read from the ledger's rollup
// every `cacheMs` and the calls this process answers are added to it as they end (`charge`), so
// a budget holds between reads. Messages name a key by its name and prefix, never by the key.
import { performance } from 'node:perf_hooks';
import type { GatewayKeyRecord, GatewayKeyStore } from '../../store/gateway-keys.js';
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
      /** The call ended: what it cost (nano-USD; null when not priced). Call it once, whatever happened. */
      settle(nano: bigint | null): void;
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
  store: { gatewayKeys: GatewayKeyStore };
  ledger: Pick<LedgerStore, 'spendRollup'>;
  zone: Zone;
  clock: Clock;
}

export const DEFAULT_KEY_CACHE_MS = 2000;
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

/**
 * The last `rpm` admissions of a key, oldest first from `next`: a call is admitted when fewer
 * than `rpm` were admitted in the 60 s before it (a sliding window, O(1) a call).
 */
class MinuteWindow {
  private readonly times: number[] = [];
  private next = 0;
  constructor(readonly rpm: number) {}
  /** Seconds until a slot frees, or 0 when one is free now. */
  waitS(nowMs: number): number {
    if (this.times.length < this.rpm) return 0;
    const oldest = this.times[this.next]!;
    return nowMs - oldest >= WINDOW_MS ? 0 : Math.max(1, Math.ceil((oldest + WINDOW_MS - nowMs) / 1000));
  }
  take(nowMs: number): void {
    if (this.times.length < this.rpm) this.times.push(nowMs);
    else {
      this.times[this.next] = nowMs;
      this.next = (this.next + 1) % this.rpm;
    }
  }
}

const refusal = (code: 'missing_api_key' | 'invalid_api_key' | 'revoked_api_key' | 'expired_api_key', message: string): KeyCheck => ({ ok: false, status: 401, code, message });

export function createGatewayKeys(deps: GatewayKeysDeps, opts: { cacheMs?: number } = {}): GatewayKeys {
  const cacheMs = opts.cacheMs ?? DEFAULT_KEY_CACHE_MS;
  let snapshot: Snapshot | null = null;
  let loading: Promise<Snapshot> | null = null;
  const windows = new Map<string, MinuteWindow>();
  /** Per budgeted key: calls admitted and not settled, and the average cost of its priced calls (an EMA, 1/8 a call). */
  const flights = new Map<string, { inFlight: number; avgNano: bigint | null }>();
  const flightOf = (name: string) => flights.get(name) ?? (flights.set(name, { inFlight: 0, avgNano: null }), flights.get(name)!);
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
      const budgeted = key.budgetDailyNano !== null || key.budgetMonthlyNano !== null;
      if (budgeted) {
        const { today, spent } = await spendOf(key.name, nowMs);
        // Calls in flight hold their expected cost (the key's average), so a burst of concurrent
        // calls cannot all be admitted against the same spend; before any cost is known, at
        // most UNPRICED_IN_FLIGHT run at once.
        const f = flightOf(key.name);
        const reserved = f.avgNano === null ? 0n : f.avgNano * BigInt(f.inFlight);
        // The month first: when both are used up, the call waits for the later reset.
        if (key.budgetMonthlyNano !== null && spent.monthNano + reserved >= key.budgetMonthlyNano) return budgetRefusal(key, 'monthly', spent.monthNano, key.budgetMonthlyNano, today, nowMs, reserved);
        if (key.budgetDailyNano !== null && spent.dayNano + reserved >= key.budgetDailyNano) return budgetRefusal(key, 'daily', spent.dayNano, key.budgetDailyNano, today, nowMs, reserved);
        if (f.avgNano === null && f.inFlight >= UNPRICED_IN_FLIGHT) {
          return { ok: false, status: 429, type: 'rate_limit_exceeded', code: 'rate_limit_exceeded', message: `Key "${key.name}" has a budget and ${f.inFlight} calls in flight whose cost is not known yet; retry in 1 s.`, retryAfterS: 1 };
        }
      }
      // After the budget's await, with none after it: looking at the window and taking a slot
      // happen together, so concurrent calls cannot both take the last one.
      if (key.rpm !== null) {
        // By name: a rotated key keeps its minute (and, through the ledger, its spend).
        let window = windows.get(key.name);
        if (!window || window.rpm !== key.rpm) windows.set(key.name, (window = new MinuteWindow(key.rpm)));
        const waitS = window.waitS(nowMs);
        if (waitS > 0) {
          return { ok: false, status: 429, type: 'rate_limit_exceeded', code: 'rate_limit_exceeded', message: `Key "${key.name}" is limited to ${key.rpm} requests a minute; retry in ${waitS} s.`, retryAfterS: waitS };
        }
        window.take(nowMs);
      }
      if (!budgeted) return { ok: true, settle: () => {} };
      const f = flightOf(key.name);
      f.inFlight++;
      let settled = false;
      return {
        ok: true,
        settle(nano) {
          if (settled) return;
          settled = true;
          f.inFlight--;
          if (nano === null) return;
          f.avgNano = f.avgNano === null ? nano : f.avgNano + (nano - f.avgNano) / 8n;
          charge(key.name, nano, nowMs);
        },
      };
    },

    activeCount: () => deps.store.gatewayKeys.activeCount(deps.clock().getTime()),
  };
}
