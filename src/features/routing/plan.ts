// Alias -> the ordered routes to try for one request. Pure: given config, catalog, time and the
// prompt size, it says which routes will be called, which are skipped and why.
import type { Config } from '../../config/load.js';
import type { Catalog } from '../../domain/catalog/catalog.js';

export interface PlannedRoute {
  provider: string;
  model: string;
  /** Set when the configured model is retired and its replacement is called instead. */
  replaces?: { model: string; retiredAt: string };
  /** Thinking on/off for this route (the retired model's mode); absent = the model's default. */
  thinking?: boolean;
  /** The route's configured context window, when it has one. */
  contextWindow?: number;
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

/**
 * A rough token estimate for fitting prompts into context windows: about 4 characters a token
 * for ASCII, 2 for other alphabets, and 1 for CJK and beyond (U+2E80 on), where BPE vocabularies
 * give about one token per character or more. Errs high rather than low.
 */
export function estimateTokens(text: string): number {
  let other = 0;
  let wide = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x2e80) wide++;
    else if (c >= 0x80) other++;
  }
  return Math.ceil((text.length - other - wide) / 4 + other / 2) + wide;
}

/** The smallest context window among planned routes (undefined when none has one configured). */
export function smallestWindow(routes: readonly PlannedRoute[]): number | undefined {
  const windows = routes.map((r) => r.contextWindow).filter((w): w is number => w !== undefined);
  return windows.length ? Math.min(...windows) : undefined;
}
export function planRoutes(config: Config, catalog: Catalog, alias: string, nowMs: number, promptTokens: number, answerTokens: number): PlanResult {
  const def = Object.hasOwn(config.models, alias) ? config.models[alias] : undefined;
  if (!def) return { ok: false, error: `unknown model alias "${alias}" (known: ${Object.keys(config.models).join(', ')})` };
  const routes: PlannedRoute[] = [];
  const skipped: SkippedRoute[] = [];
  const seen = new Set<string>();
  for (const r of def.routes) {
    let model = r.model;
    let replaces: PlannedRoute['replaces'];
    let thinking: boolean | undefined;
    // A replacement may itself have retired since: follow the chain.
    let retirement = catalog.retirementOf(r.provider, model);
    const visited = new Set([model]);
    while (retirement && retirement.atMs <= nowMs && retirement.replacement && !visited.has(retirement.replacement)) {
      replaces ??= { model: r.model, retiredAt: retirement.at };
      if (retirement.replacementThinking !== null) thinking ??= retirement.replacementThinking;
      model = retirement.replacement;
      visited.add(model);
      retirement = catalog.retirementOf(r.provider, model);
    }
    if (retirement && retirement.atMs <= nowMs) {
      const why = retirement.replacement ? `its replacements loop back to ${retirement.replacement}` : `no ${visited.size > 1 ? 'further ' : ''}replacement`;
      skipped.push({ provider: r.provider, model, reason: `retired on ${retirement.at.slice(0, 16).replace('T', ' ')} UTC with ${why}` });
      continue;
    }
    if (r.context_window !== undefined && promptTokens + answerTokens > r.context_window) {
      skipped.push({ provider: r.provider, model, reason: `the prompt (~${promptTokens} tokens) does not fit its ${r.context_window}-token window` });
      continue;
    }
    const key = `${r.provider}/${model}/${thinking ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ provider: r.provider, model, ...(replaces ? { replaces } : {}), ...(thinking !== undefined ? { thinking } : {}), ...(r.context_window !== undefined ? { contextWindow: r.context_window } : {}) });
  }
  if (!routes.length) {
    return { ok: false, error: `no route of "${alias}" can take this request: ${skipped.map((s) => `${s.provider}/${s.model} ${s.reason}`).join('; ')}` };
  }
  return { ok: true, plan: { alias, routes, skipped } };
}
