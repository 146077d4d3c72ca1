// Price-change detection over successive fetches of the catalog sources (the "prices" alert).
// Pure: state in, state out (price-check.ts loads and saves the state).
//
// Rules
// - Per source (Snapshot.source) and (provider, model) we keep the ACCEPTED entry (what was last
//   announced, or the first fetch: the baseline, announced silently) and at most one PENDING
//   observation that differs from it, with the number of consecutive fetches it was seen in.
// - A change is confirmed when the same observation is seen in `hold` (2) consecutive fetches of
//   that source. A value that comes back to the accepted one drops the pending change (a flip:
//   never announced); a third value restarts the count.
// - A price component moving by more than `suspectRatio` (10x, or to/from 0) makes the change
//   SUSPECT: it needs `suspectHold` (4) consecutive fetches; when it has held `hold` fetches the
//   message says once that it is held as suspect.
// - Models added or removed follow the same rule (a model listed once and gone again is never
//   announced).
// - Only confirmed changes of WATCHED models (a predicate: configured routes, models used in the
//   last 30 days) are announced, one message per run; the rest is summarised as counts. No
//   watched change -> no message (alert null).
// - A failed fetch is simply not given: the pending counts of that source wait for the next one.
//   A snapshot with fewer than half the accepted models (sources of 20+ models), or an empty one,
//   is ignored as incomplete; so is one with fewer than half the accepted priced models priced
//   (a changed format reads as prices gone, not as 300 price changes).
//
// The monthly impact of a change is in price-impact.ts, the message in price-alert.ts.
import { createHash } from 'node:crypto';
import { diffPair, type CatalogChange } from './diff.js';
import { buildAlert, type ModelChange, type OtherCounts, type PriceAlert } from './price-alert.js';
import { monthlyImpact, type VolumeLookup } from './price-impact.js';
import { PRICE_COMPONENTS, entryKey, type SourceEntry, type SourcePrice, type SourceRates, type SourceWindow, type Snapshot } from './sources/types.js';

// What callers of detectPriceChanges pass and get back, from the modules that define them.
export type { Volume, VolumeLookup } from './price-impact.js';
export type { ModelChange, OtherCounts, PriceAlert } from './price-alert.js';

export type WatchedPredicate = (provider: string, model: string) => boolean;

export interface PendingChange {
  provider: string;
  model: string;
  /** What the source shows now; null = the model is gone from the source. */
  observed: SourceEntry | null;
  fingerprint: string;
  /** Consecutive fetches it was seen in. */
  seen: number;
  first_seen: string;
  last_seen: string;
  suspect: boolean;
  /** The "held as suspect" line was already posted. */
  noted: boolean;
}

export interface SourceState {
  source: string;
  /** Fetch time of the first snapshot (accepted silently); null before it. */
  baseline_at: string | null;
  last_fetch_at: string | null;
  /** entryKey(provider, model) -> accepted entry. Treat as immutable. */
  accepted: Map<string, SourceEntry>;
  pending: Map<string, PendingChange>;
}

/** Snapshot.source -> its state. */
export type DetectionState = Map<string, SourceState>;

export interface DetectOptions {
  watched: WatchedPredicate;
  /** Usage over the last 30 days, for the monthly impact; absent -> no impact lines. */
  volume?: VolumeLookup;
  /** Consecutive fetches a change must be seen in. Default 2. */
  hold?: number;
  /** Consecutive fetches for a suspect change. Default 4. */
  suspectHold?: number;
  /** A component moving by more than this factor is suspect. Default 10. */
  suspectRatio?: number;
}

export interface DetectionResult {
  state: DetectionState;
  alert: PriceAlert | null;
  /** Every confirmed or newly noted suspect change this run, watched or not. */
  all: ModelChange[];
  /** Counts of the unwatched models' changes (also in the alert text). */
  others: OtherCounts;
  /** Sources whose snapshot became the baseline this run. */
  baseline: string[];
  /** Snapshots ignored, with why (out of order, incomplete). */
  skipped: { source: string; fetched_at: string; reason: string }[];
  /** Pending changes left after the run (all sources in state). */
  pending: number;
}

const ratesFp = (r: SourceRates) => [r.input, r.cached_input, r.cache_write, r.output, r.reasoning_output];
const priceFp = (p: SourcePrice) => [ratesFp(p.rates), p.tiers.map((t) => [t.above, t.inclusive, ...ratesFp(t)]), p.per_request_nusd];
const windowsFp = (ws: readonly SourceWindow[]) => ws.map((w) => [w.utc, ...priceFp(w)]);

