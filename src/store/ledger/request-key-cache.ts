// Which request ids the ledger already holds, by UTC day: the in-memory side of the duplicate
// check (request-keys.ts). The ledger looks every id up under its row's day and the days either
// side; a point lookup in SQLite costs ~2 µs through better-sqlite3, three of them more than the
// rest of an insert. A day looked up often enough is read once from the usage_request_key index (its keys
// are contiguous, ~0.3 µs each) and answered from memory after that.
//
// Answers are exact in one direction only: a day held here that lacks a hash does not hold the
// id; a hash that is present may be another id's (or a row rolled back since), so the caller
// confirms it in SQLite. The holder must call `add` for every key its connection inserts and
// `clear` whenever another connection may have written (PRAGMA data_version changed).

/** Reads the 31-bit hashes stored under one day's keys; null when there are more than `limit`. */
export type ReadDayHashes = (day: number, limit: number) => Iterable<number> | null;

export interface RequestKeyCacheOptions {
  /** Hashes held in all, over every day (memory: ~20 bytes each). Default 200,000. */
  maxEntries?: number;
  /** A day with more ids than this is never held (reading it would stall). Default 100,000. */
  maxDayEntries?: number;
  /** Point lookups a day takes before it is worth reading. Default 16. */
  minLookups?: number;
}

/**
 * Ids read in the time of one point lookup (~2 µs a lookup, ~0.25 µs an id read in order): a
 * day is read once its lookups have cost what reading it would.
 */
const READ_COST_PER_LOOKUP = 8;

interface DayState {
  /** The day's hashes, once read. */
  hashes: Set<number> | null;
  /** When it was last asked about (a counter): eviction drops the least recent first. */
  used: number;
  /** Point lookups answered from SQLite since the day was last read or dropped. */
  lookups: number;
  /** The day is known to hold at least this many ids (from a read cut short by its limit). */
  atLeast: number;
}

export class RequestKeyCache {
  private readonly days = new Map<number, DayState>();
  private entries = 0;
  private clock = 0;
  private readonly maxEntries: number;
  private readonly maxDayEntries: number;
  private readonly minLookups: number;

  constructor(
    private readonly read: ReadDayHashes,
    opts: RequestKeyCacheOptions = {},
  ) {
    this.maxEntries = opts.maxEntries ?? 200_000;
    this.maxDayEntries = Math.min(opts.maxDayEntries ?? 100_000, this.maxEntries);
    this.minLookups = opts.minLookups ?? 16;
  }

  /**
   * Whether `day` may hold `hash`: false is certain; true means "look it up". Counts the lookups
   * a day costs and reads it when that has become dearer than reading it.
   */
  mayHold(day: number, hash: number): boolean {
    let s = this.days.get(day);
    if (s === undefined) {
      s = { hashes: null, used: 0, lookups: 0, atLeast: 0 };
      this.days.set(day, s);
    }
    s.used = ++this.clock;
    if (s.hashes !== null) return s.hashes.has(hash);
    s.lookups++;
    // Retried only once the lookups are worth twice what the day is known to hold, so the reads
    // cut short cost at most about as much as the lookups they would have saved.
    if (s.lookups >= this.minLookups && s.lookups * READ_COST_PER_LOOKUP > 2 * s.atLeast && s.atLeast < this.maxDayEntries) {
      const limit = Math.min(this.maxDayEntries, s.lookups * READ_COST_PER_LOOKUP);
      const got = this.read(day, limit);
      if (got === null) s.atLeast = limit;
      else {
        s.hashes = new Set(got);
        this.entries += s.hashes.size;
        this.evict(day);
        return s.hashes.has(hash);
      }
    }
    return true;
  }

  /** A key this connection inserted: held days must know it. */
  add(day: number, hash: number): void {
    const s = this.days.get(day);
    if (s?.hashes == null || s.hashes.has(hash)) return;
    s.hashes.add(hash);
    this.entries++;
    if (s.hashes.size > this.maxDayEntries) this.drop(s);
    else if (this.entries > this.maxEntries) this.evict(day);
  }

  /** Forget everything (another connection may have written). */
  clear(): void {
    this.days.clear();
    this.entries = 0;
  }

  /** Days held (tests). */
  heldDays(): number[] {
    return [...this.days.entries()].filter(([, s]) => s.hashes !== null).map(([d]) => d);
  }

  private drop(s: DayState): void {
    this.entries -= s.hashes?.size ?? 0;
    s.atLeast = s.hashes?.size ?? s.atLeast;
    s.hashes = null;
    s.lookups = 0;
  }

  /** Drops the least recently used held days (never `keep`) until the total fits. */
  private evict(keep: number): void {
    if (this.entries <= this.maxEntries) return;
    const held = [...this.days.entries()].filter(([d, s]) => d !== keep && s.hashes !== null).sort((a, b) => a[1].used - b[1].used);
    for (const [, s] of held) {
      if (this.entries <= this.maxEntries) break;
      this.drop(s);
    }
    // Days only counted, never read, are a few numbers each; keep the map from growing without end.
    if (this.days.size > 4096) {
      for (const [day, s] of this.days) {
        if (this.days.size <= 2048) break;
        if (s.hashes === null) this.days.delete(day);
      }
    }
  }
}
