// The balances App Home shows, kept for a while: /balance's view (src/features/balances/view.ts)
// compares each provider's burn with the ledger's spend over the same days, which reads a week
// of ledger rows per model — about 200 ms at a 10M-row ledger (README "Benchmarks", App Home) —
// while what it shows only changes when balances are polled (hourly by default). So Home reuses
// one view for `ttlMs` within the same local day, and the balances job's end drops it
// (src/adapters/slack/home.ts): a poll by `routeops balance poll` in another process shows within
// `ttlMs`.
import { balanceView, type BalanceView } from '../balances/view.js';
import type { Services } from '../services.js';

export const BALANCE_VIEW_TTL_MS = 10 * 60_000;

export interface BalanceCache {
  /** The view as of `now`, or the one computed less than ttlMs before it on the same day. */
  get(now: Date): Promise<BalanceView>;
  /** The next get() computes afresh (a poll recorded new snapshots). */
  invalidate(): void;
}

export function createBalanceCache(services: Pick<Services, 'config' | 'store' | 'ledger' | 'zone'>, ttlMs = BALANCE_VIEW_TTL_MS): BalanceCache {
  let kept: { atMs: number; day: string; view: Promise<BalanceView> } | null = null;
  return {
    get(now) {
      const atMs = now.getTime();
      const day = services.zone.dayOf(atMs);
      if (kept && kept.day === day && atMs >= kept.atMs && atMs - kept.atMs < ttlMs) return kept.view;
      const view = balanceView(services, now);
      const entry = { atMs, day, view };
      kept = entry;
      // A failed read is not kept.
      view.catch(() => {
        if (kept === entry) kept = null;
      });
      return view;
    },
    invalidate() {
      kept = null;
    },
  };
}