/**
 * Canonical text of what is tracked in an entry: its prices (rates, tiers, per-request fee,
 * windows, dated prices), context and lifecycle. Not the provenance (fetch time, the source's
 * own date) nor how it was named: those change without anything to announce.
 */
export function fingerprintOf(e: SourceEntry | null | undefined): string {
  if (!e) return 'absent';
  return JSON.stringify([
    ...priceFp(e),
    e.priced,
    e.context,
    e.expires_at,
    e.deprecated,
    windowsFp(e.windows),
    e.effective_from,
    e.upcoming.map((p) => [p.effective_from, ...priceFp(p), windowsFp(p.windows)]),
  ]);
}

/** The fingerprint of the fields an entry stored before issue 13 had (SourceEntry.legacy). */
export function legacyFingerprintOf(e: SourceEntry): string {
  const r = e.rates;
  return JSON.stringify([r.input, r.cached_input, r.output, r.reasoning_output, e.priced, e.context, e.expires_at, e.tiers.map((t) => [t.above, t.input, t.cached_input, t.output])]);
}

/** Largest factor a price component moved by between a and b; 1 when none moved or a side is absent. */
export function priceRatio(a: SourceEntry | null | undefined, b: SourceEntry | null | undefined): number {
  if (!a || !b) return 1;
  let worst = 1;
  for (const c of PRICE_COMPONENTS) {
    const x = a.rates[c];
    const y = b.rates[c];
    if (x === null || y === null || x === y) continue;
    const lo = Math.min(x, y);
    const hi = Math.max(x, y);
    worst = Math.max(worst, lo === 0 ? Infinity : hi / lo);
  }
  return worst;
}

export function changeKey(c: CatalogChange): string {
  const name = `${c.provider}/${c.model}`;
  const v = (x: number | string | null) => (x === null ? 'none' : String(x));
  switch (c.kind) {
    case 'price':
      return `price:${name}:${c.component}:${v(c.old)}->${v(c.new)}`;
    case 'context':
      return `price:${name}:context:${v(c.old)}->${v(c.new)}`;
    case 'expiry':
      return `price:${name}:expiry:${v(c.old)}->${v(c.new)}`;
    case 'added':
    case 'removed':
      return `price:${name}:${c.kind}`;
    case 'terms':
      // The words can be long (every window of a day): a digest keeps the key short and stable.
      return `price:${name}:${c.what}:${createHash('sha256').update(`${c.old}\u0000${c.new}`).digest('hex').slice(0, 16)}`;
  }
}

function countPriced(entries: Iterable<SourceEntry>): number {
  let n = 0;
  for (const e of entries) if (e.priced) n++;
  return n;
}

function emptyState(source: string): SourceState {
  return { source, baseline_at: null, last_fetch_at: null, accepted: new Map(), pending: new Map() };
}

/**
 * Feeds snapshots (any sources, processed per source in time order) through the rules above.
 * Does not modify `state`; returns the next state, the message (or null) and counts.
 */
