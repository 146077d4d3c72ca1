// The balance endpoints, at the providers' documented paths under each profile's base and in
// their documented shapes (docs/PROVIDERS.md §6):
//   DeepSeek   GET /deepseek/user/balance            {"is_available","balance_infos":[{"currency","total_balance",
//                                                     "granted_balance","topped_up_balance"}]}  amounts: strings, 2 decimals
//   Kimi       GET /kimi/v1/users/me/balance         {"code":0,"data":{"available_balance","voucher_balance",
//                                                     "cash_balance"},"scode":"0x0","status":true}  numbers, 5 decimals
//   OpenRouter GET /openrouter/api/v1/key (and the older /auth/key)  {"data":{"label","limit","limit_reset",
//                                                     "limit_remaining","usage","usage_daily",…,"is_free_tier"}}
//              GET /openrouter/api/v1/credits        {"data":{"total_credits","total_usage"}}: a management
//                                                     key only; any other key gets 200 with zeros
// The same auth as chat (no key or the bad key: 401 in the provider's shape), and the balance
// faults of balances.ts. The accounts are balances.ts.
import type { ServerResponse } from 'node:http';
import { amountNumber, fixedAmount } from './amounts.js';
import { keyWindows, type BalanceFaults, type SimBalances } from './balances.js';
import { statusCategory } from './faults.js';
import { sendError, sendJson } from './http-io.js';
import type { BalanceProfile } from './prices.js';
import type { Profile } from './profile.js';
import { PROFILES } from './profiles.js';
import { sendCaptivePage } from './respond.js';

export type BalanceEndpoint = 'deepseek' | 'kimi' | 'openrouter-key' | 'openrouter-credits';

/** Balance paths relative to each profile's first base (profiles.ts). */
const PATHS: Array<{ profile: BalanceProfile; rel: string; endpoint: BalanceEndpoint }> = [
  { profile: 'deepseek', rel: '/user/balance', endpoint: 'deepseek' },
  { profile: 'kimi', rel: '/users/me/balance', endpoint: 'kimi' },
  { profile: 'openrouter', rel: '/key', endpoint: 'openrouter-key' },
  { profile: 'openrouter', rel: '/auth/key', endpoint: 'openrouter-key' },
  { profile: 'openrouter', rel: '/credits', endpoint: 'openrouter-credits' },
];

/** The balance endpoint a GET path names, or null. */
export function balanceEndpointOf(method: string, path: string): { profile: BalanceProfile; endpoint: BalanceEndpoint } | null {
  if (method !== 'GET') return null;
  const hit = PATHS.find((p) => `${PROFILES[p.profile].bases[0]}${p.rel}` === path);
  return hit ? { profile: hit.profile, endpoint: hit.endpoint } : null;
}

/** Every balance URL path, for the banner and the docs. */
export const BALANCE_PATHS = PATHS.filter((p) => p.rel !== '/auth/key').map((p) => `${PROFILES[p.profile].bases[0]}${p.rel}`);

/** Drops the field a missingField fault names (true: the amount field) from `data`, else from the top. */
function dropField(body: Record<string, unknown>, data: Record<string, unknown>, missing: BalanceFaults['missingField'], amountField: string): void {
  if (!missing) return;
  const name = missing === true ? amountField : missing;
  if (name in data) delete data[name];
  else delete body[name];
}

/**
 * Answers a balance request. `bearer` is the key sent ('' for none); `authorized` says the
 * simulator takes it (any non-empty key but the bad one).
 */
export function serveBalance(
  book: SimBalances,
  res: ServerResponse,
  target: { profile: BalanceProfile; endpoint: BalanceEndpoint },
  bearer: string,
  authorized: boolean,
  reqId: string,
): void {
  const profile: Profile = PROFILES[target.profile];
  if (!authorized) return sendError(res, profile, 'auth', {}, reqId);
  const faults = book.takeFaults(target.profile);
  if (faults?.hang) return; // no answer: the caller's timeout ends it (the socket closes with the simulator)
  if (faults?.status !== undefined) return sendError(res, profile, statusCategory(faults.status), { status: faults.status }, reqId);
  if (faults?.htmlBody) return sendCaptivePage(res);
  const headers: Record<string, string> = profile.requestIdHeader ? { 'x-request-id': reqId } : {};
  const missing = faults?.missingField;

  if (target.endpoint === 'deepseek') {
    const a = book.deepseek;
    const info: Record<string, unknown> = {
      currency: a.currency,
      total_balance: fixedAmount(a.granted + a.toppedUp, 2),
      granted_balance: fixedAmount(a.granted, 2),
      topped_up_balance: fixedAmount(a.toppedUp, 2),
    };
    // "is_available": false once the total is spent or the account is switched off (the unavailable fault).
    const body: Record<string, unknown> = { is_available: !book.refuses('deepseek'), balance_infos: [info] };
    dropField(body, info, missing, 'total_balance');
    return sendJson(res, 200, body, headers);
  }
  if (target.endpoint === 'kimi') {
    const a = book.kimi;
    const data: Record<string, unknown> = {
      available_balance: amountNumber(book.available('kimi'), 5),
      voucher_balance: amountNumber(a.voucher, 5),
      cash_balance: amountNumber(a.cash, 5),
    };
    const body: Record<string, unknown> = { code: 0, data, scode: '0x0', status: true };
    dropField(body, data, missing, 'available_balance');
    return sendJson(res, 200, body, headers);
  }
  const a = book.openrouter;
  const management = bearer === a.managementKey;
  if (target.endpoint === 'openrouter-credits') {
    // docs/PROVIDERS.md §6: a management key only; "a normal key has been seen to get 200 with zeros".
    const data: Record<string, unknown> = management ? { total_credits: amountNumber(a.credits), total_usage: amountNumber(a.usage) } : { total_credits: 0, total_usage: 0 };
    const body: Record<string, unknown> = { data };
    dropField(body, data, missing, 'total_credits');
    return sendJson(res, 200, body, headers);
  }
  // A management key makes no calls (OpenRouter: it is "exclusively for administrative operations"): its own usage is 0.
  const w = management ? { daily: 0n, weekly: 0n, monthly: 0n } : keyWindows(a, book.now());
  const usage = management ? 0n : a.keyUsage;
  const data: Record<string, unknown> = {
    label: a.label ?? maskKey(bearer),
    limit: a.limit === null ? null : amountNumber(a.limit),
    limit_reset: null,
    limit_remaining: a.limit === null ? null : amountNumber(a.limit - usage),
    include_byok_in_limit: false,
    usage: amountNumber(usage),
    usage_daily: amountNumber(w.daily),
    usage_weekly: amountNumber(w.weekly),
    usage_monthly: amountNumber(w.monthly),
    byok_usage: 0,
    byok_usage_daily: 0,
    byok_usage_weekly: 0,
    byok_usage_monthly: 0,
    is_free_tier: false,
    is_management_key: management,
    is_provisioning_key: false,
  };
  const body: Record<string, unknown> = { data };
  dropField(body, data, missing, 'usage');
  return sendJson(res, 200, body, headers);
}

/** A key as OpenRouter labels it: "sk-or-v1-au7...890". */
function maskKey(key: string): string {
  return key.length > 14 ? `${key.slice(0, 11)}...${key.slice(-3)}` : `${key.slice(0, 3)}...`;
}
