// The time of a usage row: an ISO-8601 / RFC 3339 instant with a zone, checked field by field
// (Date.parse alone would accept 02-30), and the canonical UTC form rows are stored in.

// ISO-8601 / RFC 3339 with a zone: 2026-03-01T12:00:00Z, 2026-03-01T12:00:00.123+01:00,
// 2026-03-01 12:00Z (space allowed, seconds optional). Date.parse alone would accept 02-30.
const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

/** Milliseconds since the epoch of an ISO-8601 time with a zone, or NaN. */
export function parseIsoInstant(s: string): number {
  const m = TS_RE.exec(s) ?? TS_RE.exec(s.trim());
  if (!m) return NaN;
  const y = +m[1]!;
  const mo = +m[2]!;
  const d = +m[3]!;
  const h = +m[4]!;
  const mi = +m[5]!;
  const sec = m[6] === undefined ? 0 : +m[6];
  const ms = m[7] === undefined ? 0 : +m[7].slice(0, 3).padEnd(3, '0');
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return NaN;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return NaN;
  let offsetMin = 0;
  if (!m[8]) {
    const oh = +m[10]!;
    const om = m[11] === undefined ? 0 : +m[11];
    if (oh > 23 || om > 59) return NaN;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const t = Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60_000;
  return Number.isFinite(t) ? t : NaN;
}
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The form toISOString() produces; such input needs no rewriting. */
export const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
