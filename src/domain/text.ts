// Small helpers for text shown to people.

/** Keeps echoed user input short in error messages. */
export function truncateForMessage(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
