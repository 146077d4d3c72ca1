// /routecheck TARGET -> the routes to check: an alias's routes, one `provider/model`, or `all`.
// Unknown targets get the closest names.
import type { Config } from '../../config/load.js';

export interface CheckRoute {
  provider: string;
  model: string;
  /** Aliases that route here (for the report). */
  aliases: string[];
  context_window?: number;
}

export type TargetResult = { ok: true; routes: CheckRoute[] } | { ok: false; error: string };

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

export function closestNames(input: string, names: string[], max = 3): string[] {
  const q = input.toLowerCase();
  return names
    .map((n) => ({ n, d: n.toLowerCase().includes(q) || q.includes(n.toLowerCase()) ? 0 : editDistance(q, n.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(x.n.length / 3)))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, max)
    .map((x) => x.n);
}

function allRoutes(config: Config): CheckRoute[] {
  const byKey = new Map<string, CheckRoute>();
  for (const [alias, def] of Object.entries(config.models)) {
    for (const r of def.routes) {
      const key = `${r.provider}/${r.model}`;
      const existing = byKey.get(key);
      if (existing) existing.aliases.push(alias);
      else byKey.set(key, { provider: r.provider, model: r.model, aliases: [alias], ...(r.context_window ? { context_window: r.context_window } : {}) });
    }
  }
  return [...byKey.values()];
}

export function resolveTarget(config: Config, target: string): TargetResult {
  const routes = allRoutes(config);
  if (target === 'all') return { ok: true, routes };
  const alias = config.models[target];
  if (alias) {
    const keys = new Set(alias.routes.map((r) => `${r.provider}/${r.model}`));
    return { ok: true, routes: routes.filter((r) => keys.has(`${r.provider}/${r.model}`)) };
  }
  const slash = target.indexOf('/');
  if (slash > 0) {
    const provider = target.slice(0, slash);
    const model = target.slice(slash + 1);
    const configured = routes.find((r) => r.provider === provider && r.model === model);
    if (configured) return { ok: true, routes: [configured] };
    // A provider/model that no alias uses can still be checked, if the provider exists.
    if (config.providers[provider] && model) return { ok: true, routes: [{ provider, model, aliases: [] }] };
  }
  const names = [...Object.keys(config.models), ...routes.map((r) => `${r.provider}/${r.model}`)];
  const close = closestNames(target, names);
  const hint = close.length ? ` Did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : '';
  return { ok: false, error: `"${target.slice(0, 60)}" is not an alias, a provider/model route, or "all".${hint}` };
}
