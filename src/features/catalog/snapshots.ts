// The catalog sources' history and detection state in terms of the catalog's own types: the
// store (src/store/catalog-snapshots.ts) keeps entries as opaque data under a fingerprint; this
// file gives each entry its fingerprint, and turns stored rows into a DetectionState and a new
// DetectionState into the rows to write.
import type { CatalogSnapshotStore, DetectionWrite, FetchRow, FetchToRecord, StoredSourceState } from '../../store/catalog-snapshots.js';
import { fingerprintOf, type DetectionState, type PendingChange, type SourceState } from './price-changes.js';
import { CATALOG_SOURCES } from '../../config/schema.js';
import { entryFromStored } from './sources/stored.js';
import { entryKey, newestCheckedAt, sortEntries, type SourceEntry, type Snapshot, type SourceKind } from './sources/types.js';

export type { FetchRow };
export type { RecordedFetch } from '../../store/catalog-snapshots.js';

/** A snapshot as the store records it: each entry with its fingerprint. */
export function fetchToRecord(snap: Snapshot): FetchToRecord {
  return { source: snap.source, fetched_at: snap.fetched_at, entries: snap.entries.map((e) => ({ provider: e.provider, model: e.model, fingerprint: fingerprintOf(e), data: e })) };
}

/** The recorded fetches of a source, oldest first. */
export function listFetches(store: CatalogSnapshotStore, source: string): Promise<FetchRow[]> {
  return store.listFetches(source);
}

/** The listing as it was at a recorded fetch (default: the source's latest), or null if none. */
export async function loadSnapshot(store: CatalogSnapshotStore, source: string, fetchId?: number): Promise<Snapshot | null> {
  const listing = await store.loadListing(source, fetchId);
  if (!listing) return null;
  // Each entry's data is as it was first seen with these values; it stands for this fetch.
  const entries = sortEntries(listing.entries.map((d) => entryFromStored(d, listing.fetched_at, true)));
  const named = (CATALOG_SOURCES as readonly string[]).includes(source) ? (source as SourceKind) : 'provider';
  const kind: SourceKind = entries[0]?.source ?? named;
  return { source, kind, fetched_at: listing.fetched_at, checked_at: newestCheckedAt(entries), entries };
}

/** Stored rows -> the detection state of their sources. */
export function toDetectionState(rows: readonly StoredSourceState[]): DetectionState {
  const state: DetectionState = new Map();
  for (const s of rows) {
    const st: SourceState = { source: s.source, baseline_at: s.baseline_at, last_fetch_at: s.last_fetch_at, accepted: new Map(), pending: new Map() };
    for (const r of s.accepted) st.accepted.set(entryKey(r.provider, r.model), entryFromStored(r.data, s.last_fetch_at));
    for (const r of s.pending) {
      st.pending.set(entryKey(r.provider, r.model), {
        provider: r.provider,
        model: r.model,
        observed: r.data === null ? null : entryFromStored(r.data, r.last_seen),
        fingerprint: r.fingerprint,
        seen: r.seen,
        first_seen: r.first_seen,
        last_seen: r.last_seen,
        suspect: r.suspect,
        noted: r.noted,
      });
    }
    state.set(s.source, st);
  }
  return state;
}

/** The detection state of the given sources (default: all stored). */
export async function loadDetectionState(store: CatalogSnapshotStore, sources?: readonly string[]): Promise<DetectionState> {
  return toDetectionState(await store.loadDetectionState(sources));
}

const samePending = (a: PendingChange, b: PendingChange) =>
  a.fingerprint === b.fingerprint && a.seen === b.seen && a.last_seen === b.last_seen && a.first_seen === b.first_seen && a.suspect === b.suspect && a.noted === b.noted;

/**
 * The rows that turn `before` (as loaded) into `after`: only those that differ. Newly accepted
 * entries get their source's last fetch time as accepted_at.
 */
export function detectionWrites(before: DetectionState, after: DetectionState): DetectionWrite[] {
  const out: DetectionWrite[] = [];
  for (const [source, st] of after) {
    const old = before.get(source);
    if (st === old) continue; // untouched this run
    if (st.baseline_at === null || st.last_fetch_at === null) continue;
    if (!old || old.baseline_at !== st.baseline_at || old.last_fetch_at !== st.last_fetch_at) {
      out.push({ kind: 'source', source, baseline_at: st.baseline_at, last_fetch_at: st.last_fetch_at });
    }
    const oldAcc = old?.accepted ?? new Map<string, SourceEntry>();
    for (const [k, e] of st.accepted) {
      const prev = oldAcc.get(k);
      if (prev === e) continue;
      const fp = fingerprintOf(e);
      if (prev && fingerprintOf(prev) === fp && !prev.legacy) continue;
      out.push({ kind: 'accept', source, provider: e.provider, model: e.model, fingerprint: fp, data: e, accepted_at: st.last_fetch_at });
    }
    for (const [k, e] of oldAcc) {
      if (!st.accepted.has(k)) out.push({ kind: 'unaccept', source, provider: e.provider, model: e.model });
    }
    const oldPend = old?.pending ?? new Map<string, PendingChange>();
    for (const [k, p] of st.pending) {
      const prev = oldPend.get(k);
      if (prev && (prev === p || samePending(prev, p))) continue;
      const { observed, ...rest } = p;
      out.push({ kind: 'pend', source, pending: { ...rest, data: observed } });
    }
    for (const [k, p] of oldPend) {
      if (!st.pending.has(k)) out.push({ kind: 'unpend', source, provider: p.provider, model: p.model });
    }
  }
  return out;
}
