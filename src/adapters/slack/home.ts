// App Home (docs/ARCHITECTURE.md §3.6 "App Home"): `app_home_opened` on the Home tab publishes
// that person's view (home-view.ts over src/features/home/home-data.ts) with `views.publish`,
// and a change — an alert job finished, a route check ran, a button acted, or the periodic
// rebuild — publishes again for the people who opened the tab recently, when what they would see
// changed.
//
// Who opened the tab is kept in memory, not in the database: Slack sends `app_home_opened` every
// time someone opens the tab, and each open publishes a fresh view, so after a restart nobody
// sees stale figures for longer than until their next look. What a restart loses is only the
// refresh of a tab left open across it.
//
// Rate limits: `views.publish` is Slack's Tier 4, 100+ calls a minute per workspace
// (docs/PROVIDERS.md §5). routeops stays well under it (HOME_LIMITS): an open is published at
// once (unless the same content went to that person less than a minute ago); refreshes of one
// person at most once a minute, the changes in between coalesced into one publish at the
// minute's end; every publish draws on one workspace budget of 50 a minute (a token bucket:
// beyond it a publish waits for a token). A refresh whose content did not change is not sent.
import { createHash } from 'node:crypto';
import type { App as BoltApp } from '@slack/bolt';
import type { Logger } from 'pino';
import { mayUse } from '../../features/access.js';
import { homeData } from '../../features/home/home-data.js';
import { createBalanceCache } from '../../features/home/balance-cache.js';
import type { Services } from '../../features/services.js';
import { homeView, UPDATED_BLOCK_ID, type HomeView } from './home-view.js';

export interface HomeLimits {
  /** Someone who opened the tab this recently gets refreshes after changes. */
  recentViewerMs: number;
  /** Refreshes (not opens) of one person's tab: at most one per this. */
  perUserMs: number;
  /** views.publish calls a minute for the whole workspace (burst: the same number). */
  perMinute: number;
  /** Recent viewers' tabs are rebuilt this often anyway: spend moves with traffic, and the CLI changes things from another process. 0: never. */
  periodicMs: number;
}

export const HOME_LIMITS: HomeLimits = { recentViewerMs: 30 * 60_000, perUserMs: 60_000, perMinute: 50, periodicMs: 5 * 60_000 };

/** Views built for one audience are shared this long (many people opening at once build once). */
const BUILD_SHARE_MS = 2000;

export interface HomePublisherDeps {
  views: { publish(args: { user_id: string; view: HomeView }): Promise<unknown> };
  /** The view one person sees now. */
  build(user: string): Promise<HomeView>;
  /** People with the same audience see the same view (their access). */
  audienceOf(user: string): string;
  log: Logger;
  limits?: Partial<HomeLimits>;
  /** Real time in ms (rate limits count real seconds, whatever the services' clock says). */
  now?: () => number;
  /** Runs `fn` in `ms` (default: an unref'd setTimeout: a waiting refresh never keeps the process up). */
  timer?: (fn: () => void, ms: number) => { cancel(): void };
}

function realTimer(fn: () => void, ms: number): { cancel(): void } {
  const handle = setTimeout(fn, ms);
  handle.unref();
  return { cancel: () => clearTimeout(handle) };
}

interface Viewer {
  openedMs: number;
  /** When the last refresh was sent (opens do not count). */
  refreshedMs: number;
  publishedMs: number;
  /** What the person was last sent, without its "Updated" line. */
  fingerprint: string | null;
  timer: { cancel(): void } | null;
  busy: boolean;
  /** A change arrived while busy: look again after. */
  again: boolean;
}

