// OpenRouter's balance (docs/PROVIDERS.md §6), in USD:
// - GET /api/v1/key with any key: `{"data":{"usage":25.5,"limit":100,"limit_remaining":74.5,
//   "limit_reset":null,"usage_daily":…,…}}`. The balance is what the key may still spend,
//   limit_remaining, so a key without a limit (limit null) has none to read;
// - GET /api/v1/credits with a management key: `{"data":{"total_credits":50,"total_usage":12.5}}`,
//   the account's balance total_credits − total_usage. A normal key has been seen to get 200
//   with both zero, which is read as a wrong key, not as an empty account.
// The key's `label` (a masked key) is never kept.
import type { BalanceReading } from '../../domain/money/balance.js';
import { atPath, fieldReader, pickDetail } from './fields.js';
import { BalanceError, type ParseContext } from './types.js';

const KEY_DETAIL = ['limit', 'limit_remaining', 'limit_reset', 'usage', 'usage_daily', 'usage_weekly', 'usage_monthly', 'is_free_tier'] as const;

/** The reading from a /api/v1/key body; `fix` names what to configure when the key has no limit. */
export function parseOpenrouterKey(body: unknown, ctx: ParseContext & { fix: string }): BalanceReading {
  const f = fieldReader(ctx.provider);
  const data = f.object(body, 'data');
  const usage = f.optionalAmount(body, 'data.usage');
  if (atPath(body, 'data.limit') === null) {
    throw new BalanceError(ctx.provider, 'no_balance', `this OpenRouter key has no credit limit, so /api/v1/key reports spend, not a balance; ${ctx.fix}`);
  }
  const limit = f.amount(body, 'data.limit');
  // limit_remaining is documented; a reply without it still gives limit − usage exactly.
  let remaining = f.optionalAmount(body, 'data.limit_remaining');
  if (remaining === undefined) {
    if (usage === undefined) throw f.missing('data.limit_remaining');
    remaining = limit - usage;
  }
  return {
    provider: ctx.provider,
    kind: 'openrouter',
    currency: 'USD',
    balance_nano: remaining,
    available: remaining > 0n,
    limit_nano: limit,
    ...(usage !== undefined ? { usage_nano: usage } : {}),
    at: ctx.at,
    detail: { endpoint: 'key', ...pickDetail(data, KEY_DETAIL) },
  };
}

/** The reading from a /api/v1/credits body; `keyEnv` names the management key's variable. */
export function parseOpenrouterCredits(body: unknown, ctx: ParseContext & { keyEnv: string }): BalanceReading {
  const f = fieldReader(ctx.provider);
  const data = f.object(body, 'data');
  const credits = f.amount(body, 'data.total_credits');
  const usage = f.amount(body, 'data.total_usage');
  if (credits === 0n && usage === 0n) {
    throw new BalanceError(ctx.provider, 'auth', `/api/v1/credits reported 0 credits and 0 usage, as it does for a key that is not a management key; check that ${ctx.keyEnv} holds a management key`);
  }
  const balance = credits - usage;
  return {
    provider: ctx.provider,
    kind: 'openrouter',
    currency: 'USD',
    balance_nano: balance,
    available: balance > 0n,
    limit_nano: credits,
    usage_nano: usage,
    at: ctx.at,
    detail: { endpoint: 'credits', ...pickDetail(data, ['total_credits', 'total_usage']) },
  };
}
