// Small text helpers for alert messages (integer arithmetic; decimals only when rendering).

/** part/whole as a percentage with one decimal, rounded half up: "37.5%"; "—" when whole is 0. */
export function percentText(part: number | bigint, whole: number | bigint): string {
  if (whole <= 0) return '—';
  const tenths = (BigInt(part) * 1000n + BigInt(whole) / 2n) / BigInt(whole);
  return `${tenths / 10n}.${tenths % 10n}%`;
}

/** An ISO instant as "2026-07-24 15:59 UTC". */
export function utcMinute(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export { plural } from '../../domain/text.js';
