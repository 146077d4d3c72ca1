// One poll of every provider's prepaid balance (docs/ARCHITECTURE.md §3.1 `balance poll`, §3.7
// `balances`): the sources are read concurrently (the wall time is the slowest one's), each good
// reading is recorded as a snapshot with the top-ups and grants since the provider's previous
// one (src/store/balances.ts), and each failure is kept with its short, key-free message. A bad
// reply records nothing. Providers whose source needs a variable that is not set, and providers
// with no source, are listed as not polled with the reason.
import type { BalanceKind } from '../../config/schema.js';
import type { BalanceReading } from '../../domain/money/balance.js';
import type { RecordedBalance } from '../../store/balances.js';
import { BalanceError, type BalanceSource } from '../../upstream/balances/types.js';
import type { Services } from '../services.js';

export type BalancePoll = { provider: string; kind: BalanceKind; url: string } & (
  | {
      ok: true;
      reading: BalanceReading;
      /** What was recorded (null when the poll records nothing: a dry run). */
      recorded: RecordedBalance | null;
    }
  | { ok: false; error: BalanceError }
);

export interface NotPolled {
  provider: string;
  /** Why: the variables not set, or why the provider has no balance source (config.balances). */
  reason: string;
}

export interface PollOutcome {
  /** The providers read, in config order. */
  results: BalancePoll[];
  notPolled: NotPolled[];
}

export interface PollOptions {
  /** The readings' time. */
  now: Date;
  /** Record snapshots and events (default true; false for `alerts run --dry-run`). */
  record?: boolean;
  /** Each source's whole read (default DEFAULT_BALANCE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Stops every read (shutdown). */
  signal?: AbortSignal;
}

/** The sources that can be polled now, and the providers left out with why. */
export function pollPlan(services: Pick<Services, 'config' | 'balances'>): { sources: BalanceSource[]; notPolled: NotPolled[] } {
  const sources: BalanceSource[] = [];
  const notPolled: NotPolled[] = [];
  for (const [provider, setting] of Object.entries(services.config.balances)) {
    const source = services.balances.get(provider);
    if (!setting.source || !source) notPolled.push({ provider, reason: setting.reason });
    else if (source.missing.length) notPolled.push({ provider, reason: `${source.missing.join(' and ')} ${source.missing.length === 1 ? 'is' : 'are'} not set` });
    else sources.push(source);
  }
  return { sources, notPolled };
}

/** Top-ups and grants a recorded reading brought, summed by kind (null: none). */
export function addedSince(recorded: RecordedBalance | null): { top_up_nano: bigint | null; grant_nano: bigint | null } {
  const sum = (kind: 'top_up' | 'grant') => {
    const of = (recorded?.events ?? []).filter((e) => e.kind === kind);
    return of.length ? of.reduce((a, e) => a + e.amount_nano, 0n) : null;
  };
  return { top_up_nano: sum('top_up'), grant_nano: sum('grant') };
}

/** Polls every provider with a balance source once, concurrently; records the good readings. */
export async function pollBalances(services: Pick<Services, 'config' | 'balances' | 'store' | 'log'>, opts: PollOptions): Promise<PollOutcome> {
  const log = services.log.child({ component: 'balances' });
  const { sources, notPolled } = pollPlan(services);
  const settled = await Promise.allSettled(
    sources.map((s) => s.read({ now: opts.now, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.signal ? { signal: opts.signal } : {}) })),
  );
  const results: BalancePoll[] = [];
  for (const [i, outcome] of settled.entries()) {
    const source = sources[i]!;
    const base = { provider: source.provider, kind: source.kind, url: source.url };
    if (outcome.status === 'rejected') {
      const err = outcome.reason;
      if (!(err instanceof BalanceError)) log.error({ err, provider: source.provider }, 'balance read failed on our side');
      const error = err instanceof BalanceError ? err : new BalanceError(source.provider, 'http', 'failed on our side; the error is logged');
      log.warn({ provider: source.provider, reason: error.reason, status: error.status }, error.message);
      if (opts.record !== false) await services.store.balances.recordFailure(source.provider, opts.now.toISOString(), error.message);
      results.push({ ...base, ok: false, error });
      continue;
    }
    const reading = outcome.value;
    const recorded = opts.record === false ? null : await services.store.balances.record(reading);
    for (const e of recorded?.events ?? []) log.info({ provider: reading.provider, kind: e.kind, amount_nano: String(e.amount_nano), currency: e.currency }, 'balance rose: recorded as money added');
    results.push({ ...base, ok: true, reading, recorded });
  }
  return { results, notPolled };
}
