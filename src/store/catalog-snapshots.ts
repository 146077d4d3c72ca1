// The catalog sources' fetch history and price-change detection state (migrations/003_catalog.sql).
// History is stored as changes only: a fetch opens a version for each entry that is new or whose
// fingerprint changed and closes the versions of changed or removed entries. Entries are opaque
// here (`data`, kept as JSON); the catalog feature gives each one its fingerprint.
import type { Db } from './open.js';

/** One entry of a fetched listing: (provider, model) unique within a fetch. */
export interface FetchedEntry {
  provider: string;
  model: string;
  /** Canonical text of the tracked fields: a new fingerprint opens a new version. */
  fingerprint: string;
  data: unknown;
}

export interface FetchToRecord {
  source: string;
  /** ISO-8601 UTC. Fetches of a source must be recorded in time order. */
  fetched_at: string;
  entries: readonly FetchedEntry[];
}

export interface RecordedFetch {
  fetch_id: number;
  /** Versions opened (new or changed models). */
  opened: number;
  /** Versions closed (changed or removed models). */
  closed: number;
}

export interface FetchRow {
  id: number;
  source: string;
  fetched_at: string;
  entries: number;
  changed: number;
}

export interface StoredPending {
  provider: string;
  model: string;
  fingerprint: string;
  /** What the source showed; null = the model is gone from it. */
  data: unknown;
  seen: number;
  first_seen: string;
  last_seen: string;
  suspect: boolean;
  noted: boolean;
}

/** The detection state of one source as stored. */
export interface StoredSourceState {
  source: string;
  baseline_at: string;
  last_fetch_at: string;
  accepted: Array<{ provider: string; model: string; data: unknown }>;
  pending: StoredPending[];
}

/** One source's accepted entry of a (provider, model). */
export interface AcceptedEntry {
  source: string;
  provider: string;
  model: string;
  data: unknown;
  /** The source's last fetch that was accepted (ISO-8601 UTC). */
  last_fetch_at: string;
}

export type DetectionWrite =
  | { kind: 'source'; source: string; baseline_at: string; last_fetch_at: string }
  | { kind: 'accept'; source: string; provider: string; model: string; fingerprint: string; data: unknown; accepted_at: string }
  | { kind: 'unaccept'; source: string; provider: string; model: string }
  | { kind: 'pend'; source: string; pending: StoredPending }
  | { kind: 'unpend'; source: string; provider: string; model: string };

/** What a detection run decided: fetches to record (in order), state rows to write, and its result. */
export interface DetectionUpdate<T> {
  result: T;
  record: readonly FetchToRecord[];
  writes: readonly DetectionWrite[];
}

export interface CatalogSnapshotStore {
  recordFetch(fetch: FetchToRecord): Promise<RecordedFetch>;
  /** The recorded fetches of a source, oldest first. */
  listFetches(source: string): Promise<FetchRow[]>;
  /** The entries (data) listed at a recorded fetch (default: the source's latest), or null if none. */
  loadListing(source: string, fetchId?: number): Promise<{ fetch_id: number; fetched_at: string; entries: unknown[] } | null>;
  /** The detection state of the given sources (default: all stored). */
  loadDetectionState(sources?: readonly string[]): Promise<StoredSourceState[]>;
  /**
   * What each source last accepted for these (provider, model)s, with the source's last accepted
   * fetch: the price each source says, for /models. Sources in name order.
   */
  acceptedOf(models: ReadonlyArray<{ provider: string; model: string }>): Promise<AcceptedEntry[]>;
  /**
   * Load, decide, write as one unit: the state of `sources` is read, `decide` (synchronous)
   * says what to record and write, and both go in within one write transaction, so a second
   * process waits and a crash leaves all of it or none.
   */
  updateDetection<T>(sources: readonly string[], decide: (state: StoredSourceState[]) => DetectionUpdate<T>): Promise<{ result: T; recorded: RecordedFetch[] }>;
}

interface CurrentRow {
  id: number;
  provider: string;
  model: string;
  fingerprint: string;
}

