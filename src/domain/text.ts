// Small helpers for text shown to people.

/** Keeps echoed user input short in error messages. */
export function truncateForMessage(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** "1 row", "2,000 rows". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
