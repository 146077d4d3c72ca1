// The catalog sources' fetch history and detection state on PostgreSQL (migrations/postgres/
// 003_catalog_prices.sql), with the behaviour of the SQLite store (src/store/catalog-snapshots.ts).
//
// Once across replicas: SQLite's write transaction lets one process at a time load, decide and
// write. Here each transaction that reads and then writes a source's rows (updateDetection,
// recordFetch) first takes a transaction-scoped advisory lock per source, in name order (no
// deadlock between two runs of several sources). A second replica running the catalog job at the
// same time waits there, then loads the state the first one committed (READ COMMITTED: each
// statement sees what is committed when it starts), so it finds the fetch already seen and
// records nothing twice. A lock rather than row locks: a source seen for the first time has no
// row to lock yet.
import type {
  AcceptedEntry,
  CatalogSnapshotStore,
  DetectionUpdate,
  DetectionWrite,
  FetchRow,
  FetchToRecord,
  RecordedFetch,
  StoredPending,
  StoredSourceState,
} from '../catalog-snapshots.js';
import type { PgDb, PgQuery } from './pool.js';

interface CurrentRow {
  id: number;
  provider: string;
  model: string;
  fingerprint: string;
}

interface PendingRow extends Omit<StoredPending, 'data' | 'suspect' | 'noted'> {
  source: string;
  data: string | null;
  suspect: number;
  noted: number;
}

