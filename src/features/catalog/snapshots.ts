// SQLite side of the catalog sources (migrations/003_catalog.sql): the fetch history, stored as
// changes only, and the price-change detection state. Callers run these inside their own
// transaction when they need several to be atomic (price-check.ts does).
import type { Db } from '../../store/open.js';
import { fingerprintOf, type DetectionState, type PendingChange, type SourceState } from './price-changes.js';
import { entryKey, sortEntries, type SourceEntry, type Snapshot, type SourceKind } from './sources/types.js';

export interface RecordedFetch {
  fetch_id: number;
  /** Versions opened (new or changed models). */
  opened: number;
  /** Versions closed (changed or removed models). */
  closed: number;
}

interface CurrentRow {
  id: number;
  provider: string;
  model: string;
  fingerprint: string;
}

/**
 * Stores one fetch: a catalog_fetches row, plus catalog_entries rows only for what changed since
 * the source's previous fetch (new or changed entries open a version, removed or changed ones
 * close theirs). Fetches must be recorded in time order per source.
 */
export function recordSnapshot(db: Db, snap: Snapshot): RecordedFetch {
  const run = db.transaction((): RecordedFetch => {
    const ms = Date.parse(snap.fetched_at);
    const fetchId = Number(
      db
        .prepare('INSERT INTO catalog_fetches (source, fetched_at, fetched_ms, entries, changed) VALUES (?, ?, ?, ?, 0)')
        .run(snap.source, snap.fetched_at, ms, snap.entries.length).lastInsertRowid,
    );
    const current = new Map<string, CurrentRow>();
    for (const r of db
      .prepare('SELECT id, provider, model, fingerprint FROM catalog_entries WHERE source = ? AND until_fetch IS NULL')
      .all(snap.source) as CurrentRow[]) {
      current.set(entryKey(r.provider, r.model), r);
    }
    const close = db.prepare('UPDATE catalog_entries SET until_fetch = ?, until_seen = ? WHERE id = ?');
    const open = db.prepare(
      'INSERT INTO catalog_entries (source, provider, model, fingerprint, data, first_fetch, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    let opened = 0;
    let closed = 0;
    const seen = new Set<string>();
    for (const e of snap.entries) {
      const k = entryKey(e.provider, e.model);
      if (seen.has(k)) continue;
      seen.add(k);
      const fp = fingerprintOf(e);
      const cur = current.get(k);
      if (cur && cur.fingerprint === fp) continue;
      if (cur) {
        close.run(fetchId, snap.fetched_at, cur.id);
        closed++;
      }
      open.run(snap.source, e.provider, e.model, fp, JSON.stringify(e), fetchId, snap.fetched_at);
      opened++;
    }
    for (const [k, cur] of current) {
      if (seen.has(k)) continue;
      close.run(fetchId, snap.fetched_at, cur.id);
      closed++;
    }
    db.prepare('UPDATE catalog_fetches SET changed = ? WHERE id = ?').run(opened + closed, fetchId);
    return { fetch_id: fetchId, opened, closed };
  });
  return run();
}

export interface FetchRow {
  id: number;
  source: string;
  fetched_at: string;
  entries: number;
  changed: number;
}

/** The recorded fetches of a source, oldest first. */
export function listFetches(db: Db, source: string): FetchRow[] {
  return db.prepare('SELECT id, source, fetched_at, entries, changed FROM catalog_fetches WHERE source = ? ORDER BY fetched_ms, id').all(source) as FetchRow[];
}

/** The listing as it was at a recorded fetch (default: the source's latest), or null if none. */
export function loadSnapshot(db: Db, source: string, fetchId?: number): Snapshot | null {
  const f = (
    fetchId === undefined
      ? db.prepare('SELECT id, fetched_at FROM catalog_fetches WHERE source = ? ORDER BY fetched_ms DESC, id DESC LIMIT 1').get(source)
      : db.prepare('SELECT id, fetched_at FROM catalog_fetches WHERE source = ? AND id = ?').get(source, fetchId)
  ) as { id: number; fetched_at: string } | undefined;
  if (!f) return null;
  const rows = db
    .prepare('SELECT data FROM catalog_entries WHERE source = ? AND first_fetch <= ? AND (until_fetch IS NULL OR until_fetch > ?)')
    .pluck()
    .all(source, f.id, f.id) as string[];
  const entries = sortEntries(rows.map((d) => JSON.parse(d) as SourceEntry));
  const kind: SourceKind = entries[0]?.source ?? (source === 'openrouter' || source === 'litellm' ? source : 'provider');
  return { source, kind, fetched_at: f.fetched_at, entries };
}

// ---------------------------------------------------------------------------------------------
// Detection state

interface PendingRow {
  source: string;
  provider: string;
  model: string;
  fingerprint: string;
  data: string | null;
  seen: number;
  first_seen: string;
  last_seen: string;
  suspect: number;
  noted: number;
}

/** The detection state of the given sources (default: all stored). */
export function loadDetectionState(db: Db, sources?: readonly string[]): DetectionState {
  const state: DetectionState = new Map();
  const srcRows = db.prepare('SELECT source, baseline_at, last_fetch_at FROM catalog_sources').all() as {
    source: string;
    baseline_at: string;
    last_fetch_at: string;
  }[];
  const wanted = sources ? new Set(sources) : null;
  const acc = db.prepare('SELECT provider, model, data FROM catalog_accepted WHERE source = ?');
  const pend = db.prepare('SELECT * FROM catalog_pending WHERE source = ?');
  for (const s of srcRows) {
    if (wanted && !wanted.has(s.source)) continue;
    const st: SourceState = { source: s.source, baseline_at: s.baseline_at, last_fetch_at: s.last_fetch_at, accepted: new Map(), pending: new Map() };
    for (const r of acc.all(s.source) as { provider: string; model: string; data: string }[]) {
      st.accepted.set(entryKey(r.provider, r.model), JSON.parse(r.data) as SourceEntry);
    }
    for (const r of pend.all(s.source) as PendingRow[]) {
      st.pending.set(entryKey(r.provider, r.model), {
        provider: r.provider,
        model: r.model,
        observed: r.data === null ? null : (JSON.parse(r.data) as SourceEntry),
        fingerprint: r.fingerprint,
        seen: r.seen,
        first_seen: r.first_seen,
        last_seen: r.last_seen,
        suspect: r.suspect === 1,
        noted: r.noted === 1,
      });
    }
    state.set(s.source, st);
  }
  return state;
}

const samePending = (a: PendingChange, b: PendingChange) =>
  a.fingerprint === b.fingerprint && a.seen === b.seen && a.last_seen === b.last_seen && a.first_seen === b.first_seen && a.suspect === b.suspect && a.noted === b.noted;

/**
 * Writes `after` over `before` (as loaded), touching only the rows that differ. Newly accepted
 * entries get their source's last fetch time as accepted_at.
 */
export function saveDetectionState(db: Db, before: DetectionState, after: DetectionState): { written: number } {
  const upSource = db.prepare(
    `INSERT INTO catalog_sources (source, baseline_at, last_fetch_at) VALUES (?, ?, ?)
     ON CONFLICT (source) DO UPDATE SET baseline_at = excluded.baseline_at, last_fetch_at = excluded.last_fetch_at`,
  );
  const upAcc = db.prepare(
    `INSERT INTO catalog_accepted (source, provider, model, fingerprint, data, accepted_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (source, provider, model) DO UPDATE SET fingerprint = excluded.fingerprint, data = excluded.data, accepted_at = excluded.accepted_at`,
  );
  const delAcc = db.prepare('DELETE FROM catalog_accepted WHERE source = ? AND provider = ? AND model = ?');
  const upPend = db.prepare(
    `INSERT INTO catalog_pending (source, provider, model, fingerprint, data, seen, first_seen, last_seen, suspect, noted)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (source, provider, model) DO UPDATE SET fingerprint = excluded.fingerprint, data = excluded.data, seen = excluded.seen,
       first_seen = excluded.first_seen, last_seen = excluded.last_seen, suspect = excluded.suspect, noted = excluded.noted`,
  );
  const delPend = db.prepare('DELETE FROM catalog_pending WHERE source = ? AND provider = ? AND model = ?');
  let written = 0;
  const run = db.transaction(() => {
    for (const [source, st] of after) {
      const old = before.get(source);
      if (st === old) continue; // untouched this run
      if (st.baseline_at === null || st.last_fetch_at === null) continue;
      if (!old || old.baseline_at !== st.baseline_at || old.last_fetch_at !== st.last_fetch_at) {
        upSource.run(source, st.baseline_at, st.last_fetch_at);
        written++;
      }
      const oldAcc = old?.accepted ?? new Map<string, SourceEntry>();
      for (const [k, e] of st.accepted) {
        const prev = oldAcc.get(k);
        if (prev === e) continue;
        const fp = fingerprintOf(e);
        if (prev && fingerprintOf(prev) === fp) continue;
        upAcc.run(source, e.provider, e.model, fp, JSON.stringify(e), st.last_fetch_at);
        written++;
      }
      for (const [k, e] of oldAcc) {
        if (st.accepted.has(k)) continue;
        delAcc.run(source, e.provider, e.model);
        written++;
      }
      const oldPend = old?.pending ?? new Map<string, PendingChange>();
      for (const [k, p] of st.pending) {
        const prev = oldPend.get(k);
        if (prev && (prev === p || samePending(prev, p))) continue;
        upPend.run(source, p.provider, p.model, p.fingerprint, p.observed ? JSON.stringify(p.observed) : null, p.seen, p.first_seen, p.last_seen, p.suspect ? 1 : 0, p.noted ? 1 : 0);
        written++;
      }
      for (const [k, p] of oldPend) {
        if (st.pending.has(k)) continue;
        delPend.run(source, p.provider, p.model);
        written++;
      }
    }
  });
  run();
  return { written };
}
