// The duplicate check: a row whose request_id is already stored is skipped. Each row with an id
// stores a request_key (indexed): its UTC day, then a hash of the id. A lookup tries the row's
// day and the days either side, answered from RequestKeyCache when it holds the day, else by a
// point lookup in SQLite, and compares request_id (two ids may share a key).
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../open.js';
import { RequestKeyCache } from './request-key-cache.js';

/**
 * A 31-bit hash of a request_id, from two 32-bit multiplicative hashes of the UTF-16 code units.
 * Equal hashes of different ids are expected now and then and are told apart by comparing
 * request_id. Part of the stored request_key: changing it needs a migration that recomputes the
 * column (migrations/006_request_key.sql relies on it being the low 31 bits of the former hash).
 */
export function requestHash(id: string): number {
  let a = 0x811c9dc5 ^ id.length;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return fmix32(a ^ (b >>> 16)) & 0x7fff_ffff;
}

const DAY_MS = 86_400_000;
/** request_key = UTC day number * KEY_DAY + requestHash: safe integers for any year 0000-9999. */
export const KEY_DAY = 2 ** 31;

/** Days since 1970-01-01 UTC, truncated toward zero as SQLite's integer division does. */
export const keyDay = (tsMs: number): number => (tsMs - (tsMs % DAY_MS)) / DAY_MS;

/**
 * The stored key a request_id is found by (column request_key, indexed): the UTC day of the
 * row's time, then the id's hash. Keys of rows near in time are near in the index, so inserts
 * arriving in time order touch a few cached pages (migrations/006_request_key.sql).
 */
export function requestKey(id: string, tsMs: number): number {
  return keyDay(tsMs) * KEY_DAY + requestHash(id);
}

/** MurmurHash3's 32-bit finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Whether a request_id is stored, for one connection's writer. */
export class RequestIndex {
  private readonly find: BetterSqlite3.Statement;
  /** Which request hashes each day holds, for this connection (request-key-cache.ts). */
  private readonly cache: RequestKeyCache;
  /** [data_version, total_changes()] after the writer's last write: anything else wrote if they differ. */
  private readonly writeMark: BetterSqlite3.Statement;
  private lastMark: [number, number] = [-1, -1];

  constructor(db: Db) {
    // Looked up by key, then compared, so a different id with the same key is still recorded.
    // Writers are serialised (IMMEDIATE transactions), so the check and the insert cannot
    // interleave with another's. (Two statements: an INSERT … SELECT … WHERE NOT EXISTS on the
    // same table costs more, as SQLite stages its row in a temporary table first.)
    this.find = db.prepare('SELECT 1 FROM usage WHERE request_key = ? AND request_id = ?').pluck();
    const readDay = db.prepare('SELECT request_key - ? FROM usage WHERE request_key BETWEEN ? AND ? LIMIT ?').pluck();
    this.cache = new RequestKeyCache((day, limit) => {
      const lo = day * KEY_DAY;
      const hashes = readDay.all(lo, lo, lo + KEY_DAY - 1, limit + 1) as number[];
      return hashes.length > limit ? null : hashes;
    });
    this.writeMark = db.prepare('SELECT data_version, total_changes() FROM pragma_data_version()').raw();
  }

  /** Before a write: if another connection committed, or this one wrote elsewhere, the held days may lack ids. */
  beginWrite(): void {
    const mark = this.writeMark.get() as [number, number];
    if (mark[0] !== this.lastMark[0] || mark[1] !== this.lastMark[1]) this.cache.clear();
  }

  /** After the writer's own writes (the inserted keys were passed to `added`). */
  endWrite(): void {
    this.lastMark = this.writeMark.get() as [number, number];
  }

  /** Whether a row with this request_id is stored under `day` or a day either side. */
  isRecorded(requestId: string, day: number, hash: number): boolean {
    const keys = this.cache;
    const find = this.find;
    const key = day * KEY_DAY + hash;
    return (
      (keys.mayHold(day, hash) && find.get(key, requestId) !== undefined) ||
      (keys.mayHold(day - 1, hash) && find.get(key - KEY_DAY, requestId) !== undefined) ||
      (keys.mayHold(day + 1, hash) && find.get(key + KEY_DAY, requestId) !== undefined)
    );
  }

  /** A key the writer inserted. */
  added(day: number, hash: number): void {
    this.cache.add(day, hash);
  }
}
