// A workspace-wide budget for interim progress updates (chat.update is Tier 3, ~50 a minute per
// workspace): a token bucket shared by every answer of one Slack adapter. An answer whose
// interim update finds no token keeps its text pending and tries again at its next tick; the
// final rendering of an answer never asks the budget.

export interface UpdateBudget {
  /** Takes one interim update from the budget; false when there is none left right now. */
  take(): boolean;
}

export interface UpdateBudgetOptions {
  /** Interim updates allowed per second, workspace-wide. Default 1. */
  perSecond?: number;
  /** Updates that may go at once after a quiet spell. Default 5. */
  burst?: number;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
}

export function createUpdateBudget(opts: UpdateBudgetOptions = {}): UpdateBudget {
  const perMs = (opts.perSecond ?? 1) / 1000;
  const burst = Math.max(1, opts.burst ?? 5);
  const now = opts.now ?? Date.now;
  let tokens = burst;
  let at = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(burst, tokens + (t - at) * perMs);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/** No limit (a single answer, tests, or callers that do not share a workspace). */
export const UNLIMITED_UPDATES: UpdateBudget = { take: () => true };
