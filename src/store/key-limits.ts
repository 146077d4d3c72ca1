// The gateway keys' limits kept in the store (migrations/023_gateway_key_limits.sql), so every
// process serving the gateway on one SQLite file — or every replica on PostgreSQL
// (src/store/postgres/key-limits.ts) — admits against the same requests a minute and the same
// calls in flight: three processes do not allow three times a key's rate or budget. An admission
// is one short write transaction; while another process holds the write lock (a `routeops ledger
// import` holds it for a minute or more) this process decides alone from memory for a second at
// a time (createMemoryKeyLimits, below) rather than stall the gateway: limits then hold per process.
import type { Db } from './open.js';
import { isBusy } from './retry-queue.js';

export interface KeyAdmitRequest {
  /** The key's name: a rotated key keeps its minute and its calls in flight. */
  name: string;
  nowMs: number;
  /** The process asking (Services.instance), recorded on its holds. */
  holder: string;
  /** Requests a minute (null: none). */
  rpm: number | null;
  /** A window's length (60 s for rpm). */
  windowMs: number;
  /**
   * For a budgeted key: the least room left under its budgets (budget - spent, nano-USD); the call
   * is refused when the calls in flight are expected to cost that much (avg x count). null: no
   * budget, no hold.
   */
  roomNano: bigint | null;
  /** A budgeted key's calls in flight at most while no cost of it is known. */
  unpricedInFlight: number;
  /** The hold counts until then unless settled first (a process that died never settles). */
  holdUntilMs: number;
}

export type KeyAdmitResult =
  /** hold: the call's hold (a budgeted key), to settle when it ends. */
  | { ok: true; hold: number | null }
  /** avgNano x inFlight already takes the room; or no cost is known and unpricedInFlight run. */
  | { ok: false; reason: 'budget' | 'unpriced'; avgNano: bigint | null; inFlight: number }
  /** rpm admissions in the window: the oldest one's slot frees at freeAtMs. */
  | { ok: false; reason: 'rate'; freeAtMs: number };

export interface KeyLimitStore {
  /** Decides and records an admission atomically: the budget's calls in flight, then the rate. */
  admit(req: KeyAdmitRequest): Promise<KeyAdmitResult>;
  /** The call of `hold` ended: the hold goes; a cost (nano-USD) moves the key's average by 1/8. */
  settle(hold: number, name: string, nano: bigint | null): Promise<void>;
}

/** How long the write waits for the lock before this process decides from memory. */
const LIMITS_BUSY_MS = 20;
/** How long it then decides from memory before it tries the file again. */
const MEMORY_SPELL_MS = 1000;

/** The new average after a cost: 1/8 of the way towards it (truncated, as SQL's integer division). */
const nextAverage = (avg: bigint | null, nano: bigint): bigint => (avg === null ? nano : avg + (nano - avg) / 8n);

