// The prepaid accounts behind the simulator's balance endpoints (docs/PROVIDERS.md §6), one per
// profile that has a balance API: DeepSeek (granted + topped-up), Kimi (voucher + cash) and
// OpenRouter (account credits and usage, and the key's usage by UTC day, week and month). Every
// completed chat call is charged at the simulator's price list (prices.ts); "outside" charges
// are spend that routeops never sees. Amounts are exact femto-units (amounts.ts). Served by
// balance-http.ts, changed over HTTP by balance-control.ts.
import { exactAmount } from './amounts.js';
import type { ProfileName, SimUsage } from './profile.js';
import { BALANCE_PROFILES, SIM_PRICES, costAt, isBalanceProfile, type BalanceProfile, type SimRate } from './prices.js';

export type Currency = 'USD' | 'CNY';

/** Faults of a balance endpoint (not of chat; those are faults.ts). */
export interface BalanceFaults {
  /** The account is not available: DeepSeek answers `is_available: false`; chat calls get the provider's out-of-balance refusal (every profile). Not counted by `times`. */
  unavailable?: boolean;
  /** The balance endpoint answers this status in the provider's error body shape. */
  status?: number;
  /** HTTP 200 with an HTML page (a captive proxy or login portal). */
  htmlBody?: boolean;
  /** The balance amount's field left out (true), or the field named. */
  missingField?: boolean | string;
  /** No answer at all (the caller's timeout ends it). */
  hang?: boolean;
  /** How many balance requests status/htmlBody/missingField/hang apply to (default: all). */
  times?: number;
}

interface Spent {
  calls: bigint;
  outside: bigint;
}

export interface DeepSeekAccount {
  currency: Currency;
  granted: bigint;
  toppedUp: bigint;
}

export interface KimiAccount {
  currency: Currency;
  voucher: bigint;
  cash: bigint;
}

export interface OpenRouterAccount {
  /** /credits total_credits: everything bought. */
  credits: bigint;
  /** /credits total_usage: everything spent on the account, by any key. */
  usage: bigint;
  /** /key usage: all-time spend on the key routeops uses. */
  keyUsage: bigint;
  /** The key's charges, for usage_daily/weekly/monthly (kept 40 days). */
  keyCharges: Array<{ at: number; amount: bigint }>;
  /** The key's credit limit, null = none. */
  limit: bigint | null;
  /** The key /credits answers in full; others get zeros (docs/PROVIDERS.md §6). */
  managementKey: string;
  /** /key label; null = the key masked as OpenRouter shows it. */
  label: string | null;
}

/** The management key a fresh simulator accepts for OpenRouter's /credits. */
export const SIM_MANAGEMENT_KEY = 'sk-or-v1-sim-management-key';

const units = (n: number) => BigInt(n) * 10n ** 15n;
const KEEP_CHARGES_MS = 40 * 86_400_000;

function freshDeepSeek(): DeepSeekAccount {
  // The documented example's amounts (docs/PROVIDERS.md §6), in USD.
  return { currency: 'USD', granted: units(10), toppedUp: units(100) };
}
function freshKimi(): KimiAccount {
  // Moonshot's documented example: available 49.58894 = voucher 46.58893 + cash 3.00001.
  return { currency: 'USD', voucher: 4658893n * 10n ** 10n, cash: 300001n * 10n ** 10n };
}
function freshOpenRouter(): OpenRouterAccount {
  return { credits: units(100), usage: 0n, keyUsage: 0n, keyCharges: [], limit: null, managementKey: SIM_MANAGEMENT_KEY, label: null };
}

/** Usage in the current UTC day, week (from Monday) and month, as OpenRouter's /key counts it. */
export function keyWindows(acc: OpenRouterAccount, now: number): { daily: bigint; weekly: bigint; monthly: bigint } {
  const d = new Date(now);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const week = day - ((d.getUTCDay() + 6) % 7) * 86_400_000;
  const month = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const sum = (from: number) => acc.keyCharges.filter((c) => c.at >= from && c.at <= now).reduce((n, c) => n + c.amount, 0n);
  return { daily: sum(day), weekly: sum(week), monthly: sum(month) };
}

export class SimBalances {
  deepseek = freshDeepSeek();
  kimi = freshKimi();
  openrouter = freshOpenRouter();
  private readonly faults = new Map<BalanceProfile, { faults: BalanceFaults; uses: number }>();
  private readonly prices = new Map<BalanceProfile, Map<string, SimRate>>();
  private readonly spent = new Map<BalanceProfile, Spent>();

  constructor(readonly now: () => number) {}

  /** Fresh accounts, no faults, the price list as shipped, nothing spent (one profile or all). */
  reset(p?: BalanceProfile): void {
    for (const q of p ? [p] : BALANCE_PROFILES) {
      if (q === 'deepseek') this.deepseek = freshDeepSeek();
      if (q === 'kimi') this.kimi = freshKimi();
      if (q === 'openrouter') this.openrouter = freshOpenRouter();
      this.faults.delete(q);
      this.prices.delete(q);
      this.spent.delete(q);
    }
  }

  /** The rate a model is charged at: a price set for it, its list entry, or its profile's default. */
  rateOf(p: BalanceProfile, model: string): SimRate {
    return this.prices.get(p)?.get(model) ?? SIM_PRICES[p].models[model] ?? SIM_PRICES[p].default;
  }

  setPrice(p: BalanceProfile, model: string, r: SimRate | null): void {
    const m = this.prices.get(p) ?? new Map<string, SimRate>();
    if (r) m.set(model, r);
    else m.delete(model);
    this.prices.set(p, m);
  }

