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
// call it announced had not been sent yet.
import { closeSync, existsSync, fsync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, write, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { UsageInput, UsageSource } from './ledger.js';

export type JournalEntry =
  /** A call about to be sent: the row to record if it never ends (status 'interrupted'). */
  | { kind: 'call'; source: UsageSource; row: UsageInput }
  /** Rows of ended calls, open until the ledger has them. */
  | { kind: 'rows'; source: UsageSource; rows: readonly UsageInput[] }
  /** Slack bookkeeping writes (src/store/slack-threads.ts) a stop could not write. */
  | { kind: 'slack'; writes: readonly unknown[] };

/** Rewrite a file holding this many bytes down to its open entries. */
const COMPACT_BYTES = 1 << 20;

/** The journal folder of a database file (none for an in-memory database). */
export function journalDir(dbPath: string): string | null {
  if (dbPath === '' || dbPath === ':memory:' || dbPath.startsWith('file::memory:')) return null;
  return `${dbPath}.routeops-journal`;
}

/** `<pid>-<ms created>-<random>.jsonl` */
const FILE_RE = /^(\d+)-(\d+)-[0-9a-f]+\.jsonl$/;

/**
 * The files this process's journals are writing. A file named with this process's id that is not
 * one of them was left by an earlier process with the same id: a restarted container gives its
 * process the same id every time (often 1).
 */
const liveFiles = new Set<string>();

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
  /** Called when an asynchronous write fails (the entries stay in memory; the call goes on). */
  onError: (err: Error) => void = () => {};

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
    this.path = join(this.dir, `${process.pid}-${Date.now()}-${randomBytes(4).toString('hex')}.jsonl`);
    this.fd = openSync(this.path, 'a');
    liveFiles.add(this.path);
    this.bytes = 0;
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
      else if (!this.closed) this.onError(err);
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

/** Whether a process id is running (EPERM: running under another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When a process started, in ms since the epoch, from Linux's /proc (null elsewhere or when unreadable). */
function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, starttime, in clock ticks since boot; the command name (field 2) may hold spaces.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const bootS = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    // USER_HZ, the unit of starttime, is 100 on Linux. btime is rounded down: the start found is
    // never later than the real one.
    return Number.isFinite(ticks) && Number.isFinite(bootS) ? bootS * 1000 + ticks * 10 : null;
  } catch {
    return null;
  }
}

/**
 * Whether the process that created a journal file may still be writing it. Process ids are
 * reused: this process's own id means an earlier process (its own files are liveFiles), and a
 * running process that started after the file was created is not its writer either.
 */
function writerMayRun(path: string, pid: number, createdMs: number): boolean {
  if (liveFiles.has(path)) return true;
  if (pid === process.pid || !isRunning(pid)) return false;
  const started = processStartMs(pid);
  // A second of slack: the wall clock the file's time came from may have been stepped since.
  return started === null || started <= createdMs + 1000;
}

export interface OrphanJournal {
  path: string;
  entries: JournalEntry[];
}

/**
 * The journal files of processes that are gone, with their entries (a torn or unreadable line is
 * skipped). A file whose process id was reused (by this process, or by one that started after
 * the file was made) is replayed; where that cannot be told, it waits for a later start.
 */
export function orphanJournals(dir: string, running?: (pid: number) => boolean): OrphanJournal[] {
  if (!existsSync(dir)) return [];
  const found: OrphanJournal[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = FILE_RE.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    // Tests that play several processes in one pass their own idea of which are running.
    if (running ? running(Number(m[1])) : writerMayRun(path, Number(m[1]), Number(m[2]))) continue;
    const entries: JournalEntry[] = [];
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      // Another process starting at the same time replayed and removed it.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const e = JSON.parse(line) as JournalEntry & { id?: number };
        if (e.kind === 'call' || e.kind === 'rows' || e.kind === 'slack') entries.push(e);
      } catch {
        // A line cut short by a crash: what it announced never happened.
      }
    }
    found.push({ path, entries });
  }
  return found;
}

/** Removes a replayed journal file (and a temporary file a crash mid-compaction left). */
export function removeJournal(path: string): void {
  for (const p of [path, `${path}.tmp`]) {
    try {
      unlinkSync(p);
    } catch (err) {
      // Removed by another process replaying it at the same time (the ledger kept one copy).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
