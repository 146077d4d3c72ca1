// DeepSeek's balance: GET {base}/user/balance with the API key (docs/PROVIDERS.md §6):
// `{"is_available":true,"balance_infos":[{"currency":"USD","total_balance":"110.50",
// "granted_balance":"10.00","topped_up_balance":"100.50"}]}`, amounts as decimal strings.
import type { BalanceReading } from '../../domain/money/balance.js';
import { truncateForMessage } from '../../domain/text.js';
import { fieldReader, pickDetail } from './fields.js';
import { BalanceError, type ParseContext } from './types.js';

/**
 * The reading from a /user/balance body. An account with balances in several currencies gets the
 * entry of the configured currency, else the first one listed.
 */
export function parseDeepseekBalance(body: unknown, ctx: ParseContext): BalanceReading {
  const f = fieldReader(ctx.provider);
  const root = f.object(body, '');
  const infos = root.balance_infos;
  if (!Array.isArray(infos) || infos.length === 0) throw f.missing('balance_infos');
  // Currency codes are compared in capitals ("usd" is USD).
  const codeOf = (c: unknown) => (typeof c === 'string' ? c.trim().toUpperCase() : c);
  const currencies = infos.map((i) => (typeof i === 'object' && i !== null ? codeOf((i as Record<string, unknown>).currency) : undefined));
  const index = ctx.currency === undefined ? 0 : currencies.indexOf(ctx.currency);
  if (index < 0) {
    const listed = currencies.filter((c) => typeof c === 'string').join(', ') || 'none';
    throw new BalanceError(ctx.provider, 'field_missing', `balance_infos has no ${ctx.currency} entry (listed: ${truncateForMessage(listed, 40)}); check balance.currency`);
  }
  const path = `balance_infos.${index}`;
  const info = f.object(body, path);
  const currency = codeOf(info.currency);
  if (typeof currency !== 'string') throw f.missing(`${path}.currency`);
  if (!/^[A-Z]{3}$/.test(currency)) throw new BalanceError(ctx.provider, 'field_missing', `${path}.currency is "${truncateForMessage(currency, 12)}", not a currency code like USD`);
  const total = f.amount(body, `${path}.total_balance`);
  const granted = f.optionalAmount(body, `${path}.granted_balance`);
  const toppedUp = f.optionalAmount(body, `${path}.topped_up_balance`);
  const available = typeof root.is_available === 'boolean' ? root.is_available : null;
  return {
    provider: ctx.provider,
    kind: 'deepseek',
    currency,
    balance_nano: total,
    available,
    ...(granted !== undefined ? { granted_nano: granted } : {}),
    ...(toppedUp !== undefined ? { topped_up_nano: toppedUp } : {}),
    at: ctx.at,
    detail: {
      ...pickDetail(root, ['is_available']),
      ...pickDetail(info, ['currency', 'total_balance', 'granted_balance', 'topped_up_balance']),
      ...(infos.length > 1 ? { currencies: currencies.filter((c) => typeof c === 'string').join(',') } : {}),
    },
  };
}
