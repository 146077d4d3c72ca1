// A durable local journal beside the SQLite file, for what routeops must not lose when it stops
// or dies before the database takes it (README "The ledger keeps every call"): the calls it is about to send (so a crash
// leaves each as an "interrupted" row), the rows of ended calls until the ledger has them (a
// stop while another process holds the write lock keeps them), and Slack bookkeeping a stop could
// not write. Each process appends JSON lines to its own file in `<database>.routeops-journal/`;
// an entry is "open" until its owner settles it. At start, the files of processes that are gone
// are replayed (replay-journal.ts) and removed.
//
// A line is written to the file when it is appended (one write(2) on the event loop, ~10 µs: in
// the kernel's page cache, so a process that dies a moment later leaves it behind), and the
// file is fsynced off the event loop for everything written since the last one (a group
// commit: an fsync here takes ~3 ms, and 200 concurrent /ask calling it on the event loop would
// hold every ack for over a second). `durable()` resolves once what was appended is on disk
// (fsynced: survives a power cut too): /ask and /routecheck wait for it before they send a call;
// the gateway does not (src/features/gateway/serve.ts), its line is written before the call is
// sent and fsynced within milliseconds. Writing in the thread pool instead (a write and an fsync
// there per group) cost the gateway ~0.4 ms of CPU a call at 500 calls/s (bench/gateway.ts).
import { closeSync, fsync, fsyncSync, futimes, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HEARTBEAT_MS, journalFileName, liveFiles, type JournalEntry } from './journal-files.js';

export { orphanJournals, removeJournal, type JournalEntry, type OrphanJournal } from './journal-files.js';

/**
 * Rewrite a file holding this many bytes down to its open entries. The rewrite fsyncs on the
 * event loop (~10 ms here): at 1 MB the gateway paid it every ~2 s at 500 calls/s (bench/gateway.ts).
 */
const COMPACT_BYTES = 8 << 20;

/** The journal folder of a database file (none for an in-memory database). */
export function journalDir(dbPath: string): string | null {
  if (dbPath === '' || dbPath === ':memory:' || dbPath.startsWith('file::memory:')) return null;
  return `${dbPath}.routeops-journal`;
}


