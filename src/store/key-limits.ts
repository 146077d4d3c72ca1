// The gateway keys' limits kept in the store (migrations/023_gateway_key_limits.sql), so every
// process serving the gateway on one SQLite file — or every replica on PostgreSQL
// (src/store/postgres/key-limits.ts) — admits against the same requests a minute and the same
// calls in flight: three processes do not allow three times a key's rate or budget. An admission
// is one short write transaction; while another process holds the write lock (a `routeops ledger
// import` holds it for a minute or more) this process decides alone from memory for a second at
// a time (createMemoryKeyLimits, below) rather than stall the gateway: limits then hold per
// process.
import type { Db } from './open.js';
import { isBusy } from './retry-queue.js';

export interface KeyAdmitRequest {
  /** The key's name: a rotated key keeps its minute and its calls in flight. */
  name: string;
  nowMs: number;
  /** The process asking (Services.instance): its calls in flight are counted on its own row. */
  holder: string;
  /** Requests a minute (null: none). */
  rpm: number | null;
  /** The rate window's length (60 s for rpm). */
  windowMs: number;
  /**
   * For a budgeted key: the least room left under its budgets (budget - spent, nano-USD); the call
   * is refused when the calls in flight are expected to cost that much (average x count). null:
   * no budget, nothing held.
   */
  roomNano: bigint | null;
  /** A budgeted key's calls in flight at most while no cost of it is known. */
  unpricedInFlight: number;
  /** This process's calls in flight count until then (each admission moves it on): a process that dies stops counting then. */
  holdUntilMs: number;
}

/** A budgeted call counted in flight, to settle when it ends. */
export interface KeyHold {
  name: string;
  holder: string;
  /** Counted in this process's memory (the SQLite file was locked), not in the store. */
  inMemory?: true;
}

export type KeyAdmitResult =
  | { ok: true; hold: KeyHold | null }
  /** avgNano x inFlight already takes the room; or no cost is known and unpricedInFlight run. */
  | { ok: false; reason: 'budget' | 'unpriced'; avgNano: bigint | null; inFlight: number }
  /** rpm admissions in the window: the oldest one's slot frees at freeAtMs. */
  | { ok: false; reason: 'rate'; freeAtMs: number };

export interface KeyLimitStore {
  /** Decides and records an admission atomically: the budget's calls in flight, then the rate. */
  admit(req: KeyAdmitRequest): Promise<KeyAdmitResult>;
  /**
   * A held call ended: the holder's count goes down by one, and to at most `stillInFlight` (its
   * own count, which mends a settle that was lost); a cost (nano-USD) moves the key's average.
   */
  settle(hold: KeyHold, nano: bigint | null, stillInFlight: number): Promise<void>;
}

/** How long the write waits for the lock before this process decides from memory. */
const LIMITS_BUSY_MS = 20;
/** How long it then decides from memory before it tries the file again. */
const MEMORY_SPELL_MS = 1000;

