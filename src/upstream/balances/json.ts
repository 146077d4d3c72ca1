// A generic balance endpoint (gateways such as Flatkey): GET `url`, with `Authorization: Bearer`
// only when `key_env` is given (the url may be another host than the provider's: its key is not
// sent there unasked), the amount at the dot path `field` (a decimal string or a JSON number) in
// the configured `currency`.
import type { BalanceReading } from '../../domain/money/balance.js';
import { atPath, fieldReader } from './fields.js';
import type { ParseContext } from './types.js';

export function parseJsonBalance(body: unknown, ctx: ParseContext & { field: string; currency: string }): BalanceReading {
  const f = fieldReader(ctx.provider);
  const balance = f.amount(body, ctx.field);
  const sent = atPath(body, ctx.field);
  return {
    provider: ctx.provider,
    kind: 'json',
    currency: ctx.currency,
    balance_nano: balance,
    available: null,
    at: ctx.at,
    // The amount as sent, under its path: nothing else of an unknown reply is kept.
    detail: { [ctx.field]: typeof sent === 'number' ? sent : String(sent).slice(0, 64) },
  };
}
