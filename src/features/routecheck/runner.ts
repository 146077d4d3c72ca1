// Runs the checks of a target: every route's checks concurrently (bounded per provider), each
// upstream call metered as a ledger row (source "routecheck"), results kept with history.
// One run per target at a time.
import type { Config } from '../../config/load.js';
import type { Catalog } from '../../domain/catalog/catalog.js';
import type { Clock } from '../../domain/time/clock.js';
import type { UsageMeter } from '../../store/usage-meter.js';
import type { ChatRequest, ChatResult, ProviderClient } from '../../upstream/providers/types.js';
import { ProviderError } from '../../upstream/providers/errors.js';
import { randomUUID } from 'node:crypto';
import { attemptToUsage, interruptedRow, type AttemptRecord } from '../routing/execute.js';
import { estimateTokens } from '../routing/plan.js';
import { effectiveCost, priceUsage } from '../../domain/money/cost.js';
import { formatUsdExact } from '../../domain/money/units.js';
import { resolveTarget, type CheckRoute } from './targets.js';
import {
  CHECK_MAX_TOKENS,
  CHECK_NAMES,
  checkChat,
  checkError,
  checkJson,
  checkLong,
  checkModels,
  checkStream,
  checkTools,
  type CheckCaller,
  type CheckContext,
  type CheckName,
  type CheckOutcome,
} from './checks.js';
import type { RouteCheckHistory } from '../../store/routecheck-history.js';
import type { ChatMessage } from '../../upstream/providers/types.js';

/** A request's prompt tokens, estimated (what an interrupted call is recorded with). */
const promptEstimate = (messages: readonly ChatMessage[]): number => messages.reduce((n, m) => n + estimateTokens(m.content) + 4, 0);
import { statusChanges, type StatusChange } from './changes.js';
import { underLease, type LeaseDeps } from '../lease.js';

export const DEFAULT_LONG_TOKENS = 32_000;
/** Calls in flight per provider: enough for one route's checks at once, bounded for `all`. */
const PER_PROVIDER_CONCURRENCY = 8;

export interface RouteResult {
  route: CheckRoute;
  checks: Record<CheckName, CheckOutcome>;
  cost_nusd: number | null;
}

export interface RouteCheckReport {
  /** The stored run (null when not recorded, e.g. a dry run). */
  runId: number | null;
  target: string;
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  routes: RouteResult[];
  cost_nusd: number | null;
  changes: StatusChange[];
  previousAt: string | null;
}

export type RouteCheckRun = { ok: true; report: RouteCheckReport } | { ok: false; error: string; busy?: boolean };

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}
  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export interface RunOptions {
  target: string;
  long?: boolean;
  longTokens?: number;
  scheduled?: boolean;
  /** Who asked (ledger user). */
  user?: string;
  /** False for dry runs: the checks run, the history is not written. */
  record?: boolean;
  /** Told before the long check runs, with its estimated cost. */
  onNotice?: (text: string) => void;
}

/** What a route check needs: the routes, prices, clients, the meter and its own history. */
export interface RouteCheckDeps {
  config: Config;
  catalog: Catalog;
  clock: Clock;
  providers: Map<string, ProviderClient>;
  usage: UsageMeter;
  history: RouteCheckHistory;
  /** One check of a target at a time across processes and replicas (src/features/lease.ts). */
  lease: LeaseDeps;
}

/** A check's lease lasts this long without renewal (a check of every route with the long context takes minutes; it renews). */
const CHECK_LEASE_MS = 60_000;

export class RouteChecker {
  private readonly running = new Map<string, string>();
  private readonly history: RouteCheckHistory;
  private readonly limits = new Map<string, Semaphore>();

  constructor(private readonly services: RouteCheckDeps) {
    this.history = services.history;
  }

  private limit(provider: string): Semaphore {
    let s = this.limits.get(provider);
    if (!s) this.limits.set(provider, (s = new Semaphore(PER_PROVIDER_CONCURRENCY)));
    return s;
  }