export function detectPriceChanges(state: DetectionState, snapshots: readonly Snapshot[], opts: DetectOptions): DetectionResult {
  const hold = Math.max(1, Math.trunc(opts.hold ?? 2));
  const suspectHold = Math.max(hold, Math.trunc(opts.suspectHold ?? 4));
  const suspectRatio = opts.suspectRatio ?? 10;
  const next: DetectionState = new Map(state);
  const all: ModelChange[] = [];
  const baseline: string[] = [];
  const skipped: DetectionResult['skipped'] = [];
  const copied = new Set<string>();

  const ordered = [...snapshots].sort((a, b) => Date.parse(a.fetched_at) - Date.parse(b.fetched_at));
  for (const snap of ordered) {
    const prev = next.get(snap.source);
    let st: SourceState;
    if (!prev) st = emptyState(snap.source);
    else if (copied.has(snap.source)) st = prev;
    else st = { ...prev, accepted: new Map(prev.accepted), pending: new Map(prev.pending) };
    copied.add(snap.source);
    next.set(snap.source, st);

    const t = snap.fetched_at;
    const observed = new Map<string, SourceEntry>();
    for (const e of snap.entries) observed.set(entryKey(e.provider, e.model), e);

    if (st.baseline_at === null) {
      st.accepted = observed;
      st.pending = new Map();
      st.baseline_at = t;
      st.last_fetch_at = t;
      baseline.push(snap.source);
      continue;
    }
    if (st.last_fetch_at !== null && Date.parse(t) <= Date.parse(st.last_fetch_at)) {
      skipped.push({ source: snap.source, fetched_at: t, reason: `not newer than the last fetch (${st.last_fetch_at})` });
      continue;
    }
    if ((st.accepted.size >= 20 && observed.size * 2 < st.accepted.size) || (observed.size === 0 && st.accepted.size > 0)) {
      skipped.push({ source: snap.source, fetched_at: t, reason: `incomplete: ${observed.size} models against ${st.accepted.size} known` });
      continue;
    }
    const pricedNow = countPriced(observed.values());
    const pricedBefore = countPriced(st.accepted.values());
    if (pricedBefore >= 20 && pricedNow * 2 < pricedBefore) {
      skipped.push({ source: snap.source, fetched_at: t, reason: `prices missing: ${pricedNow} priced models against ${pricedBefore} known (has the format changed?)` });
      continue;
    }
    st.last_fetch_at = t;

    const keys = new Set<string>([...st.accepted.keys(), ...observed.keys(), ...st.pending.keys()]);
    for (const key of keys) {
      const acc = st.accepted.get(key) ?? null;
      const obs = observed.get(key) ?? null;
      if (acc?.legacy && obs && legacyFingerprintOf(acc) === legacyFingerprintOf(obs)) {
        // Stored before the newer fields were read: what it had is unchanged, so take the new reading silently.
        st.accepted.set(key, obs);
        st.pending.delete(key);
        continue;
      }
      const fp = fingerprintOf(obs);
      if (fp === fingerprintOf(acc)) {
        st.pending.delete(key); // unchanged, or a flip back: nothing to say
        continue;
      }
      const name = (obs ?? acc)!;
      const old = st.pending.get(key);
      const p: PendingChange =
        old && old.fingerprint === fp
          ? { ...old, seen: old.seen + 1, last_seen: t }
          : {
              provider: name.provider,
              model: name.model,
              observed: obs,
              fingerprint: fp,
              seen: 1,
              first_seen: t,
              last_seen: t,
              suspect: priceRatio(acc, obs) > suspectRatio,
              noted: false,
            };
      const needed = p.suspect ? suspectHold : hold;
      const mk = (status: ModelChange['status']): ModelChange => {
        const changes = diffPair(acc ?? undefined, obs ?? undefined);
        const watched = opts.watched(name.provider, name.model);
        // Impact only for a model priced on both sides' lists; added/removed models show their price instead.
        const priceMoved = acc !== null && obs !== null && changes.some((c) => c.kind === 'price');
        return {
          keys: changes.map(changeKey),
          source: snap.source,
          provider: name.provider,
          model: name.model,
          status,
          suspect: p.suspect,
          ratio: priceRatio(acc, obs),
          changes,
          impact: watched && priceMoved && opts.volume ? monthlyImpact(acc, obs, opts.volume(name.provider, name.model)) : null,
          first_seen: p.first_seen,
          at: t,
          watched,
          entry: obs,
        };
      };
      if (p.seen >= needed) {
        if (obs) st.accepted.set(key, obs);
        else st.accepted.delete(key);
        st.pending.delete(key);
        const mc = mk('confirmed');
        if (mc.changes.length > 0) all.push(mc);
        continue;
      }
      if (p.suspect && !p.noted && p.seen >= hold) {
        p.noted = true;
        all.push(mk('suspect_held'));
      }
      st.pending.set(key, p);
    }
  }

  const others: OtherCounts = { added: 0, removed: 0, changed: 0, suspect: 0 };
  for (const m of all) {
    if (m.watched) continue;
    if (m.status === 'suspect_held') others.suspect++;
    else if (m.changes.some((c) => c.kind === 'added')) others.added++;
    else if (m.changes.some((c) => c.kind === 'removed')) others.removed++;
    else others.changed++;
  }
  const watched = all.filter((m) => m.watched);
  let pending = 0;
  for (const s of next.values()) pending += s.pending.size;
  return { state: next, alert: watched.length ? buildAlert(watched, others, suspectHold, suspectRatio) : null, all, others, baseline, skipped, pending };
}

