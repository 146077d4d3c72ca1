// How a gateway key's traffic went over the last hour (the gateway alert, docs/ARCHITECTURE.md
// §3.7 `gateway`), from its ledger rows grouped by alias, route and status. Pure.
// - error rate: failed upstream attempts over all attempts, leaving out what is not a route's
//   fault (the client's bad request or disconnect, a stop of routeops);
// - fallback rate: answers served by a provider other than the alias's first route's, over all
//   answers (a route going bad for real traffic while the fallback hides it).

export interface TrafficRow {
  key: string;
  alias: string;
  provider: string;
  model: string;
  status: string;
  attempts: number;
}

export interface KeyHealth {
  key: string;
  attempts: number;
  failed: number;
  /** Failed attempts per route and status, most first: "deepseek/deepseek-v4-flash rate_limited ×30". */
  failures: Array<{ route: string; status: string; attempts: number }>;
  answered: number;
  /** Answers from a fallback provider, per route. */
  fellBack: number;
  fallbackRoutes: Array<{ route: string; answered: number }>;
  /** Percent to a tenth, rounded down; null without attempts / answers. */
  error_pct: number | null;
  fallback_pct: number | null;
}

/** Statuses that say nothing about a route's health. */
const NOT_THE_ROUTE = new Set(['ok', 'aborted', 'bad_request', 'interrupted', 'context_length']);

const pct = (part: number, whole: number): number | null => (whole > 0 ? Math.floor((part * 1000) / whole) / 10 : null);

export function keyHealth(rows: readonly TrafficRow[], firstProviderOf: (alias: string) => string | null): KeyHealth[] {
  const byKey = new Map<string, TrafficRow[]>();
  for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  const out: KeyHealth[] = [];
  for (const [key, own] of byKey) {
    let attempts = 0;
    let failed = 0;
    let answered = 0;
    let fellBack = 0;
    const failures: KeyHealth['failures'] = [];
    const fallbacks = new Map<string, number>();
    for (const r of own) {
      const route = `${r.provider}/${r.model}`;
      if (r.status === 'ok') {
        attempts += r.attempts;
        answered += r.attempts;
        const first = firstProviderOf(r.alias);
        if (first !== null && first !== r.provider) {
          fellBack += r.attempts;
          fallbacks.set(route, (fallbacks.get(route) ?? 0) + r.attempts);
        }
      } else if (!NOT_THE_ROUTE.has(r.status)) {
        attempts += r.attempts;
        failed += r.attempts;
        failures.push({ route, status: r.status, attempts: r.attempts });
      }
    }
    failures.sort((a, b) => b.attempts - a.attempts || a.route.localeCompare(b.route));
    out.push({
      key, attempts, failed, failures, answered, fellBack,
      fallbackRoutes: [...fallbacks].map(([route, n]) => ({ route, answered: n })).sort((a, b) => b.answered - a.answered),
      error_pct: pct(failed, attempts),
      fallback_pct: pct(fellBack, answered),
    });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}