export class Journal {
  private fd: number | null = null;
  private path: string | null = null;
  private bytes = 0;
  private nextId = 1;
  private readonly open = new Map<number, JournalEntry>();
  /** Lines whose write failed (a full disk): written again by the retry, in order, before any new line. */
  private queued: Buffer[] = [];
  /** Written since the last fsync began. */
  private dirty = false;
  /** An fsync is under way; `waiters` wait for the one after it. */
  private flushing = false;
  private waiters: Array<() => void> = [];
  private closed = false;
  /** Descriptors replaced or closed while a write on them was under way: closed when it ends (never reused under it). */
  private retired: number[] = [];
  /** Called when a write or an fsync fails (the entries are written again a second later; the call goes on). */
  onError: (err: Error) => void = () => {};
  private heartbeat: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly dir: string,
    private readonly compactBytes = COMPACT_BYTES,
  ) {}

  /** This process's file, once something was written. */
  get file(): string | null {
    return this.path;
  }

  /** Open entries (written, not settled). */
  get size(): number {
    return this.open.size;
  }

  /**
   * Writes an entry to the file now (fsynced off the event loop; `durable()` says when); it stays
   * open until settled. Throws when the journal file cannot be created; a write that fails is
   * tried again (see onError).
   */
  append(entry: JournalEntry): number {
    if (this.closed) throw new Error('the journal is closed');
    const id = this.nextId++;
    this.openFile();
    const line = Buffer.from(`${JSON.stringify({ id, ...entry })}\n`, 'utf8');
    this.open.set(id, entry);
    if (this.queued.length) this.queued.push(line);
    else this.writeNow([line]);
    this.kick();
    return id;
  }

  /** Resolves once every entry appended so far is on disk (or its write failed: see onError). */
  durable(): Promise<void> {
    if (!this.dirty && !this.flushing) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The entry is done with (its call ended, its rows are in the ledger). */
  settle(id: number): void {
    if (!this.open.delete(id)) return;
    if (this.bytes >= this.compactBytes && this.queued.length === 0) this.compact();
  }

  /**
   * At a stop (synchronous): what is queued is written and fsynced; the file is removed when
   * nothing is open, else kept, compacted, for the next start.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queued = [];
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.retry) clearTimeout(this.retry);
    if (this.path !== null) {
      // Closed, it is a stopped process's file: the next start in this process may replay it.
      liveFiles.delete(this.path);
      if (this.open.size === 0) {
        unlinkSync(this.path);
        this.path = null;
      } else {
        // Everything open, from memory: what was queued or is being written is in it.
        this.compact();
      }
      this.closeFd();
    }
    for (const w of this.waiters.splice(0)) w();
  }

  private openFile(): void {
    if (this.fd !== null) return;
    mkdirSync(this.dir, { recursive: true });
    this.path = join(this.dir, journalFileName(Date.now(), randomBytes(4).toString('hex')));
    this.fd = openSync(this.path, 'a');
    liveFiles.add(this.path);
    this.bytes = 0;
    this.heartbeat ??= setInterval(() => {
      if (this.fd !== null && !this.flushing) futimes(this.fd, new Date(), new Date(), () => {});
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /**
   * Writes lines at the end of the file (synchronously: a page-cache write). A write that fails
   * (a full disk) keeps them, after a line break (a part may be on disk: it stays a line of its
   * own), for a retry a second later; the callers go on meanwhile.
   */
  private writeNow(lines: Buffer[]): void {
    const data = lines.length === 1 ? lines[0]! : Buffer.concat(lines);
    try {
      for (let off = 0; off < data.length; ) off += writeSync(this.fd!, data, off, data.length - off);
      this.bytes += data.length;
      this.dirty = true;
    } catch (err) {
      this.queued = data[0] === 0x0a ? [data] : [Buffer.from('\n'), data];
      this.onError(err as Error);
      // What waits for the disk goes on: the write will not be on it soon.
      for (const w of this.waiters.splice(0)) w();
      this.retry ??= setTimeout(() => {
        this.retry = null;
        if (this.closed || this.fd === null || !this.queued.length) return;
        const again = this.queued;
        this.queued = [];
        this.writeNow(again);
        this.kick();
      }, 1000);
      this.retry.unref();
    }
  }

  /** One fsync of everything written since the last; the waiters of the batch resolve when it is done. */
  private kick(): void {
    if (this.flushing || !this.dirty || this.fd === null) return;
    this.flushing = true;
    this.dirty = false;
    // Who waits now appended before this fsync began: their lines are in it.
    const batchWaiters = this.waiters.splice(0);
    fsync(this.fd, (err) => {
      this.flushing = false;
      for (const old of this.retired.splice(0)) closeSync(old);
      if (err && !this.closed) {
        this.onError(err);
        this.dirty = true;
      }
      for (const w of batchWaiters) w();
      if (this.closed) return;
      // Waiters who came during this fsync: with nothing written since, their lines were in it.
      if (!this.dirty) for (const w of this.waiters.splice(0)) w();
      else if (err) {
        for (const w of this.waiters.splice(0)) w();
        this.retry ??= setTimeout(() => {
          this.retry = null;
          this.kick();
        }, 1000);
        this.retry.unref();
      } else this.kick();
    });
  }

  /** Rewrites the file with the open entries only (atomic: temporary file, fsync, rename). */
  private compact(): void {
    if (this.path === null) return;
    const text = [...this.open].map(([id, e]) => `${JSON.stringify({ id, ...e })}\n`).join('');
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    syncDir(this.dir);
    this.closeFd();
    this.fd = openSync(this.path, 'a');
    this.bytes = Buffer.byteLength(text);
    // Every open entry is in the new file, fsynced: nothing written waits for the disk.
    this.dirty = false;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Closes the file's descriptor now, or when the write under way on it ends. */
  private closeFd(): void {
    if (this.fd === null) return;
    if (this.flushing) this.retired.push(this.fd);
    else closeSync(this.fd);
    this.fd = null;
  }
}

/** fsync a folder so a rename in it survives a power cut (not possible on every platform). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open a folder for fsync; the rename itself is still atomic.
  }
}
