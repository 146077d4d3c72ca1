// genai-prices' conditional prices (test/fixtures/catalog/FORMATS.md §2) -> the price in force at
// the fetch, its UTC time-of-day windows, and the prices the source dates later. Pure.
//
// genai-prices' rule: the entries are checked last to first and the first active one wins; when
// none is active, the first applies. `{start_date}` is active from that UTC date on;
// `{start_time, end_time}` within those UTC times of each day, wrapping past midnight.
import type { SourcePhase, SourcePrice, SourceWindow } from './types.js';

export type Constraint = { kind: 'date'; day: string; ms: number } | { kind: 'time'; spans: ReadonlyArray<readonly [number, number]> };

export interface Conditional {
  constraint: Constraint | null;
  price: SourcePrice;
}

export interface Resolved extends SourcePrice {
  windows: SourceWindow[];
  effective_from: string | null;
  upcoming: SourcePhase[];
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d+)?)?(?:([Zz])|([+-])([01]\d|2[0-3]):?([0-5]\d))$/;

/** "HH:MM[:SS]" with a zone -> UTC minute of the day; null when unreadable, zoneless or not on a whole minute. */
export function utcMinuteOf(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = TIME.exec(text.trim());
  if (!m || (m[3] !== undefined && m[3] !== '00')) return null;
  const offset = m[4] ? 0 : (m[5] === '-' ? -1 : 1) * (Number(m[6]) * 60 + Number(m[7]));
  return (((Number(m[1]) * 60 + Number(m[2]) - offset) % 1440) + 1440) % 1440;
}

/**
 * A constraint object -> Constraint; null for none; undefined when it cannot be read (an unknown
 * kind, a bad date or time, an empty interval): the caller then does not know the price.
 */
export function readConstraint(c: unknown): Constraint | null | undefined {
  if (c === undefined || c === null) return null;
  if (typeof c !== 'object' || Array.isArray(c)) return undefined;
  const keys = Object.keys(c).sort().join(',');
  const o = c as Record<string, unknown>;
  if (keys === 'start_date') {
    const day = typeof o.start_date === 'string' ? o.start_date.trim() : '';
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00.000Z`) : NaN;
    return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day ? undefined : { kind: 'date', day, ms };
  }
  if (keys === 'end_time,start_time') {
    const from = utcMinuteOf(o.start_time);
    const to = utcMinuteOf(o.end_time);
    if (from === null || to === null || from === to) return undefined;
    // Past midnight (16:30-00:30): two spans of the same day, 16:30-24:00 and 00:00-00:30.
    const spans: Array<readonly [number, number]> = from < to ? [[from, to]] : [[from, 1440], ...(to > 0 ? [[0, to] as const] : [])];
    return { kind: 'time', spans };
  }
  return undefined;
}

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** The entry that wins in a phase (dates up to `phaseMs` active) at `minute` of the day (null = no time constraint active). */
function winner(list: readonly Conditional[], phaseMs: number, minute: number | null): number {
  for (let i = list.length - 1; i >= 0; i--) {
    const c = list[i]!.constraint;
    if (c === null) return i;
    if (c.kind === 'date' && c.ms <= phaseMs) return i;
    if (c.kind === 'time' && minute !== null && c.spans.some(([a, b]) => a <= minute && minute < b)) return i;
  }
  return 0;
}

interface PhaseShape {
  base: number;
  /** [from, to, entry index], merged, sorted. */
  windows: Array<[number, number, number]>;
}

function phaseShape(list: readonly Conditional[], phaseMs: number, bounds: readonly number[]): PhaseShape {
  const base = winner(list, phaseMs, null);
  const windows: Array<[number, number, number]> = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [from, to] = [bounds[i]!, bounds[i + 1]!];
    const w = winner(list, phaseMs, from);
    if (w === base) continue;
    const last = windows[windows.length - 1];
    if (last && last[1] === from && last[2] === w) last[1] = to;
    else windows.push([from, to, w]);
  }
  return { base, windows };
}

const sameShape = (a: PhaseShape, b: PhaseShape) => a.base === b.base && JSON.stringify(a.windows) === JSON.stringify(b.windows);

function windowsOf(list: readonly Conditional[], shape: PhaseShape): SourceWindow[] {
  return shape.windows.map(([from, to, i]) => ({ utc: `${hhmm(from)}-${hhmm(to)}`, from_minute: from, to_minute: to, ...list[i]!.price }));
}

/**
 * The conditional prices of one model -> the price in force at `atMs` (with `effective_from`, the
 * start of its date, or null for the undated price), its windows, and later dated prices. Phases
 * that would bill exactly as the one before are not listed.
 */
export function resolveConditionals(list: readonly Conditional[], atMs: number): Resolved {
  const days = [...new Set(list.flatMap((c) => (c.constraint?.kind === 'date' ? [c.constraint.ms] : [])))].sort((a, b) => a - b);
  const bounds = [...new Set([0, 1440, ...list.flatMap((c) => (c.constraint?.kind === 'time' ? c.constraint.spans.flat() : []))])].sort((a, b) => a - b);
  const phases: Array<{ ms: number; shape: PhaseShape }> = [];
  for (const ms of [-Infinity, ...days]) {
    const shape = phaseShape(list, ms, bounds);
    const prev = phases[phases.length - 1];
    if (!prev || !sameShape(prev.shape, shape)) phases.push({ ms, shape });
  }
  let current = 0;
  while (current + 1 < phases.length && phases[current + 1]!.ms <= atMs) current++;
  const now = phases[current]!;
  return {
    ...list[now.shape.base]!.price,
    windows: windowsOf(list, now.shape),
    effective_from: now.ms === -Infinity ? null : new Date(now.ms).toISOString(),
    upcoming: phases.slice(current + 1).map((p) => ({ ...list[p.shape.base]!.price, effective_from: new Date(p.ms).toISOString(), windows: windowsOf(list, p.shape) })),
  };
}
