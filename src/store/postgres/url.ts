// PostgreSQL URLs as routeops reads and shows them, without loading the `pg` client (the CLI
// checks a `db copy --to` before anything connects): which URLs are PostgreSQL's, and the URL
// with its password hidden, for every message and log line.

/**
 * `postgres://user:secret@host/db` → `postgres://user:***@host/db`. Read as text, not with a URL
 * parser: a password holding `/` or `:` makes a parser take it for a host and port, and pg reads
 * a password from the query string too (`?password=`, `sslpassword=`), so both are hidden.
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(url.trim());
  if (!m) return '(a database URL that does not parse)';
  let rest = m[2]!;
  // The user information runs to the last `@` (a password may hold `/`, `:` or `@`).
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    rest = `${colon >= 0 ? `${userinfo.slice(0, colon)}:***` : userinfo}${rest.slice(at)}`;
  }
  rest = rest.replace(/([?&](?:password|sslpassword|sslkey|passfile)=)[^&#]*/gi, '$1***');
  return m[1] + rest;
}

/** True for the URLs ROUTEOPS_DATABASE_URL accepts. */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);