  /** Estimated cost of the long check on these routes (null where a route is not priced). */
  estimateLong(routes: CheckRoute[], tokens: number): { nusd: number; unpriced: number } {
    const now = this.services.clock().getTime();
    let nusd = 0;
    let unpriced = 0;
    for (const r of routes) {
      const c = priceUsage(this.services.catalog, r.provider, r.model, { tsMs: now, input_tokens: tokens, cached_input_tokens: 0, cache_write_tokens: 0, output_tokens: CHECK_MAX_TOKENS, reasoning_tokens: 0, thinking: false });
      if (c.cost_nusd === null) unpriced++;
      else nusd += c.cost_nusd;
    }
    return { nusd, unpriced };
  }

  async run(opts: RunOptions): Promise<RouteCheckRun> {
    const { services } = this;
    const resolved = resolveTarget(services.config, opts.target);
    if (!resolved.ok) return resolved;
    const since = this.running.get(opts.target);
    if (since) return { ok: false, busy: true, error: `A route check of ${opts.target} is already running (since ${since.slice(11, 19)} UTC); its report will appear when it finishes.` };
    this.running.set(opts.target, services.clock().toISOString());
    try {
      const name = `routecheck:${opts.target}`;
      // The run's rows have had their try at the store before its report is out.
      const leased = await underLease(services.lease, name, CHECK_LEASE_MS, () => this.execute(opts, resolved.routes).finally(() => services.usage.written()));
      if (leased.held) return { ok: true, report: leased.value };
      const holder = await services.lease.leases.current(name, services.clock().getTime());
      const started = holder ? ` (since ${new Date(holder.since_ms).toISOString().slice(11, 19)} UTC)` : '';
      return { ok: false, busy: true, error: `A route check of ${opts.target} is already running in another routeops process${started}; its report will appear when it finishes.` };
    } finally {
      this.running.delete(opts.target);
    }
  }

  private async execute(opts: RunOptions, routes: CheckRoute[]): Promise<RouteCheckReport> {
    const { services } = this;
    const startedAt = services.clock().toISOString();
    const longTokens = opts.longTokens ?? DEFAULT_LONG_TOKENS;
    if (opts.long) {
      const est = this.estimateLong(routes, longTokens);
      opts.onNotice?.(
        `Running the long-context check (~${Math.round(longTokens / 1000)}K tokens per route) on ${routes.length} route${routes.length === 1 ? '' : 's'}: estimated ${formatUsdExact(est.nusd)}${est.unpriced ? ` plus ${est.unpriced} route${est.unpriced === 1 ? '' : 's'} not priced` : ''}.`,
      );
    }
    const results = await Promise.all(routes.map((route) => this.checkRoute(route, opts, longTokens)));
    const finishedAt = services.clock().toISOString();
    const ok = results.every((r) => Object.values(r.checks).every((c) => c.status !== 'fail'));
    const costs = results.map((r) => r.cost_nusd);
    const cost = costs.every((c) => c === null) ? null : costs.reduce<number>((s, c) => s + (c ?? 0), 0);
    const flat = results.flatMap((r) => CHECK_NAMES.map((check) => ({ provider: r.route.provider, model: r.route.model, check, outcome: r.checks[check] })));
    const current = flat.map((f) => ({ provider: f.provider, model: f.model, check: f.check, status: f.outcome.status, reason: f.outcome.reason }));
    const previous = await this.history.lastRun(opts.target);
    const changes = previous ? statusChanges(previous.results, current) : [];
    const stored = current.map((c, i) => ({ ...c, latency_ms: flat[i]!.outcome.latency_ms }));
    const runId = opts.record === false ? null : await this.history.save({ target: opts.target, startedAt, finishedAt, ok, costNusd: cost, scheduled: opts.scheduled ?? false, results: stored });
    return { runId, target: opts.target, ok, startedAt, finishedAt, routes: results, cost_nusd: cost, changes, previousAt: previous?.finishedAt ?? null };
  }

