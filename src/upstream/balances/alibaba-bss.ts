// Alibaba Cloud's account balance, which pays for Model Studio (docs/PROVIDERS.md §6): a DashScope
// key cannot read it; the BSS OpenAPI operation QueryAccountBalance (version 2017-12-14) can,
// with an AccessKey pair whose RAM user has AliyunBSSReadOnlyAccess, signed ACS3-HMAC-SHA256
// (acs3.ts). Reply: `{"Code":"200","Success":true,"Data":{"AvailableAmount":"1000.19",
// "AvailableCashAmount":"0.00","CreditAmount":"1000.00","MybankCreditAmount":"0.00",
// "Currency":"CNY"},…}`, amounts as decimal strings; AvailableAmount is the balance.
import type { BalanceReading } from '../../domain/money/balance.js';
import { acsDate, acsNonce, signAcs3 } from './acs3.js';
import { fieldReader, pickDetail } from './fields.js';
import { getJson } from './http.js';
import { BalanceError, type ParseContext, type ReadBalanceOptions } from './types.js';

export const BSS_ACTION = 'QueryAccountBalance';
export const BSS_VERSION = '2017-12-14';

export function parseAlibabaBalance(body: unknown, ctx: ParseContext): BalanceReading {
  const f = fieldReader(ctx.provider);
  const root = f.object(body, '');
  if (root.Success === false) {
    throw new BalanceError(ctx.provider, 'http', `QueryAccountBalance did not succeed (${String(root.Code ?? '?').slice(0, 40)}: ${String(root.Message ?? '').slice(0, 80)})`);
  }
  const data = f.object(body, 'Data');
  const currency = data.Currency;
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) throw f.missing('Data.Currency');
  return {
    provider: ctx.provider,
    kind: 'alibaba_bss',
    currency,
    balance_nano: f.amount(body, 'Data.AvailableAmount'),
    // Not reported: a pay-as-you-go account may run on credit below zero.
    available: null,
    at: ctx.at,
    detail: pickDetail(data, ['AvailableAmount', 'AvailableCashAmount', 'CreditAmount', 'MybankCreditAmount', 'Currency']),
  };
}

export interface AlibabaKeys {
  provider: string;
  url: string;
  idEnv: string;
  secretEnv: string;
  id: string;
  secret: string;
  fetch: typeof fetch;
}

/** Alibaba's error codes in words that say what to check (the provider is named by the caller's line). */
function describeAlibabaError(keys: AlibabaKeys, status: number, body: unknown): BalanceError | undefined {
  const code = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).Code : undefined;
  if (typeof code !== 'string') return undefined;
  const fail = (reason: 'signature' | 'auth', why: string) => new BalanceError(keys.provider, reason, `${why} (HTTP ${status}, ${code.slice(0, 60)})`, status);
  if (/^SignatureDoesNotMatch|^IncompleteSignature/.test(code)) return fail('signature', `Alibaba refused the AccessKey signature: check that ${keys.secretEnv} holds the secret of the AccessKey in ${keys.idEnv}`);
  if (/^InvalidAccessKeyId/.test(code)) return fail('auth', `Alibaba does not know the AccessKey id: check ${keys.idEnv} (and that the key is enabled)`);
  if (/^InvalidTimeStamp|^SignatureNonceUsed/.test(code)) return fail('signature', `Alibaba refused the request time: check this machine's clock (within 15 minutes of UTC)`);
  if (/^Forbidden|NoPermission|NotAuthorized/i.test(code)) return fail('auth', `the AccessKey may not read the balance: give its RAM user the policy AliyunBSSReadOnlyAccess`);
  return undefined;
}

/** One signed QueryAccountBalance call; the signature's date is the wall clock (Alibaba checks it), the reading's time is `opts.now`. */
export async function readAlibabaBalance(keys: AlibabaKeys, opts: ReadBalanceOptions): Promise<BalanceReading> {
  const url = new URL(keys.url);
  const signed = signAcs3({
    method: 'GET',
    path: url.pathname || '/',
    query: {},
    headers: {
      host: url.host,
      'x-acs-action': BSS_ACTION,
      'x-acs-version': BSS_VERSION,
      'x-acs-date': acsDate(new Date()),
      'x-acs-signature-nonce': acsNonce(),
    },
    body: '',
    accessKeyId: keys.id,
    accessKeySecret: keys.secret,
  });
  const { host: _host, ...headers } = signed.headers;
  const body = await getJson({
    provider: keys.provider,
    url: `${url.origin}${url.pathname}`,
    headers,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    secrets: [keys.secret, keys.id],
    authHint: `check ${keys.idEnv} and ${keys.secretEnv}`,
    fetch: keys.fetch,
    describeError: (status, b) => describeAlibabaError(keys, status, b),
  });
  return parseAlibabaBalance(body, { provider: keys.provider, at: opts.now.toISOString() });
}
