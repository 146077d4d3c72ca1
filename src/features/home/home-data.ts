// What App Home shows one person (docs/ARCHITECTURE.md §3.6 "App Home"), gathered from the
// features behind the commands so the tab and the commands never disagree: the month to date and
// the week by provider from the spend report (/spend), the balances from the balance view
// (/balance), retirements from the catalog in force with the aliases still routed to them (the
// retirement alerts' own reading), the newest route check of each alias's routes, the alerts
// recorded last and the open price proposals. Spend figures and balances are read only for a
// caller `access.spend` lets see them (the same rule as /spend and /balance).
import type { Caller } from '../access.js';
import { mayUse } from '../access.js';
import type { Services } from '../services.js';
import { spendReport, type SpendReport } from '../reports/spend.js';
import { balanceView, type BalanceView } from '../balances/view.js';
import { routesPointingAt, type RoutePointer } from '../alerts/jobs/deprecations.js';
import { parsePeriod } from '../../domain/time/period.js';
import type { DayString } from '../../domain/time/zone.js';
import type { RecentAlert } from '../../store/alert-outbox.js';
import type { StoredCheckStatus } from '../../store/routecheck-history.js';
import type { ProposalKind } from '../../store/price-proposals.js';

/** Retirements this far ahead are listed (the retirement alerts start at 30 days). */
export const RETIREMENT_HORIZON_DAYS = 90;
/** Route check runs looked back over for each route's newest result (a scheduled `all` run covers every route). */
export const ROUTECHECK_RUNS_READ = 50;
export const RECENT_ALERTS = 5;
export const PROPOSALS_SHOWN = 5;

export interface UpcomingRetirement {
  provider: string;
  model: string;
  at: string;
  replacement: string | null;
  /** Aliases whose routes still name the model. */
  pointers: RoutePointer[];
}

export interface RouteCheckOfRoute {
  provider: string;
  model: string;
  /** Null: not checked in the runs read. */
  status: 'pass' | 'fail' | null;
  finished_at: string | null;
  /** The first failing check and its reason, when it failed. */
  failure: { check: string; reason: string } | null;
}

export interface AliasCheck {
  alias: string;
  routes: RouteCheckOfRoute[];
}

export interface OpenProposal {
  id: number;
  kind: ProposalKind;
  provider: string;
  model: string;
  source: string;
  effective: string;
  suspect: boolean;
}

export interface HomeData {
  now: string;
  today: DayString;
  /** Spend and balances are for people in access.spend; false: not read, and the tab says so. */
  seesSpend: boolean;
  /** This month to date by provider (the projection and budgets with it), and the last 7 days by provider; null when not seen. */
  spend: { month: SpendReport; week: SpendReport } | null;
  /** Null when not seen, or when no provider has a balance source (the section is absent, not faked). */
  balances: BalanceView | null;
  retirements: UpcomingRetirement[];
  routeChecks: AliasCheck[];
  alerts: RecentAlert[];
  proposals: { open: number; shown: OpenProposal[] };
}

/** Each route's newest result among the recent runs: pass unless a check failed (n/a is not a failure). */
export function newestPerRoute(rows: ReadonlyArray<{ run_id: number; finished_at: string; provider: string; model: string; check: string; status: StoredCheckStatus; reason: string }>): Map<string, RouteCheckOfRoute> {
  const runOf = new Map<string, number>();
  const out = new Map<string, RouteCheckOfRoute>();
  for (const r of rows) {
    const key = `${r.provider}/${r.model}`;
    const run = runOf.get(key);
    if (run !== undefined && run !== r.run_id) continue; // an older run of a route already seen
    if (run === undefined) {
      runOf.set(key, r.run_id);
      out.set(key, { provider: r.provider, model: r.model, status: 'pass', finished_at: r.finished_at, failure: null });
    }
    const route = out.get(key)!;
    if (r.status === 'fail') {
      route.status = 'fail';
      route.failure ??= { check: r.check, reason: r.reason };
    }
  }
  return out;
}

async function routeChecksOf(services: Pick<Services, 'config' | 'store'>): Promise<AliasCheck[]> {
  const newest = newestPerRoute(await services.store.routecheck.recentResults(ROUTECHECK_RUNS_READ));
  return Object.entries(services.config.models).map(([alias, def]) => ({
    alias,
    routes: def.routes.map((r) => newest.get(`${r.provider}/${r.model}`) ?? { provider: r.provider, model: r.model, status: null, finished_at: null, failure: null }),
  }));
}

function upcomingRetirements(services: Pick<Services, 'config' | 'catalog'>, nowMs: number): UpcomingRetirement[] {
  const until = nowMs + RETIREMENT_HORIZON_DAYS * 86_400_000;
  return services.catalog
    .retirements()
    .filter((r) => r.atMs > nowMs && r.atMs <= until)
    .map((r) => ({ provider: r.provider, model: r.model, at: r.at, replacement: r.replacement ?? null, pointers: routesPointingAt(services.config.models, r.provider, r.model) }))
    // Only what someone still routes to needs doing before the date.
    .filter((r) => r.pointers.length > 0);
}

type HomeServices = Pick<Services, 'config' | 'catalog' | 'ledger' | 'store' | 'zone'>;

export interface HomeDataOptions {
  /** Where the balances come from (default: /balance's view computed now; Home passes balance-cache.ts). */
  balances?: (now: Date) => Promise<BalanceView>;
}

/** Everything the tab shows `caller` at `now`. */
export async function homeData(services: HomeServices, caller: Caller, now: Date, opts: HomeDataOptions = {}): Promise<HomeData> {
  const nowMs = now.getTime();
  const today = services.zone.dayOf(nowMs);
  const seesSpend = mayUse('spend', caller, services.config.access);
  const period = (word: string) => {
    const p = parsePeriod(word, today);
    if (!p.ok) throw new Error(p.error); // 'month' and 'week' always parse
    return p.period;
  };
  const [spend, balances, routeChecks, alerts, proposals] = await Promise.all([
    seesSpend
      ? Promise.all([
          spendReport(services.ledger, services.config.budgets, { period: period('month'), groupBy: 'provider', today }),
          spendReport(services.ledger, services.config.budgets, { period: period('week'), groupBy: 'provider', today }),
        ]).then(([month, week]) => ({ month, week }))
      : null,
    seesSpend ? (opts.balances ?? ((at: Date) => balanceView(services, at)))(now) : null,
    routeChecksOf(services),
    services.store.alerts.recent(RECENT_ALERTS),
    services.store.proposals.list('proposed'),
  ]);
  return {
    now: now.toISOString(),
    today,
    seesSpend,
    spend,
    balances: balances && balances.lines.length > 0 ? balances : null,
    retirements: upcomingRetirements(services, nowMs),
    routeChecks,
    alerts,
    proposals: {
      open: proposals.length,
      shown: proposals.slice(0, PROPOSALS_SHOWN).map((p) => ({ id: p.id, kind: p.kind, provider: p.provider, model: p.model, source: p.source, effective: p.effective, suspect: p.suspect })),
    },
  };
}
