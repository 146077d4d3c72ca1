// PostgreSQL URLs as routeops reads and shows them, without loading the `pg` client (the CLI
// checks a `db copy --to` before anything connects): which URLs are PostgreSQL's, and the URL
// with its password hidden, for every message and log line.

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db` (unparseable: a placeholder). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(a database URL that does not parse)';
  }
}

/** True for the URLs ROUTEOPS_DATABASE_URL accepts. */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);