const entryKey = (provider: string, model: string): string => `${provider}\u0000${model}`;
/** JavaScript's string order (the SQLite store sorts sources for acceptedOf with it too). */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Waits for, then holds until commit, the lock of each source (sorted: two runs take them in one order). */
async function lockSources(q: PgQuery, sources: readonly string[]): Promise<void> {
  for (const source of [...new Set(sources)].sort(byText)) {
    await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('routeops catalog source ' || $1, 0))`, [source]);
  }
}

async function recordFetchIn(q: PgQuery, snap: FetchToRecord): Promise<RecordedFetch> {
  await lockSources(q, [snap.source]);
  const [inserted] = await q.query<{ id: number }>('INSERT INTO catalog_fetches (source, fetched_at, fetched_ms, entries, changed) VALUES ($1, $2, $3, $4, 0) RETURNING id', [
    snap.source,
    snap.fetched_at,
    Date.parse(snap.fetched_at),
    snap.entries.length,
  ]);
  const fetchId = inserted!.id;
  const current = new Map<string, CurrentRow>();
  for (const r of await q.query<CurrentRow>('SELECT id, provider, model, fingerprint FROM catalog_entries WHERE source = $1 AND until_fetch IS NULL', [snap.source])) {
    current.set(entryKey(r.provider, r.model), r);
  }
  const toClose: number[] = [];
  const toOpen: FetchToRecord['entries'][number][] = [];
  const seen = new Set<string>();
  for (const e of snap.entries) {
    const k = entryKey(e.provider, e.model);
    if (seen.has(k)) continue;
    seen.add(k);
    const cur = current.get(k);
    if (cur && cur.fingerprint === e.fingerprint) continue;
    if (cur) toClose.push(cur.id);
    toOpen.push(e);
  }
  for (const [k, cur] of current) if (!seen.has(k)) toClose.push(cur.id);
  // Closed before opened: the current version of a (provider, model) is unique (catalog_entries_current).
  if (toClose.length > 0) {
    await q.query('UPDATE catalog_entries SET until_fetch = $1, until_seen = $2 WHERE id = ANY($3::bigint[])', [fetchId, snap.fetched_at, toClose]);
  }
  if (toOpen.length > 0) {
    await q.query(
      `INSERT INTO catalog_entries (source, provider, model, fingerprint, data, first_fetch, first_seen)
       SELECT $1, e.provider, e.model, e.fingerprint, e.data, $2, $3
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS e(provider, model, fingerprint, data, n) ORDER BY e.n`,
      [
        snap.source,
        fetchId,
        snap.fetched_at,
        toOpen.map((e) => e.provider),
        toOpen.map((e) => e.model),
        toOpen.map((e) => e.fingerprint),
        toOpen.map((e) => JSON.stringify(e.data)),
      ],
    );
  }
  await q.query('UPDATE catalog_fetches SET changed = $1 WHERE id = $2', [toOpen.length + toClose.length, fetchId]);
  return { fetch_id: fetchId, opened: toOpen.length, closed: toClose.length };
}

async function loadStateIn(q: PgQuery, sources?: readonly string[]): Promise<StoredSourceState[]> {
  const filter = sources ? 'WHERE source = ANY($1::text[])' : '';
  const params = sources ? [[...sources]] : [];
  const rows = await q.query<{ source: string; baseline_at: string; last_fetch_at: string }>(
    `SELECT source, baseline_at, last_fetch_at FROM catalog_sources ${filter} ORDER BY source COLLATE "C"`,
    params,
  );
  if (rows.length === 0) return [];
  const names = [rows.map((r) => r.source)];
  const accepted = await q.query<{ source: string; provider: string; model: string; data: string }>(
    'SELECT source, provider, model, data FROM catalog_accepted WHERE source = ANY($1::text[]) ORDER BY provider COLLATE "C", model COLLATE "C"',
    names,
  );
  const pending = await q.query<PendingRow>(
    `SELECT source, provider, model, fingerprint, data, seen, first_seen, last_seen, suspect, noted FROM catalog_pending
     WHERE source = ANY($1::text[]) ORDER BY provider COLLATE "C", model COLLATE "C"`,
    names,
  );
  const out = rows.map((s): StoredSourceState => ({ ...s, accepted: [], pending: [] }));
  const bySource = new Map(out.map((s) => [s.source, s]));
  for (const r of accepted) bySource.get(r.source)!.accepted.push({ provider: r.provider, model: r.model, data: JSON.parse(r.data) as unknown });
  for (const { source, ...r } of pending) {
    bySource.get(source)!.pending.push({ ...r, data: r.data === null ? null : (JSON.parse(r.data) as unknown), suspect: r.suspect === 1, noted: r.noted === 1 });
  }
  return out;
}

async function writeIn(q: PgQuery, w: DetectionWrite): Promise<void> {
  if (w.kind === 'source') {
    await q.query(
      `INSERT INTO catalog_sources (source, baseline_at, last_fetch_at) VALUES ($1, $2, $3)
       ON CONFLICT (source) DO UPDATE SET baseline_at = excluded.baseline_at, last_fetch_at = excluded.last_fetch_at`,
      [w.source, w.baseline_at, w.last_fetch_at],
    );
  } else if (w.kind === 'accept') {
    await q.query(
      `INSERT INTO catalog_accepted (source, provider, model, fingerprint, data, accepted_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (source, provider, model) DO UPDATE SET fingerprint = excluded.fingerprint, data = excluded.data, accepted_at = excluded.accepted_at`,
      [w.source, w.provider, w.model, w.fingerprint, JSON.stringify(w.data), w.accepted_at],
    );
  } else if (w.kind === 'unaccept') {
    await q.query('DELETE FROM catalog_accepted WHERE source = $1 AND provider = $2 AND model = $3', [w.source, w.provider, w.model]);
  } else if (w.kind === 'unpend') {
    await q.query('DELETE FROM catalog_pending WHERE source = $1 AND provider = $2 AND model = $3', [w.source, w.provider, w.model]);
  } else {
    const p = w.pending;
    await q.query(
      `INSERT INTO catalog_pending (source, provider, model, fingerprint, data, seen, first_seen, last_seen, suspect, noted)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (source, provider, model) DO UPDATE SET fingerprint = excluded.fingerprint, data = excluded.data, seen = excluded.seen,
         first_seen = excluded.first_seen, last_seen = excluded.last_seen, suspect = excluded.suspect, noted = excluded.noted`,
      [w.source, p.provider, p.model, p.fingerprint, p.data === null ? null : JSON.stringify(p.data), p.seen, p.first_seen, p.last_seen, p.suspect ? 1 : 0, p.noted ? 1 : 0],
    );
  }
}

export function createPgCatalogSnapshotStore(db: PgDb): CatalogSnapshotStore {
  return {
    recordFetch: (snap) => db.tx((q) => recordFetchIn(q, snap)),
    listFetches: (source) => db.query<FetchRow>('SELECT id, source, fetched_at, entries, changed FROM catalog_fetches WHERE source = $1 ORDER BY fetched_ms, id', [source]),
    async loadListing(source, fetchId) {
      // One snapshot for the fetch and its entries: a fetch recorded in between changes neither.
      return db.tx(async (q) => {
        await q.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const [f] =
          fetchId === undefined
            ? await q.query<{ id: number; fetched_at: string }>('SELECT id, fetched_at FROM catalog_fetches WHERE source = $1 ORDER BY fetched_ms DESC, id DESC LIMIT 1', [source])
            : await q.query<{ id: number; fetched_at: string }>('SELECT id, fetched_at FROM catalog_fetches WHERE source = $1 AND id = $2', [source, fetchId]);
        if (!f) return null;
        const rows = await q.query<{ data: string }>(
          'SELECT data FROM catalog_entries WHERE source = $1 AND first_fetch <= $2 AND (until_fetch IS NULL OR until_fetch > $2) ORDER BY first_fetch, id',
          [source, f.id],
        );
        return { fetch_id: f.id, fetched_at: f.fetched_at, entries: rows.map((r) => JSON.parse(r.data) as unknown) };
      });
    },
    loadDetectionState: (sources) =>
      db.tx(async (q) => {
        await q.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        return loadStateIn(q, sources);
      }),
    async acceptedOf(models) {
      if (models.length === 0) return [];
      const rows = await db.query<{ source: string; provider: string; model: string; data: string; last_fetch_at: string }>(
        `SELECT a.source, a.provider, a.model, a.data, s.last_fetch_at
         FROM catalog_accepted a
         JOIN catalog_sources s ON s.source = a.source
         JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS w(provider, model)) w ON w.provider = a.provider AND w.model = a.model`,
        [models.map((m) => m.provider), models.map((m) => m.model)],
      );
      const byModel = new Map<string, typeof rows>();
      for (const r of rows) {
        const k = entryKey(r.provider, r.model);
        byModel.set(k, [...(byModel.get(k) ?? []), r]);
      }
      // As the SQLite store answers: in the order asked, each model's sources in name order.
      const out: AcceptedEntry[] = [];
      for (const { provider, model } of models) {
        for (const r of [...(byModel.get(entryKey(provider, model)) ?? [])].sort((a, b) => byText(a.source, b.source))) {
          out.push({ source: r.source, provider, model, data: JSON.parse(r.data) as unknown, last_fetch_at: r.last_fetch_at });
        }
      }
      return out;
    },
    updateDetection<T>(sources: readonly string[], decide: (state: StoredSourceState[]) => DetectionUpdate<T>) {
      return db.tx(async (q) => {
        await lockSources(q, sources);
        const update = decide(await loadStateIn(q, sources));
        const recorded: RecordedFetch[] = [];
        for (const f of update.record) recorded.push(await recordFetchIn(q, f));
        for (const w of update.writes) await writeIn(q, w);
        return { result: update.result, recorded };
      });
    },
  };
}