/** What a view says, without when it was built: equal fingerprints need no publish. */
export function fingerprintOf(view: HomeView): string {
  const content = view.blocks.filter((b) => (b as { block_id?: string }).block_id !== UPDATED_BLOCK_ID);
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

export class HomePublisher {
  private readonly limits: HomeLimits;
  private readonly now: () => number;
  private readonly timer: NonNullable<HomePublisherDeps['timer']>;
  private readonly viewers = new Map<string, Viewer>();
  private readonly pending = new Set<Promise<void>>();
  private readonly shared = new Map<string, { atMs: number; view: Promise<HomeView> }>();
  private tokens: number;
  private tokensAtMs: number;
  private readonly periodic: NodeJS.Timeout | null;
  private stopped = false;

  constructor(private readonly deps: HomePublisherDeps) {
    this.limits = { ...HOME_LIMITS, ...deps.limits };
    this.now = deps.now ?? Date.now;
    this.timer = deps.timer ?? realTimer;
    this.tokens = this.limits.perMinute;
    this.tokensAtMs = this.now();
    this.periodic = this.limits.periodicMs > 0 ? setInterval(() => this.changed('periodic'), this.limits.periodicMs) : null;
    this.periodic?.unref();
  }

  /** Someone opened their Home tab: publish their view now. */
  opened(user: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const now = this.now();
    const v = this.viewers.get(user) ?? { openedMs: now, refreshedMs: 0, publishedMs: 0, fingerprint: null, timer: null, busy: false, again: false };
    v.openedMs = now;
    this.viewers.set(user, v);
    return this.run(user, v, 'open');
  }

  /** What the tab shows may have changed: refresh it for recent viewers, within the limits. */
  changed(reason: string): void {
    if (this.stopped) return;
    this.shared.clear();
    const now = this.now();
    for (const [user, v] of this.viewers) {
      if (now - v.openedMs > this.limits.recentViewerMs) {
        v.timer?.cancel();
        this.viewers.delete(user);
        continue;
      }
      if (v.busy) v.again = true;
      else if (!v.timer) this.schedule(user, v, this.limits.perUserMs - (now - v.refreshedMs));
    }
    this.deps.log.debug({ reason, viewers: this.viewers.size }, 'home refresh requested');
  }

  /** Resolves when no publish is running (a refresh waiting for its window is not running: stop() drops those). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Stops the timers: refreshes still waiting are dropped (the next open publishes afresh). */
  stop(): void {
    this.stopped = true;
    if (this.periodic) clearInterval(this.periodic);
    for (const v of this.viewers.values()) {
      v.timer?.cancel();
      v.timer = null;
    }
  }

  /** A refresh in `delayMs` (now when ≤ 0). */
  private schedule(user: string, v: Viewer, delayMs: number): void {
    if (delayMs <= 0) {
      void this.run(user, v, 'refresh');
      return;
    }
    v.timer = this.timer(() => {
      v.timer = null;
      void this.run(user, v, 'refresh');
    }, delayMs);
  }

  private track(p: Promise<void>): Promise<void> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }

  private run(user: string, v: Viewer, kind: 'open' | 'refresh'): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (v.busy) {
      v.again = true;
      return Promise.resolve();
    }
    v.busy = true;
    return this.track(
      this.publish(user, v, kind)
        .catch((err: unknown) => this.deps.log.warn({ code: (err as { data?: { error?: string } }).data?.error ?? (err as Error).message }, 'home view not published'))
        .finally(() => {
          v.busy = false;
          if (v.again && !this.stopped) {
            v.again = false;
            if (!v.timer) this.schedule(user, v, this.limits.perUserMs - (this.now() - v.refreshedMs));
          }
        }),
    );
  }

  private async publish(user: string, v: Viewer, kind: 'open' | 'refresh'): Promise<void> {
    const view = await this.viewFor(user);
    const fingerprint = fingerprintOf(view);
    const now = this.now();
    // Nothing new for this person: a refresh is not sent; an open re-sends only once the last is a while old.
    if (fingerprint === v.fingerprint && (kind === 'refresh' || now - v.publishedMs < this.limits.perUserMs)) return;
    const wait = this.takeToken(now);
    if (wait > 0) {
      // Over the workspace budget: this publish waits for a token (as a refresh, rebuilt then).
      if (!v.timer) this.schedule(user, v, wait);
      return;
    }
    if (kind === 'refresh') v.refreshedMs = now;
    v.publishedMs = now;
    v.fingerprint = fingerprint;
    try {
      await this.deps.views.publish({ user_id: user, view });
    } catch (err) {
      v.fingerprint = null; // not shown: the next look sends it again
      throw err;
    }
  }

  private viewFor(user: string): Promise<HomeView> {
    const audience = this.deps.audienceOf(user);
    const now = this.now();
    const hit = this.shared.get(audience);
    if (hit && now - hit.atMs < BUILD_SHARE_MS) return hit.view;
    const view = this.deps.build(user);
    this.shared.set(audience, { atMs: now, view });
    void view.catch(() => this.shared.delete(audience));
    return view;
  }

  /** 0 when a token was taken, else the ms until one is there. */
  private takeToken(now: number): number {
    const perMs = this.limits.perMinute / 60_000;
    this.tokens = Math.min(this.limits.perMinute, this.tokens + (now - this.tokensAtMs) * perMs);
    this.tokensAtMs = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / perMs);
  }
}

export interface HomeDeps {
  services: Services;
  log: Logger;
  limits?: Partial<HomeLimits>;
}

export interface Home {
  /** Something Home shows may have changed (`reason`: the job's name, `routecheck`, `action`). */
  changed(reason: string): void;
  stop(): void;
  idle(): Promise<void>;
}

/** Registers `app_home_opened` and returns what refreshes and stops it. */
export function registerHome(app: BoltApp, deps: HomeDeps): Home {
  const { services } = deps;
  const log = deps.log.child({ component: 'home' });
  const balances = createBalanceCache(services);
  const home = new HomePublisher({
    views: { publish: (args) => app.client.views.publish(args) },
    build: async (user) => homeView(await homeData(services, { id: user, local: false }, services.clock(), { balances: (now) => balances.get(now) })),
    audienceOf: (user) => (mayUse('spend', { id: user, local: false }, services.config.access) ? 'spend' : 'no-spend'),
    log,
    ...(deps.limits ? { limits: deps.limits } : {}),
  });
  app.event('app_home_opened', async ({ event }) => {
    // The Messages tab sends the same event: only the Home tab has a view to publish.
    if (event.tab !== 'home' || typeof event.user !== 'string' || !event.user) return;
    await home.opened(event.user);
  });
  return {
    changed(reason) {
      // The balances job polled: the kept balance view is out of date.
      if (reason === 'balances') balances.invalidate();
      home.changed(reason);
    },
    stop: () => home.stop(),
    idle: () => home.idle(),
  };
}
