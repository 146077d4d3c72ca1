// The journal's files as other processes see them (journal.ts writes them): their names, which
// of them belong to processes that are gone (so they are replayed: replay-journal.ts), and
// their entries, read defensively: a file is written by routeops, but a torn line (a crash, a
// full disk) or a hand-edited one must not stop a start or the replay of the other entries.
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isJsonObject } from '../domain/json.js';
import type { UsageInput, UsageSource } from './ledger.js';

export type JournalEntry =
  /** A call about to be sent: the row to record if it never ends (status 'interrupted'). */
  | { kind: 'call'; source: UsageSource; row: UsageInput }
  /** Rows of ended calls, open until the ledger has them. */
  | { kind: 'rows'; source: UsageSource; rows: readonly UsageInput[] }
  /** Slack bookkeeping writes (src/store/slack-threads.ts) a stop could not write. */
  | { kind: 'slack'; writes: readonly unknown[] };

/** A journal being written touches its file this often, so another host can tell it is alive. */
export const HEARTBEAT_MS = 15_000;
/** A file of another host is taken as abandoned when untouched this long (four heartbeats). */
export const STALE_MS = 4 * HEARTBEAT_MS;

/** This machine (a container's own hostname, by default its id), as it can stand in a file name. */
export const JOURNAL_HOST = hostname().replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 64) || 'host';

/** `<host>_<pid>-<ms created>-<random>.jsonl` */
const FILE_RE = /^([A-Za-z0-9.-]+)_(\d+)-(\d+)-[0-9a-f]+\.jsonl$/;

export function journalFileName(createdMs: number, random: string): string {
  return `${JOURNAL_HOST}_${process.pid}-${createdMs}-${random}.jsonl`;
}

/**
 * The files this process's journals are writing. A file named with this process's id that is not
 * one of them was left by an earlier process with the same id: a restarted container gives its
 * process the same id every time (often 1).
 */
export const liveFiles = new Set<string>();

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
 * Whether the process that created a journal file may still be writing it. On this host, by its
 * process id (ids are reused: this process's own id means an earlier process, and a running
 * process that started after the file was created is not its writer either). A file of another
 * host (another container on the same volume: its process ids mean nothing here) is alive while
 * its writer keeps touching it.
 */
function writerMayRun(path: string, host: string, pid: number, createdMs: number, nowMs: number): boolean {
  if (liveFiles.has(path)) return true;
  if (host !== JOURNAL_HOST) {
    try {
      return nowMs - statSync(path).mtimeMs < STALE_MS;
    } catch {
      return true;
    }
  }
  if (pid === process.pid || !isRunning(pid)) return false;
  const started = processStartMs(pid);
  // A second of slack: the wall clock the file's time came from may have been stepped since.
  return started === null || started <= createdMs + 1000;
}

/** A journal line as routeops writes it, or null (torn, hand-edited, another shape). */
export function parseEntry(line: string): JournalEntry | null {
  let e: unknown;
  try {
    e = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isJsonObject(e)) return null;
  const source = e['source'];
  if (e['kind'] === 'call') {
    const row = e['row'];
    return typeof source === 'string' && isJsonObject(row) && typeof row['call_id'] === 'string' ? (e as unknown as JournalEntry) : null;
  }
  if (e['kind'] === 'rows') {
    const rows = e['rows'];
    return typeof source === 'string' && Array.isArray(rows) && rows.every(isJsonObject) ? (e as unknown as JournalEntry) : null;
  }
  if (e['kind'] === 'slack') return Array.isArray(e['writes']) ? (e as unknown as JournalEntry) : null;
  return null;
}

export interface OrphanJournal {
  path: string;
  entries: JournalEntry[];
  /** Lines that were not journal entries (skipped). */
  skipped: number;
}

/**
 * The journal files of processes that are gone, with their entries (a torn or unreadable line is
 * skipped and counted). A file whose process id was reused (by this process, or by one that
 * started after the file was made) is replayed; where that cannot be told, it waits for later.
 */
export function orphanJournals(dir: string, running?: (pid: number) => boolean, nowMs = Date.now()): OrphanJournal[] {
  if (!existsSync(dir)) return [];
  const found: OrphanJournal[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = FILE_RE.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    const [, host, pid, created] = m as unknown as [string, string, string, string];
    // Tests that play several processes in one pass their own idea of which are running.
    if (running ? running(Number(pid)) : writerMayRun(path, host, Number(pid), Number(created), nowMs)) continue;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      // Another process starting at the same time replayed and removed it.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const entries: JournalEntry[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const e = parseEntry(line);
      if (e) entries.push(e);
      else skipped++;
    }
    found.push({ path, entries, skipped });
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
