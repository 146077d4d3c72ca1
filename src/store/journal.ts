// A durable local journal beside the SQLite file, for what routeops must not lose when it stops
// or dies before the database takes it (README "The ledger keeps every call"): the calls it is about to send (so a crash
// leaves each as an "interrupted" row), the rows of ended calls until the ledger has them (a
// stop while another process holds the write lock keeps them), and Slack bookkeeping a stop could
// not write. Each process appends JSON lines to its own file in `<database>.routeops-journal/`;
// an entry is "open" until its owner settles it. At start, the files of processes that are gone
// are replayed (replay-journal.ts) and removed.
//
// Lines are written and fsynced off the event loop, several at once (a group commit): an fsync
// here takes ~3 ms, and 200 concurrent /ask calling it on the event loop would hold every ack
// for over a second. `durable()` resolves once what was appended is on disk: a call waits for it
// before it is sent.
//
// A file only grows while entries are open: past COMPACT_BYTES it is rewritten with the open
// entries alone (written to a temporary file, fsynced, renamed over), and at a clean close it is
// removed when nothing is open. A torn last line (a crash mid-append) is ignored on reading: the
// call it announced had not been sent yet. A write that fails (a full disk) is tried again a
// second later, after a line break, so its entries are not glued to the torn part. While open,
// the file is touched every HEARTBEAT_MS: another host sharing the folder sees it is alive.
import { closeSync, fsync, fsyncSync, futimes, mkdirSync, openSync, renameSync, unlinkSync, write, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HEARTBEAT_MS, journalFileName, liveFiles, type JournalEntry } from './journal-files.js';

export { orphanJournals, removeJournal, type JournalEntry, type OrphanJournal } from './journal-files.js';

/** Rewrite a file holding this many bytes down to its open entries. */
const COMPACT_BYTES = 1 << 20;

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
  /** Lines appended, not yet handed to the disk. */
  private queued: Buffer[] = [];
  /** A write + fsync is under way; `waiters` wait for the one after it. */
  private flushing = false;
  private waiters: Array<() => void> = [];
  private closed = false;
  /** Descriptors replaced or closed while a write on them was under way: closed when it ends (never reused under it). */
  private retired: number[] = [];
  /** Called when an asynchronous write fails (the entries stay queued and are tried again; the call goes on). */
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
   * Queues an entry for the disk (written and fsynced off the event loop; `durable()` says when);
   * it stays open until settled. Throws when the journal file cannot be created.
   */
  append(entry: JournalEntry): number {
    if (this.closed) throw new Error('the journal is closed');
    const id = this.nextId++;
    this.openFile();
    this.queued.push(Buffer.from(`${JSON.stringify({ id, ...entry })}\n`, 'utf8'));
    this.open.set(id, entry);
    this.kick();
    return id;
  }

  /** Resolves once every entry appended so far is on disk (or its write failed: see onError). */
  durable(): Promise<void> {
    if (this.queued.length === 0 && !this.flushing) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The entry is done with (its call ended, its rows are in the ledger). */
  settle(id: number): void {
    if (!this.open.delete(id)) return;
    if (this.bytes >= this.compactBytes && !this.flushing && this.queued.length === 0) this.compact();
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

  /** One write + fsync of everything queued; the waiters of the batch resolve when it is done. */
  private kick(): void {
    if (this.flushing || this.queued.length === 0 || this.fd === null) return;
    this.flushing = true;
    const data = Buffer.concat(this.queued);
    this.queued = [];
    // Who waits now appended before this batch was taken: their lines are in it.
    const batchWaiters = this.waiters.splice(0);
    const fd = this.fd;
    const done = (err: Error | null) => {
      this.flushing = false;
      for (const old of this.retired.splice(0)) closeSync(old);
      if (!err) this.bytes += data.length;
      else if (!this.closed) {
        this.onError(err);
        // Written again after a line break (a part may be on disk: it stays a line of its own),
        // ahead of what came since; its callers went on meanwhile.
        this.queued.unshift(Buffer.from('\n'), data);
        for (const w of [...batchWaiters, ...this.waiters.splice(0)]) w();
        this.retry ??= setTimeout(() => {
          this.retry = null;
          this.kick();
        }, 1000);
        this.retry.unref();
        return;
      }
      for (const w of batchWaiters) w();
      if (this.closed) return;
      // Waiters who came during this batch: with nothing queued since, their lines were in it.
      if (this.queued.length === 0) for (const w of this.waiters.splice(0)) w();
      else this.kick();
    };
    const writeFrom = (off: number) =>
      write(fd, data, off, data.length - off, null, (err, n) => {
        if (err) return done(err);
        if (off + n < data.length) return writeFrom(off + n);
        fsync(fd, (e) => done(e));
      });
    writeFrom(0);
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
