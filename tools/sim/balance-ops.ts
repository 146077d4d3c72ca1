// Changing the simulator's prepaid accounts (balances.ts): set amounts or top up, balance
// faults, "outside" spend that routeops never sees, and prices. Checked here once for both ways
// in: the control endpoints (balance-control.ts) and the in-process Simulator handle
// (server.ts). Each returns an error message saying what was wrong and what is accepted, or
// null once applied.
import { z } from 'zod';
import { exactAmount, parseAmount, parsePerMillion } from './amounts.js';
import type { BalanceFaults, SimBalances } from './balances.js';
import { costAt, type BalanceProfile } from './prices.js';

const amountIn = z.union([z.string().max(40), z.number()]);

/** Amounts are decimal strings ("50.00"; numbers are taken too), in the account's currency. */
export interface BalanceSet {
  /** Adds to what was bought: DeepSeek topped-up, Kimi cash, OpenRouter credits. */
  topUp?: string | number;
  /** Adds a grant: DeepSeek granted, Kimi voucher. */
  grant?: string | number;
  /** DeepSeek, absolute. */
  granted?: string | number;
  toppedUp?: string | number;
  /** Kimi, absolute (cash may be negative). */
  voucher?: string | number;
  cash?: string | number;
  /** OpenRouter, absolute: total_credits; usage sets total_usage and the key's all-time usage. */
  credits?: string | number;
  usage?: string | number;
  /** OpenRouter key's credit limit; null = none. */
  limit?: string | number | null;
  /** OpenRouter: the key /credits answers in full. */
  managementKey?: string;
  /** OpenRouter /key label (default: the key, masked). */
  label?: string;
  /** DeepSeek and Kimi: the account's currency. */
  currency?: 'USD' | 'CNY';
}

const setSchema = z.strictObject({
  topUp: amountIn.optional(),
  grant: amountIn.optional(),
  granted: amountIn.optional(),
  toppedUp: amountIn.optional(),
  voucher: amountIn.optional(),
  cash: amountIn.optional(),
  credits: amountIn.optional(),
  usage: amountIn.optional(),
  limit: amountIn.nullable().optional(),
  managementKey: z.string().min(1).max(200).optional(),
  label: z.string().min(1).max(200).optional(),
  currency: z.enum(['USD', 'CNY']).optional(),
}) satisfies z.ZodType<BalanceSet>;

const SET_FIELDS: Record<BalanceProfile, ReadonlyArray<keyof BalanceSet>> = {
  deepseek: ['topUp', 'grant', 'granted', 'toppedUp', 'currency'],
  kimi: ['topUp', 'grant', 'voucher', 'cash', 'currency'],
  openrouter: ['topUp', 'credits', 'usage', 'limit', 'managementKey', 'label'],
};

/** Spend routeops never sees: an amount, or tokens of a model priced at the simulator's list. */
export interface OutsideCharge {
  /** In USD (a USD account only). */
  usd?: string | number;
  /** In the account's currency. */
  amount?: string | number;
  model?: string;
  prompt_tokens?: number;
  cached_tokens?: number;
  completion_tokens?: number;
  /** OpenRouter: spent through another key of the account (its /credits moves, this key's /key usage does not). */
  otherKey?: boolean;
}

const tokensIn = z.number().int().min(0).max(1e12);
const outsideSchema = z.strictObject({
  usd: amountIn.optional(),
  amount: amountIn.optional(),
  model: z.string().min(1).max(200).optional(),
  prompt_tokens: tokensIn.optional(),
  cached_tokens: tokensIn.optional(),
  completion_tokens: tokensIn.optional(),
  otherKey: z.boolean().optional(),
}) satisfies z.ZodType<OutsideCharge>;

export const balanceFaultsSchema = z.strictObject({
  unavailable: z.boolean().optional(),
  status: z.number().int().min(400).max(599).optional(),
  htmlBody: z.boolean().optional(),
  missingField: z.union([z.boolean(), z.string().min(1).max(100)]).optional(),
  hang: z.boolean().optional(),
  times: z.number().int().min(1).optional(),
}) satisfies z.ZodType<BalanceFaults>;
const FAULT_FIELDS: Record<keyof BalanceFaults, unknown> = balanceFaultsSchema.shape;
/** The balance faults accepted. */
export const BALANCE_FAULT_NAMES = Object.keys(FAULT_FIELDS);

/** A price per million tokens in the account's currency; cached_input defaults to input. */
export interface PriceSet {
  model: string;
  input: string | number;
  cached_input?: string | number;
  output: string | number;
}
const priceSchema = z.strictObject({ model: z.string().min(1).max(200), input: amountIn, cached_input: amountIn.optional(), output: amountIn }) satisfies z.ZodType<PriceSet>;

const issues = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');

/** Parses an amount field, or says what was wrong with it. */
function amountOf(name: string, v: unknown, sign: 'positive' | 'not negative' | 'any'): bigint | string {
  const f = parseAmount(v);
  if (f === null) return `${name}: expected a decimal amount such as "50.00", got ${JSON.stringify(v)?.slice(0, 60)}`;
  if (sign === 'positive' && f <= 0n) return `${name}: must be more than 0`;
  if (sign === 'not negative' && f < 0n) return `${name}: must not be negative`;
  return f;
}