export function createKeyLimitStore(db: Db, opts: { now?: () => number } = {}): KeyLimitStore {
  const now = opts.now ?? (() => performance.now());
  const memory = createMemoryKeyLimits();
  let memoryUntil = -Infinity;
  const dropExpired = db.prepare('DELETE FROM gateway_key_holds WHERE name = ? AND until_ms <= ?');
  const avgOf = db.prepare('SELECT avg_nano FROM gateway_key_costs WHERE name = ?').safeIntegers(true);
  const countOf = db.prepare('SELECT count(*) AS n FROM gateway_key_holds WHERE name = ?');
  const topSlot = db.prepare('SELECT max(slot) AS top FROM gateway_key_rate_slots WHERE name = ? AND slot < ?');
  const newSlot = db.prepare('INSERT INTO gateway_key_rate_slots (name, slot, at_ms) VALUES (?, ?, ?)');
  const oldest = db.prepare('SELECT slot, at_ms FROM gateway_key_rate_slots WHERE name = ? AND slot < ? ORDER BY at_ms, slot LIMIT 1');
  const useSlot = db.prepare('UPDATE gateway_key_rate_slots SET at_ms = ? WHERE name = ? AND slot = ?');
  const newHold = db.prepare('INSERT INTO gateway_key_holds (name, holder, until_ms) VALUES (?, ?, ?)');
  const endHold = db.prepare('DELETE FROM gateway_key_holds WHERE id = ?');
  const cost = db.prepare(
    `INSERT INTO gateway_key_costs (name, avg_nano) VALUES (@name, @nano)
     ON CONFLICT (name) DO UPDATE SET avg_nano = avg_nano + (excluded.avg_nano - avg_nano) / 8`,
  );

  const decide = db.transaction((r: KeyAdmitRequest): KeyAdmitResult => {
    let avg: bigint | null = null;
    let count = 0;
    if (r.roomNano !== null) {
      dropExpired.run(r.name, r.nowMs);
      avg = (avgOf.get(r.name) as { avg_nano: bigint } | undefined)?.avg_nano ?? null;
      count = (countOf.get(r.name) as { n: number }).n;
      if ((avg ?? 0n) * BigInt(count) >= r.roomNano) return { ok: false, reason: 'budget', avgNano: avg, inFlight: count };
      if (avg === null && count >= r.unpricedInFlight) return { ok: false, reason: 'unpriced', avgNano: avg, inFlight: count };
    }
    if (r.rpm !== null) {
      const top = (topSlot.get(r.name, r.rpm) as { top: number | null }).top;
      if (top === null || top < r.rpm - 1) newSlot.run(r.name, (top ?? -1) + 1, r.nowMs);
      else {
        const o = oldest.get(r.name, r.rpm) as { slot: number; at_ms: number };
        if (r.nowMs - o.at_ms < r.windowMs) return { ok: false, reason: 'rate', freeAtMs: o.at_ms + r.windowMs };
        useSlot.run(r.nowMs, r.name, o.slot);
      }
    }
    if (r.roomNano === null) return { ok: true, hold: null };
    return { ok: true, hold: Number(newHold.run(r.name, r.holder, r.holdUntilMs).lastInsertRowid) };
  });
  const end = db.transaction((hold: number, name: string, nano: bigint | null) => {
    endHold.run(hold);
    if (nano !== null) cost.run({ name, nano });
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
    settle(hold, name, nano) {
      // Holds from memory are negative (createMemoryKeyLimits); a file's hold that cannot be ended
      // now lapses at its until_ms.
      if (hold < 0) return memory.settle(hold, name, nano);
      try {
        briefly(() => end(hold, name, nano));
        return Promise.resolve();
      } catch (err) {
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
  holds: Map<number, number>;
  avgNano: bigint | null;
}

/**
 * The same rules in this process's memory: the SQLite store decides with it while another process
 * holds the file's write lock. Its holds are negative numbers, the file's positive.
 */
export function createMemoryKeyLimits(): KeyLimitStore {
  const keys = new Map<string, KeyState>();
  let lastHold = 0;
  const stateOf = (name: string): KeyState => {
    let s = keys.get(name);
    if (!s) keys.set(name, (s = { slots: [], next: 0, rpm: null, holds: new Map(), avgNano: null }));
    return s;
  };
  return {
    admit(r) {
      const s = stateOf(r.name);
      const result = ((): KeyAdmitResult => {
        if (r.roomNano !== null) {
          for (const [id, until] of s.holds) if (until <= r.nowMs) s.holds.delete(id);
          const count = s.holds.size;
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
        s.holds.set(--lastHold, r.holdUntilMs);
        return { ok: true, hold: lastHold };
      })();
      return Promise.resolve(result);
    },
    settle(hold, name, nano) {
      const s = stateOf(name);
      s.holds.delete(hold);
      if (nano !== null) s.avgNano = nextAverage(s.avgNano, nano);
      return Promise.resolve();
    },
  };
}