interface PendingRow {
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

const entryKey = (provider: string, model: string): string => `${provider}\u0000${model}`;

export function createCatalogSnapshotStore(db: Db): CatalogSnapshotStore {
  const insertFetch = db.prepare('INSERT INTO catalog_fetches (source, fetched_at, fetched_ms, entries, changed) VALUES (?, ?, ?, ?, 0)');
  const currentOf = db.prepare('SELECT id, provider, model, fingerprint FROM catalog_entries WHERE source = ? AND until_fetch IS NULL');
  const closeVersion = db.prepare('UPDATE catalog_entries SET until_fetch = ?, until_seen = ? WHERE id = ?');
  const openVersion = db.prepare('INSERT INTO catalog_entries (source, provider, model, fingerprint, data, first_fetch, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const setChanged = db.prepare('UPDATE catalog_fetches SET changed = ? WHERE id = ?');

  const recordFetch = (snap: FetchToRecord): RecordedFetch => {
    const fetchId = Number(insertFetch.run(snap.source, snap.fetched_at, Date.parse(snap.fetched_at), snap.entries.length).lastInsertRowid);
    const current = new Map<string, CurrentRow>();
    for (const r of currentOf.all(snap.source) as CurrentRow[]) current.set(entryKey(r.provider, r.model), r);
    let opened = 0;
    let closed = 0;
    const seen = new Set<string>();
    for (const e of snap.entries) {
      const k = entryKey(e.provider, e.model);
      if (seen.has(k)) continue;
      seen.add(k);
      const cur = current.get(k);
      if (cur && cur.fingerprint === e.fingerprint) continue;
      if (cur) {
        closeVersion.run(fetchId, snap.fetched_at, cur.id);
        closed++;
      }
      openVersion.run(snap.source, e.provider, e.model, e.fingerprint, JSON.stringify(e.data), fetchId, snap.fetched_at);
      opened++;
    }
    for (const [k, cur] of current) {
      if (seen.has(k)) continue;
      closeVersion.run(fetchId, snap.fetched_at, cur.id);
      closed++;
    }
    setChanged.run(opened + closed, fetchId);
    return { fetch_id: fetchId, opened, closed };
  };

  const sourceRows = db.prepare('SELECT source, baseline_at, last_fetch_at FROM catalog_sources');
  const acceptedOf = db.prepare('SELECT provider, model, data FROM catalog_accepted WHERE source = ?');
  const pendingOf = db.prepare('SELECT provider, model, fingerprint, data, seen, first_seen, last_seen, suspect, noted FROM catalog_pending WHERE source = ?');
  const loadState = (sources?: readonly string[]): StoredSourceState[] => {
    const wanted = sources ? new Set(sources) : null;
    const out: StoredSourceState[] = [];
    for (const s of sourceRows.all() as Array<{ source: string; baseline_at: string; last_fetch_at: string }>) {
      if (wanted && !wanted.has(s.source)) continue;
      out.push({
        ...s,
        accepted: (acceptedOf.all(s.source) as Array<{ provider: string; model: string; data: string }>).map((r) => ({ provider: r.provider, model: r.model, data: JSON.parse(r.data) as unknown })),
        pending: (pendingOf.all(s.source) as PendingRow[]).map((r) => ({ ...r, data: r.data === null ? null : (JSON.parse(r.data) as unknown), suspect: r.suspect === 1, noted: r.noted === 1 })),
      });
    }
    return out;
  };

  const acceptedOne = db.prepare('SELECT data FROM catalog_accepted WHERE source = ? AND provider = ? AND model = ?').pluck();
  const acceptedOfModels = (models: ReadonlyArray<{ provider: string; model: string }>): AcceptedEntry[] => {
    // A primary-key lookup per source and model: a few sources, and /models lists tens of models.
    const sources = (sourceRows.all() as Array<{ source: string; last_fetch_at: string }>).sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
    const out: AcceptedEntry[] = [];
    for (const { provider, model } of models) {
      for (const s of sources) {
        const data = acceptedOne.get(s.source, provider, model) as string | undefined;
        if (data !== undefined) out.push({ source: s.source, provider, model, data: JSON.parse(data) as unknown, last_fetch_at: s.last_fetch_at });
      }
    }
    return out;
  };

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
  const write = (w: DetectionWrite): void => {
    if (w.kind === 'source') upSource.run(w.source, w.baseline_at, w.last_fetch_at);
    else if (w.kind === 'accept') upAcc.run(w.source, w.provider, w.model, w.fingerprint, JSON.stringify(w.data), w.accepted_at);
    else if (w.kind === 'unaccept') delAcc.run(w.source, w.provider, w.model);
    else if (w.kind === 'unpend') delPend.run(w.source, w.provider, w.model);
    else {
      const p = w.pending;
      upPend.run(w.source, p.provider, p.model, p.fingerprint, p.data === null ? null : JSON.stringify(p.data), p.seen, p.first_seen, p.last_seen, p.suspect ? 1 : 0, p.noted ? 1 : 0);
    }
  };

  const listFetches = db.prepare('SELECT id, source, fetched_at, entries, changed FROM catalog_fetches WHERE source = ? ORDER BY fetched_ms, id');
  const latestFetch = db.prepare('SELECT id, fetched_at FROM catalog_fetches WHERE source = ? ORDER BY fetched_ms DESC, id DESC LIMIT 1');
  const fetchById = db.prepare('SELECT id, fetched_at FROM catalog_fetches WHERE source = ? AND id = ?');
  const listedAt = db.prepare('SELECT data FROM catalog_entries WHERE source = ? AND first_fetch <= ? AND (until_fetch IS NULL OR until_fetch > ?)').pluck();

  return {
    recordFetch: (snap) => Promise.resolve(db.transaction(recordFetch)(snap)),
    listFetches: (source) => Promise.resolve(listFetches.all(source) as FetchRow[]),
    loadListing(source, fetchId) {
      const f = (fetchId === undefined ? latestFetch.get(source) : fetchById.get(source, fetchId)) as { id: number; fetched_at: string } | undefined;
      if (!f) return Promise.resolve(null);
      const entries = (listedAt.all(source, f.id, f.id) as string[]).map((d) => JSON.parse(d) as unknown);
      return Promise.resolve({ fetch_id: f.id, fetched_at: f.fetched_at, entries });
    },
    loadDetectionState: (sources) => Promise.resolve(loadState(sources)),
    acceptedOf: (models) => Promise.resolve(acceptedOfModels(models)),
    updateDetection<T>(sources: readonly string[], decide: (state: StoredSourceState[]) => DetectionUpdate<T>) {
      const run = db.transaction(() => {
        const update = decide(loadState(sources));
        const recorded = update.record.map(recordFetch);
        for (const w of update.writes) write(w);
        return { result: update.result, recorded };
      });
      return Promise.resolve(run.immediate());
    },
  };
}