export function setBalance(book: SimBalances, p: BalanceProfile, raw: unknown): string | null {
  const parsed = setSchema.safeParse(raw);
  if (!parsed.success) return `bad balance: ${issues(parsed.error)}; accepted for ${p}: ${SET_FIELDS[p].join(', ')}`;
  const body = parsed.data;
  const given = Object.keys(body) as Array<keyof BalanceSet>;
  const foreign = given.filter((k) => !SET_FIELDS[p].includes(k));
  if (foreign.length) return `bad balance: ${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not for ${p}; accepted for ${p}: ${SET_FIELDS[p].join(', ')}`;
  if (!given.length) return `bad balance: nothing to set; accepted for ${p}: ${SET_FIELDS[p].join(', ')}`;
  const amounts = new Map<keyof BalanceSet, bigint>();
  for (const k of given) {
    const v = body[k];
    if (k === 'currency' || k === 'managementKey' || k === 'label' || v === null) continue;
    const f = amountOf(k, v, k === 'topUp' || k === 'grant' ? 'positive' : k === 'cash' ? 'any' : 'not negative');
    if (typeof f === 'string') return `bad balance: ${f}`;
    amounts.set(k, f);
  }
  const a = (k: keyof BalanceSet) => amounts.get(k);
  if (p === 'deepseek') {
    const acc = book.deepseek;
    acc.granted = a('granted') ?? acc.granted;
    acc.toppedUp = a('toppedUp') ?? acc.toppedUp;
    acc.granted += a('grant') ?? 0n;
    acc.toppedUp += a('topUp') ?? 0n;
    acc.currency = body.currency ?? acc.currency;
  } else if (p === 'kimi') {
    const acc = book.kimi;
    acc.voucher = a('voucher') ?? acc.voucher;
    acc.cash = a('cash') ?? acc.cash;
    acc.voucher += a('grant') ?? 0n;
    acc.cash += a('topUp') ?? 0n;
    acc.currency = body.currency ?? acc.currency;
  } else {
    const acc = book.openrouter;
    acc.credits = (a('credits') ?? acc.credits) + (a('topUp') ?? 0n);
    const usage = a('usage');
    if (usage !== undefined) {
      acc.usage = usage;
      acc.keyUsage = usage;
    }
    if (body.limit !== undefined) acc.limit = body.limit === null ? null : a('limit')!;
    acc.managementKey = body.managementKey ?? acc.managementKey;
    acc.label = body.label ?? acc.label;
  }
  return null;
}

/** Bills spend routeops never sees; the amount charged, or an error message. */
export function billOutside(book: SimBalances, p: BalanceProfile, raw: unknown): { charged: string } | { error: string } {
  const parsed = outsideSchema.safeParse(raw);
  const accepted = 'expected {"usd":"1.25"} or {"amount":"1.25"} (the account\'s currency), or {"model":"…","prompt_tokens":N,"cached_tokens":N,"completion_tokens":N}' + (p === 'openrouter' ? ', with "otherKey":true for spend through another key' : '');
  if (!parsed.success) return { error: `bad outside charge: ${issues(parsed.error)}; ${accepted}` };
  const b = parsed.data;
  const ways = [b.usd, b.amount, b.model].filter((v) => v !== undefined).length;
  if (ways !== 1) return { error: `bad outside charge: give exactly one of usd, amount or model; ${accepted}` };
  if (b.otherKey !== undefined && p !== 'openrouter') return { error: `bad outside charge: otherKey is for openrouter only; ${accepted}` };
  const currency = p === 'deepseek' ? book.deepseek.currency : p === 'kimi' ? book.kimi.currency : 'USD';
  let amount: bigint;
  if (b.model !== undefined) {
    const u = { prompt: b.prompt_tokens ?? 0, cached: b.cached_tokens ?? 0, completion: b.completion_tokens ?? 0, reasoning: 0 };
    if (u.cached > u.prompt) return { error: 'bad outside charge: cached_tokens must not be more than prompt_tokens' };
    amount = costAt(book.rateOf(p, b.model), u);
    if (amount <= 0n) return { error: `bad outside charge: those tokens cost nothing; ${accepted}` };
  } else {
    if (b.usd !== undefined && currency !== 'USD') return { error: `bad outside charge: the ${p} account is in ${currency}; give "amount" in ${currency}` };
    const f = amountOf(b.usd !== undefined ? 'usd' : 'amount', b.usd ?? b.amount, 'positive');
    if (typeof f === 'string') return { error: `bad outside charge: ${f}` };
    amount = f;
  }
  book.charge(p, amount, 'outside', { otherKey: b.otherKey === true });
  return { charged: exactAmount(amount) };
}

export function setBalanceFaults(book: SimBalances, p: BalanceProfile, raw: unknown): string | null {
  const parsed = balanceFaultsSchema.safeParse(raw);
  if (!parsed.success) return `bad balance faults: ${issues(parsed.error)}; accepted: ${BALANCE_FAULT_NAMES.join(', ')}`;
  book.setFaults(p, parsed.data as BalanceFaults);
  return null;
}

export function setPrice(book: SimBalances, p: BalanceProfile, raw: unknown): string | null {
  const parsed = priceSchema.safeParse(raw);
  const accepted = 'expected {"model":"…","input":"0.30","cached_input":"0.006","output":"1.20"} (per million tokens, at most 9 decimals)';
  if (!parsed.success) return `bad price: ${issues(parsed.error)}; ${accepted}`;
  const b = parsed.data;
  const [input, cachedInput, output] = [b.input, b.cached_input ?? b.input, b.output].map(parsePerMillion);
  if (input == null || cachedInput == null || output == null) return `bad price: ${accepted}`;
  book.setPrice(p, b.model, { input, cachedInput, output });
  return null;
}
