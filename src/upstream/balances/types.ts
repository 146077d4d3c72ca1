// The balance sources' shared types (docs/ARCHITECTURE.md §3.1 `balance poll`): a source reads
// one provider's prepaid balance (docs/PROVIDERS.md §6) into a BalanceReading, or throws a
// BalanceError whose message is short, safe to show and log (never a key), and starts with
// "balance unavailable:".
import type { BalanceKind } from '../../config/schema.js';
import type { BalanceReading } from '../../domain/money/balance.js';

export type { BalanceReading };

/** Why a balance could not be read. */
export type BalanceErrorReason =
  | 'timeout'
  | 'connection'
  | 'aborted'
  | 'http'
  | 'auth'
  | 'signature'
  | 'html'
  | 'not_json'
  | 'field_missing'
  | 'bad_amount'
  | 'no_balance';

export class BalanceError extends Error {
  constructor(
    readonly provider: string,
    readonly reason: BalanceErrorReason,
    /** What went wrong and what to check, in a few words (no "balance unavailable:" prefix). */
    readonly why: string,
    readonly status: number | null = null,
  ) {
    super(`balance unavailable: ${why}`);
    this.name = 'BalanceError';
  }
}

/** What a kind's parser needs besides the reply body. */
export interface ParseContext {
  provider: string;
  /** The reading's time, ISO-8601 UTC. */
  at: string;
  /** The configured currency (deepseek: which balance_infos entry to take; moonshot, json: the amount's currency). */
  currency?: string;
}

export interface ReadBalanceOptions {
  /** The reading's time (the poll's `now`). */
  now: Date;
  /** The whole read (connect, headers, body). Default DEFAULT_BALANCE_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Stops the read early (shutdown). */
  signal?: AbortSignal;
}

/** A balance endpoint read concurrently with the others; keys bound when it was made. */
export interface BalanceSource {
  provider: string;
  kind: BalanceKind;
  /** The endpoint, without query or credentials (for messages). */
  url: string;
  /** The variables it needs that are not set: while any is missing it is not polled. */
  missing: string[];
  /** Reads the balance now; throws BalanceError. */
  read(opts: ReadBalanceOptions): Promise<BalanceReading>;
}

/** Balance endpoints answer in well under a second; a slow one must not hold the poll long. */
export const DEFAULT_BALANCE_TIMEOUT_MS = 15_000;
