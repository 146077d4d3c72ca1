// Prepaid balances (docs/ARCHITECTURE.md §3.8 `balance_snapshots`, docs/PROVIDERS.md §6): one
// reading type for every provider's balance API, and what a rise between two readings means.
// Amounts are integer nano-units of the reading's own currency (1 USD = 1e9, 1 CNY = 1e9), never
// converted between currencies here.
import type { BalanceKind } from '../../config/schema.js';
import { formatNanoAmount } from './units.js';

/** One provider's balance as its API reported it at one time. */
export interface BalanceReading {
  provider: string;
  kind: BalanceKind;
  /** ISO 4217 code: USD, CNY, … */
  currency: string;
  /** What is left to spend, in nano-units of `currency` (may be negative: Kimi's cash, Alibaba's arrears). */
  balance_nano: bigint;
  /** Whether the provider says calls are served (DeepSeek is_available; Kimi available > 0; OpenRouter remaining > 0); null: not reported. */
  available: boolean | null;
  /** DeepSeek granted_balance: given by the provider, spent first. */
  granted_nano?: bigint;
  /** DeepSeek topped_up_balance: paid in. */
  topped_up_nano?: bigint;
  /** Kimi voucher_balance. */
  voucher_nano?: bigint;
  /** Kimi cash_balance (negative when vouchers ran out and calls ran on). */
  cash_nano?: bigint;
  /** OpenRouter: spent so far (on the key, or the account's total_usage from /credits). */
  usage_nano?: bigint;
  /** OpenRouter: the key's credit limit (/key), or the account's total_credits (/credits). */
  limit_nano?: bigint;
  /** When it was read (ISO-8601 UTC). */
  at: string;
  /** The reply's amounts as sent (decimal strings or numbers), for the record: never a key, label or id. */
  detail: Record<string, string | number | boolean | null>;
}

export type BalanceEventKind = 'top_up' | 'grant';

/** Money added between two readings of the same provider and currency: never negative spend. */
export interface BalanceEvent {
  kind: BalanceEventKind;
  amount_nano: bigint;
}

/** The parts of a reading that only money added can raise: what was given, and what was paid in. */
type Parts = { given: bigint; paid: bigint };

function partsOf(r: Pick<BalanceReading, 'granted_nano' | 'topped_up_nano' | 'voucher_nano' | 'cash_nano'>): Parts | null {
  if (r.granted_nano !== undefined && r.topped_up_nano !== undefined) return { given: r.granted_nano, paid: r.topped_up_nano };
  if (r.voucher_nano !== undefined && r.cash_nano !== undefined) return { given: r.voucher_nano, paid: r.cash_nano };
  return null;
}

export type BalanceEventInput = Pick<BalanceReading, 'currency' | 'balance_nano' | 'granted_nano' | 'topped_up_nano' | 'voucher_nano' | 'cash_nano'>;

/**
 * What was added between `prev` and `cur` (consecutive readings of one provider; another currency
 * gives nothing). Spending only ever lowers a balance and each of its parts, so:
 * - when both readings split the balance into a given part (DeepSeek granted, Kimi voucher) and a
 *   paid part (DeepSeek topped_up, Kimi cash), a rise of the paid part is a `top_up` of that rise
 *   and a rise of the given part a `grant` (a top-up hidden by spending from the granted part in
 *   the same hour is still seen);
 * - otherwise a rise of the whole balance is a `top_up` of the difference (for an OpenRouter key
 *   with a limit, the limit raised or reset reads so too).
 * A fall is spending and gives no event.
 */
export function balanceEvents(prev: BalanceEventInput | null, cur: BalanceEventInput): BalanceEvent[] {
  if (!prev || prev.currency !== cur.currency) return [];
  const before = partsOf(prev);
  const after = partsOf(cur);
  const out: BalanceEvent[] = [];
  if (before && after) {
    if (after.paid > before.paid) out.push({ kind: 'top_up', amount_nano: after.paid - before.paid });
    if (after.given > before.given) out.push({ kind: 'grant', amount_nano: after.given - before.given });
    return out;
  }
  if (cur.balance_nano > prev.balance_nano) out.push({ kind: 'top_up', amount_nano: cur.balance_nano - prev.balance_nano });
  return out;
}

/** An amount with its currency, exact: "USD 110.50", "CNY -3.00001". */
export function formatBalance(nano: bigint, currency: string): string {
  return `${currency} ${formatNanoAmount(nano)}`;
}