  private async checkRoute(route: CheckRoute, opts: RunOptions, defaultLong: number): Promise<RouteResult> {
    const { services } = this;
    const providerConfig = services.config.providers[route.provider];
    const client = services.providers.get(route.provider);
    let cost: number | null = null;
    const limit = this.limit(route.provider);
    const now = () => services.clock().getTime();

    const meterContext = { source: 'routecheck' as const, route: `routecheck:${opts.target}`, ...(opts.user ? { user: opts.user } : {}) };
    /** Journals the call before it is sent (a crash during it leaves an interrupted row). */
    const begin = async (model: string, promptTokens: number) => {
      const start = { callId: randomUUID(), route: { provider: route.provider, model }, startedAtMs: now() };
      await services.usage.begin(interruptedRow(start, meterContext, promptTokens), 'routecheck');
      return start;
    };
    const meter = (start: { callId: string; startedAtMs: number; route: { model: string } }, result: ChatResult | null, error: ProviderError | null) => {
      const { callId, startedAtMs } = start;
      const attempt: AttemptRecord = { callId, route: { provider: route.provider, model: start.route.model }, startedAtMs, endedAtMs: now(), ok: !error, result, error };
      const rows = attemptToUsage(attempt, meterContext);
      services.usage.record(rows, 'routecheck');
      for (const row of rows) {
        const c = effectiveCost(services.catalog, row, startedAtMs);
        if (c !== null) cost = (cost ?? 0) + c;
      }
    };
    /** `fn` gets the call's id (sent upstream as X-Client-Request-Id, as /ask's calls are). */
    const metered = async <T extends ChatResult>(model: string, promptTokens: number, fn: (callId: string) => Promise<T>): Promise<T> =>
      limit.use(async () => {
        const start = await begin(model, promptTokens);
        try {
          const r = await fn(start.callId);
          meter(start, r, null);
          return r;
        } catch (err) {
          const e = err instanceof ProviderError ? err : new ProviderError({ kind: 'server', provider: route.provider, message: (err as Error).message });
          meter(start, e.partial ?? null, e);
          throw e;
        }
      });

    const na = (reason: string): CheckOutcome => ({ status: 'n/a', reason, latency_ms: null });
    const checks = {} as Record<CheckName, CheckOutcome>;
    if (!client || !providerConfig) {
      for (const c of CHECK_NAMES) checks[c] = na(`provider "${route.provider}" is not configured`);
      checks.key = { status: 'fail', reason: `provider "${route.provider}" is not configured`, latency_ms: null };
      return { route, checks, cost_nusd: null };
    }
    if (!client.hasKey) {
      for (const c of CHECK_NAMES) checks[c] = na(`not called: ${providerConfig.api_key_env} is not set`);
      checks.key = { status: 'fail', reason: `${providerConfig.api_key_env} is not set`, latency_ms: null };
      return { route, checks, cost_nusd: null };
    }
    checks.key = { status: 'pass', reason: `${providerConfig.api_key_env} is set`, latency_ms: null };

    const req = (r: Omit<ChatRequest, 'model'>, model: string): ChatRequest => ({ ...r, model });
    const call: CheckCaller = {
      chat: (r, o) => metered(o?.model ?? route.model, promptEstimate(r.messages), (id) => client.chat({ ...req(r, o?.model ?? route.model), clientRequestId: id })),
      stream: (r) => metered(route.model, promptEstimate(r.messages), (id) => client.chatStream({ ...req(r, route.model), clientRequestId: id }, () => {})),
      listModels: () =>
        limit.use(async () => {
          const start = await begin(route.model, 0);
          try {
            const ids = await client.listModels();
            meter(start, null, null);
            return ids;
          } catch (err) {
            meter(start, null, err instanceof ProviderError ? err : new ProviderError({ kind: 'server', provider: route.provider, message: (err as Error).message }));
            throw err;
          }
        }),
    };
    const longTokens = route.context_window ? Math.min(defaultLong, route.context_window - CHECK_MAX_TOKENS - 512) : defaultLong;
    const ctx: CheckContext = { route, client, call, apiKeyEnv: providerConfig.api_key_env, longTokens };
    const [models, chat, stream, tools, json, long, error] = await Promise.all([
      checkModels(ctx),
      checkChat(ctx),
      checkStream(ctx),
      checkTools(ctx),
      checkJson(ctx),
      opts.long ? checkLong(ctx) : Promise.resolve(na('run with --long')),
      checkError(ctx),
    ]);
    Object.assign(checks, { models, chat, stream, tools, json, long, error });
    return { route, checks, cost_nusd: cost };
  }
}
