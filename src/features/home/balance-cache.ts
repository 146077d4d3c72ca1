// The balances App Home shows, kept for a while: what /balance's view (src/features/balances/view.ts)
// shows only changes when balances are polled (hourly by default), so Home reuses one view for
// `ttlMs` within the same local day, and the balances job's end drops it
// (src/adapters/slack/home.ts): a poll by `routeops balance poll` in another process shows within
// `ttlMs`. Not needed for speed any more: the view's ledger spend reads the daily rollup
// (src/store/ledger/model-spend.ts), and a view computed afresh takes ~2 ms at a 10M-row ledger,
// a Home build with it ~7 ms, as fast as one with the kept view (README "Benchmarks", App Home).
// Kept because it is cheap and spares the view's dozen snapshot reads per provider on every
// build when many people open Home at once, e.g. the re-publishes after a job.
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
