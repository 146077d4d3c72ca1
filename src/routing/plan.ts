// Alias -> the ordered routes to try for one request. Pure: given config, catalog, time and the
// prompt size, it says which routes will be called, which are skipped and why.
import type { Config } from '../config/load.js';
import type { Catalog } from '../catalog/catalog.js';

export interface PlannedRoute {
  provider: string;
  model: string;
  /** Set when the configured model is retired and its replacement is called instead. */
  replaces?: { model: string; retiredAt: string };
}

export interface SkippedRoute {
  provider: string;
  model: string;
  reason: string;
}

export interface RoutePlan {
  alias: string;
  routes: PlannedRoute[];
  skipped: SkippedRoute[];
}

export type PlanResult = { ok: true; plan: RoutePlan } | { ok: false; error: string };

/** A rough token estimate for fitting prompts into context windows (about 4 characters a token). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function planRoutes(config: Config, catalog: Catalog, alias: string, nowMs: number, promptTokens: number, answerTokens: number): PlanResult {
  const def = config.models[alias];
  if (!def) return { ok: false, error: `unknown model alias "${alias}" (known: ${Object.keys(config.models).join(', ')})` };
  const routes: PlannedRoute[] = [];
  const skipped: SkippedRoute[] = [];
  const seen = new Set<string>();
  for (const r of def.routes) {
    let model = r.model;
    let replaces: PlannedRoute['replaces'];
    const retirement = catalog.retirementOf(r.provider, r.model);
    if (retirement && retirement.atMs <= nowMs) {
      if (!retirement.replacement) {
        skipped.push({ provider: r.provider, model: r.model, reason: `retired on ${retirement.at.slice(0, 16).replace('T', ' ')} UTC with no replacement` });
        continue;
      }
      replaces = { model: r.model, retiredAt: retirement.at };
      model = retirement.replacement;
    }
    if (r.context_window !== undefined && promptTokens + answerTokens > r.context_window) {
      skipped.push({ provider: r.provider, model, reason: `the prompt (~${promptTokens} tokens) does not fit its ${r.context_window}-token window` });
      continue;
    }
    const key = `${r.provider}/${model}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ provider: r.provider, model, ...(replaces ? { replaces } : {}) });
  }
  if (!routes.length) {
    return { ok: false, error: `no route of "${alias}" can take this request: ${skipped.map((s) => `${s.provider}/${s.model} ${s.reason}`).join('; ')}` };
  }
  return { ok: true, plan: { alias, routes, skipped } };
}
