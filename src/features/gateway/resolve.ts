// Which routes a gateway request may take (docs/ARCHITECTURE.md §3.3 gateway): the request's
// `model` is an alias the key may use (routed as /ask routes it: src/features/routing/plan.ts),
// or, for a key allowed them, a configured provider's model as `provider/model`. Pure.
import type { Config } from '../../config/load.js';
import type { Catalog } from '../../domain/catalog/catalog.js';
import { truncateForMessage } from '../../domain/text.js';
import { estimateTokens, planRoutes, type RoutePlan } from '../routing/plan.js';
import { gatewayError, type GatewayError } from './errors.js';
import type { GatewayKeyInfo } from './keys.js';

/** The aliases a key may use: its own list, or every configured alias when it has none. */
export function aliasesOf(config: Config, key: Pick<GatewayKeyInfo, 'aliases'>): string[] {
  const all = Object.keys(config.models);
  return key.aliases.length ? key.aliases.filter((a) => all.includes(a)) : all;
}

/** `provider/model` of a configured provider, or null. */
export function providerModel(config: Config, id: string): { provider: string; model: string } | null {
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1) return null;
  const provider = id.slice(0, slash);
  return Object.hasOwn(config.providers, provider) ? { provider, model: id.slice(slash + 1) } : null;
}

/** A rough prompt size (estimateTokens), for a route's context window and a call's interrupted row. */
export function promptTokens(messages: unknown): number {
  let n = 0;
  for (const m of Array.isArray(messages) ? messages : []) n += estimateTokens(JSON.stringify(m)) + 4;
  return n;
}

export function resolveRoutes(
  config: Config,
  catalog: Catalog,
  key: GatewayKeyInfo,
  request: { model: string; body: Record<string, unknown>; maxTokens: number },
  nowMs: number,
): { ok: true; plan: RoutePlan } | { ok: false; error: GatewayError } {
  const allowed = aliasesOf(config, key);
  const name = truncateForMessage(request.model);
  let routesConfig = config;
  let alias = request.model;
  if (!Object.hasOwn(config.models, request.model)) {
    const pm = providerModel(config, request.model);
    if (!pm) return { ok: false, error: gatewayError(404, 'not_found_error', 'model_not_found', `unknown model "${name}": use one of ${allowed.join(', ') || '(none: this key allows no alias)'}`, 'model') };
    if (!key.providerModels) return { ok: false, error: gatewayError(403, 'permission_error', 'model_not_allowed', `key "${key.name}" may not call provider/model ids such as "${name}": use one of ${allowed.join(', ')}`, 'model') };
    // One route, planned like an alias's so a retired model is still swapped for its replacement.
    alias = `${pm.provider}/${pm.model}`;
    routesConfig = { ...config, models: { [alias]: { routes: [{ provider: pm.provider, model: pm.model }] } } } as Config;
  } else if (!allowed.includes(request.model)) {
    return { ok: false, error: gatewayError(403, 'permission_error', 'model_not_allowed', `alias "${name}" is not allowed for key "${key.name}": use one of ${allowed.join(', ') || '(none)'}`, 'model') };
  }
  const def = routesConfig.models[alias]!;
  const tokens = def.routes.some((r) => r.context_window !== undefined) ? promptTokens(request.body['messages']) : 0;
  const plan = planRoutes(routesConfig, catalog, alias, nowMs, tokens, request.maxTokens);
  if (!plan.ok) return { ok: false, error: gatewayError(400, 'invalid_request_error', 'no_route', plan.error, 'model') };
  return { ok: true, plan: plan.plan };
}
