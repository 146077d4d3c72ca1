// Kimi (Moonshot)'s balance: GET {base}/v1/users/me/balance with the API key (docs/PROVIDERS.md
// §6): `{"code":0,"data":{"available_balance":49.58894,"voucher_balance":46.58893,
// "cash_balance":3.00001},"scode":"0x0","status":true}`, amounts as JSON numbers, USD on .ai and
// CNY on .cn (the currency comes from the config, src/config/balances.ts). Cash can go negative
// while vouchers pay; calls are refused once the available balance is ≤ 0.
import type { BalanceReading } from '../../domain/money/balance.js';
import { fieldReader, pickDetail } from './fields.js';
import { BalanceError, type ParseContext } from './types.js';

export function parseMoonshotBalance(body: unknown, ctx: ParseContext & { currency: string }): BalanceReading {
  const f = fieldReader(ctx.provider);
  const root = f.object(body, '');
  if (root.status === false || (typeof root.code === 'number' && root.code !== 0)) {
    throw new BalanceError(ctx.provider, 'http', `the reply says it failed (code ${String(root.code ?? '?')}${typeof root.error === 'string' ? `: ${root.error.slice(0, 80)}` : ''})`);
  }
  const data = f.object(body, 'data');
  const available = f.amount(body, 'data.available_balance');
  const voucher = f.optionalAmount(body, 'data.voucher_balance');
  const cash = f.optionalAmount(body, 'data.cash_balance');
  return {
    provider: ctx.provider,
    kind: 'moonshot',
    currency: ctx.currency,
    balance_nano: available,
    available: available > 0n,
    ...(voucher !== undefined ? { voucher_nano: voucher } : {}),
    ...(cash !== undefined ? { cash_nano: cash } : {}),
    at: ctx.at,
    detail: pickDetail(data, ['available_balance', 'voucher_balance', 'cash_balance']),
  };
}