  /** What a call costs in femto-units; 0 for a profile that keeps no balance. */
  costOf(p: ProfileName, model: string, u: SimUsage): bigint {
    return isBalanceProfile(p) ? costAt(this.rateOf(p, model), u) : 0n;
  }

  setFaults(p: BalanceProfile, faults: BalanceFaults | null): void {
    if (faults) this.faults.set(p, { faults: { ...faults }, uses: 0 });
    else this.faults.delete(p);
  }

  faultsOf(p: BalanceProfile): BalanceFaults | null {
    return this.faults.get(p)?.faults ?? null;
  }

  /** The faults that apply to this balance request (and counts the use), or null. */
  takeFaults(p: BalanceProfile): BalanceFaults | null {
    const st = this.faults.get(p);
    if (!st) return null;
    const { unavailable, times, ...rest } = st.faults;
    if (times !== undefined && st.uses >= times) return unavailable ? { unavailable } : null;
    if (Object.keys(rest).length > 0) st.uses++;
    return st.faults;
  }

  /** The account cannot pay for a call now: chat calls get the provider's out-of-balance refusal. */
  refuses(p: ProfileName): boolean {
    if (!isBalanceProfile(p)) return false;
    if (this.faults.get(p)?.faults.unavailable) return true;
    return this.available(p) <= 0n;
  }

  /** What the account can spend: DeepSeek's total, Kimi's available, OpenRouter's credits left (and the key's limit left). */
  available(p: BalanceProfile): bigint {
    if (p === 'deepseek') return this.deepseek.granted + this.deepseek.toppedUp;
    // docs/PROVIDERS.md §6 / Moonshot: when cash is negative, available equals the voucher balance.
    if (p === 'kimi') return this.kimi.voucher + (this.kimi.cash > 0n ? this.kimi.cash : 0n);
    const acc = this.openrouter;
    const left = acc.credits - acc.usage;
    const keyLeft = acc.limit === null ? left : acc.limit - acc.keyUsage;
    return keyLeft < left ? keyLeft : left;
  }

  /**
   * Deducts a charge: DeepSeek granted first, then topped-up (docs/PROVIDERS.md §2); Kimi
   * voucher first, then cash, which may go negative; OpenRouter adds it to the account's usage
   * and, unless it came through another key, the key's.
   */
  charge(p: ProfileName, amount: bigint, from: 'calls' | 'outside', opts: { otherKey?: boolean } = {}): void {
    if (!isBalanceProfile(p) || amount <= 0n) return;
    const s = this.spent.get(p) ?? { calls: 0n, outside: 0n };
    s[from] += amount;
    this.spent.set(p, s);
    if (p === 'deepseek') {
      const a = this.deepseek;
      const fromGranted = a.granted > 0n ? (amount < a.granted ? amount : a.granted) : 0n;
      a.granted -= fromGranted;
      a.toppedUp -= amount - fromGranted;
    } else if (p === 'kimi') {
      const a = this.kimi;
      const fromVoucher = a.voucher > 0n ? (amount < a.voucher ? amount : a.voucher) : 0n;
      a.voucher -= fromVoucher;
      a.cash -= amount - fromVoucher;
    } else {
      const a = this.openrouter;
      a.usage += amount;
      if (opts.otherKey) return;
      a.keyUsage += amount;
      const now = this.now();
      a.keyCharges = a.keyCharges.filter((c) => c.at > now - KEEP_CHARGES_MS);
      a.keyCharges.push({ at: now, amount });
    }
  }

  /** The account in exact decimals (GET /_sim/balance, Simulator#balance). Keys are never shown. */
  view(p: BalanceProfile): Record<string, unknown> {
    const s = this.spent.get(p) ?? { calls: 0n, outside: 0n };
    const spent = { calls: exactAmount(s.calls), outside: exactAmount(s.outside) };
    const perM = (f: bigint) => exactAmount(f * 1_000_000n);
    const set = [...(this.prices.get(p) ?? new Map<string, SimRate>())].map(([m, r]) => [m, { input: perM(r.input), cached_input: perM(r.cachedInput), output: perM(r.output) }]);
    // Faults and the prices set in place of the list (per million tokens).
    const extra = { faults: this.faultsOf(p), prices: Object.fromEntries(set) };
    const available = !this.refuses(p);
    if (p === 'deepseek') {
      const a = this.deepseek;
      return {
        currency: a.currency, is_available: available, total: exactAmount(a.granted + a.toppedUp),
        granted: exactAmount(a.granted), topped_up: exactAmount(a.toppedUp), spent, ...extra,
      };
    }
    if (p === 'kimi') {
      const a = this.kimi;
      return { currency: a.currency, is_available: available, available: exactAmount(this.available('kimi')), voucher: exactAmount(a.voucher), cash: exactAmount(a.cash), spent, ...extra };
    }
    const a = this.openrouter;
    const w = keyWindows(a, this.now());
    return {
      currency: 'USD', is_available: available, total_credits: exactAmount(a.credits), total_usage: exactAmount(a.usage), remaining: exactAmount(a.credits - a.usage),
      key: {
        usage: exactAmount(a.keyUsage), usage_daily: exactAmount(w.daily), usage_weekly: exactAmount(w.weekly), usage_monthly: exactAmount(w.monthly),
        limit: a.limit === null ? null : exactAmount(a.limit), limit_remaining: a.limit === null ? null : exactAmount(a.limit - a.keyUsage),
      },
      spent, ...extra,
    };
  }
}