export function createKeyLimitStore(db: Db, opts: { now?: () => number } = {}): KeyLimitStore {
  const now = opts.now ?? (() => performance.now());
  const memory = createMemoryKeyLimits();
  let memoryUntil = -Infinity;
  const limitsOf = db.prepare('SELECT rpm, next, filled, avg_nano FROM gateway_key_limits WHERE name = ?').safeIntegers(true);
  const inFlightOf = db.prepare('SELECT coalesce(sum(in_flight), 0) AS n FROM gateway_key_holds WHERE name = ? AND until_ms > ?');
  const putSlot = db.prepare('INSERT INTO gateway_key_rate_slots (name, slot, at_ms) VALUES (?, ?, ?) ON CONFLICT (name, slot) DO UPDATE SET at_ms = excluded.at_ms');
  const slotAt = db.prepare('SELECT at_ms FROM gateway_key_rate_slots WHERE name = ? AND slot = ?');
  const putRing = db.prepare('INSERT INTO gateway_key_limits (name, rpm, next, filled) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET rpm = excluded.rpm, next = excluded.next, filled = excluded.filled');
  const hold = db.prepare(
    `INSERT INTO gateway_key_holds (name, holder, in_flight, until_ms) VALUES (?, ?, 1, ?)
     ON CONFLICT (name, holder) DO UPDATE SET in_flight = in_flight + 1, until_ms = max(until_ms, excluded.until_ms)`,
  );
  const unhold = db.prepare('UPDATE gateway_key_holds SET in_flight = max(0, min(in_flight - 1, ?)) WHERE name = ? AND holder = ?');
  const cost = db.prepare(
    `INSERT INTO gateway_key_limits (name, avg_nano) VALUES (?, ?)
     ON CONFLICT (name) DO UPDATE SET avg_nano = coalesce(avg_nano + (excluded.avg_nano - avg_nano) / 8, excluded.avg_nano)`,
  );

  const decide = db.transaction((r: KeyAdmitRequest): KeyAdmitResult => {
    const l = limitsOf.get(r.name) as { rpm: bigint | null; next: bigint; filled: bigint; avg_nano: bigint | null } | undefined;
    const avg = l?.avg_nano ?? null;
    if (r.roomNano !== null) {
      const count = (inFlightOf.get(r.name, r.nowMs) as { n: number }).n;
      if ((avg ?? 0n) * BigInt(count) >= r.roomNano) return { ok: false, reason: 'budget', avgNano: avg, inFlight: count };
      if (avg === null && count >= r.unpricedInFlight) return { ok: false, reason: 'unpriced', avgNano: null, inFlight: count };
    }
    if (r.rpm !== null) {
      // A new rpm starts a new ring (so does the first call).
      const same = l?.rpm !== undefined && l.rpm !== null && Number(l.rpm) === r.rpm;
      let next = same ? Number(l.next) : 0;
      let filled = same ? Number(l.filled) : 0;
      if (filled < r.rpm) putSlot.run(r.name, filled++, r.nowMs);
      else {
        const at = (slotAt.get(r.name, next) as { at_ms: number }).at_ms;
        if (r.nowMs - at < r.windowMs) return { ok: false, reason: 'rate', freeAtMs: at + r.windowMs };
        putSlot.run(r.name, next, r.nowMs);
        next = (next + 1) % r.rpm;
      }
      putRing.run(r.name, r.rpm, next, filled);
    }
    if (r.roomNano === null) return { ok: true, hold: null };
    hold.run(r.name, r.holder, r.holdUntilMs);
    return { ok: true, hold: { name: r.name, holder: r.holder } };
  });
  const end = db.transaction((h: KeyHold, nano: bigint | null, still: number) => {
    unhold.run(still, h.name, h.holder);
    if (nano !== null) cost.run(h.name, nano);
  });

  /** Runs `fn` waiting at most LIMITS_BUSY_MS for the lock (the pragma is read when a statement runs: src/store/retry-queue.ts). */
  const briefly = <T>(fn: () => T): T => {
    const normal = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma(`busy_timeout = ${LIMITS_BUSY_MS}`);
    try {
      return fn();
    } finally {
      db.pragma(`busy_timeout = ${normal}`);
    }
  };

  return {
    admit(r) {
      if (now() < memoryUntil) return memory.admit(r);
      try {
        return Promise.resolve(briefly(() => decide.immediate(r)));
      } catch (err) {
        if (!isBusy(err)) return Promise.reject(err as Error);
        memoryUntil = now() + MEMORY_SPELL_MS;
        return memory.admit(r);
      }
    },
    settle(h, nano, still) {
      if (h.inMemory) return memory.settle(h, nano, still);
      try {
        briefly(() => end(h, nano, still));
        return Promise.resolve();
      } catch (err) {
        // Locked: the count is mended by this process's next settle (stillInFlight), or lapses.
        return isBusy(err) ? Promise.resolve() : Promise.reject(err as Error);
      }
    },
  };
}

interface KeyState {
  /** Admission times, oldest first from `next` once the ring is full. */
  slots: number[];
  next: number;
  rpm: number | null;
  holds: Map<string, { inFlight: number; untilMs: number }>;
  avgNano: bigint | null;
}

/**
 * The same rules in this process's memory: the SQLite store decides with it while another
 * process holds the file's write lock. Its holds are marked `inMemory`.
 */
export function createMemoryKeyLimits(): KeyLimitStore {
  const keys = new Map<string, KeyState>();
  const stateOf = (name: string): KeyState => {
    let s = keys.get(name);
    if (!s) keys.set(name, (s = { slots: [], next: 0, rpm: null, holds: new Map(), avgNano: null }));
    return s;
  };
  const decide = (r: Parameters<KeyLimitStore['admit']>[0]): KeyAdmitResult => {
    const s = stateOf(r.name);
    if (r.roomNano !== null) {
      let count = 0;
      for (const h of s.holds.values()) if (h.untilMs > r.nowMs) count += h.inFlight;
      if ((s.avgNano ?? 0n) * BigInt(count) >= r.roomNano) return { ok: false, reason: 'budget', avgNano: s.avgNano, inFlight: count };
      if (s.avgNano === null && count >= r.unpricedInFlight) return { ok: false, reason: 'unpriced', avgNano: null, inFlight: count };
    }
    if (r.rpm !== null) {
      if (s.rpm !== r.rpm) Object.assign(s, { slots: [], next: 0, rpm: r.rpm });
      if (s.slots.length < r.rpm) s.slots.push(r.nowMs);
      else {
        const oldest = s.slots[s.next]!;
        if (r.nowMs - oldest < r.windowMs) return { ok: false, reason: 'rate', freeAtMs: oldest + r.windowMs };
        s.slots[s.next] = r.nowMs;
        s.next = (s.next + 1) % r.rpm;
      }
    }
    if (r.roomNano === null) return { ok: true, hold: null };
    const h = s.holds.get(r.holder);
    s.holds.set(r.holder, { inFlight: (h?.inFlight ?? 0) + 1, untilMs: Math.max(h?.untilMs ?? 0, r.holdUntilMs) });
    return { ok: true, hold: { name: r.name, holder: r.holder, inMemory: true } };
  };
  return {
    admit: (r) => Promise.resolve(decide(r)),
    settle(hold, nano, still) {
      const s = stateOf(hold.name);
      const h = s.holds.get(hold.holder);
      if (h) h.inFlight = Math.max(0, Math.min(h.inFlight - 1, still));
      // 1/8 of the way towards the cost, truncated as SQL's integer division truncates.
      if (nano !== null) s.avgNano = s.avgNano === null ? nano : s.avgNano + (nano - s.avgNano) / 8n;
      return Promise.resolve();
    },
  };
}
