// The price and retirement catalog: built-in facts merged with the config file, converted once
// to integer rates. Looked up per ledger row (priceAt), so lookups are a Map get plus a short
// scan from the newest version back.
import type { PerMillion, PriceVersionInput, PricingEntry, RetirementInput, Weekday } from '../../config/schema.js';
import { usdPerMillionToRate, usdToNusd } from '../money/units.js';
import { HOLIDAY_CALENDARS } from './holidays.js';
import type { PriceTier, PriceVersion, PriceWindow, Rates, Retirement } from './types.js';

export interface CatalogSource {
  pricing: readonly PricingEntry[];
  retirements: readonly RetirementInput[];
}

/** Catalog data that cannot be used (overlapping windows, duplicate versions, ...); each problem names its path. */
export class CatalogError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid pricing/retirements:\n  ${problems.join('\n  ')}`);
    this.name = 'CatalogError';
  }
}

// NUL cannot occur in a provider or model name, so the key is unambiguous.
const keyOf = (provider: string, model: string): string => `${provider}\u0000${model}`;

/** USD-per-million prices -> integer rates; a missing cache price means cache hits cost full input. */
export function ratesFrom(pm: PerMillion): Rates {
  const input = usdPerMillionToRate(pm.input);
  return {
    input,
    cached_input: pm.cached_input === undefined ? input : usdPerMillionToRate(pm.cached_input),
    cache_write: pm.cache_write === undefined ? input : usdPerMillionToRate(pm.cache_write),
    output: usdPerMillionToRate(pm.output),
    reasoning_output: pm.reasoning_output === undefined ? null : usdPerMillionToRate(pm.reasoning_output),
    thinking_output: pm.thinking_output === undefined ? null : usdPerMillionToRate(pm.thinking_output),
  };
}

/** "HH:MM-HH:MM" -> UTC minutes [from, to). Windows do not wrap past midnight (split one in two instead). */
export function parseWindowSpec(spec: string): { fromMinute: number; toMinute: number } | string {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(spec);
  if (!m) return `expected "HH:MM-HH:MM" in UTC, like "01:00-04:00" (got "${spec}")`;
  const fromMinute = Number(m[1]) * 60 + Number(m[2]);
  const toMinute = Number(m[3]) * 60 + Number(m[4]);
  if (Number(m[2]) > 59 || Number(m[4]) > 59 || fromMinute >= 1440 || toMinute > 1440) return `not a time of day: "${spec}" (end at most 24:00)`;
  if (fromMinute >= toMinute) return `start must be before end ("${spec}"); split a window that crosses midnight in two`;
  return { fromMinute, toMinute };
}

const DAY_MS = 86_400_000;
/** PriceWindow.days for a window without a schedule. */
const EVERY_DAY = 0b111_1111;
const WEEKDAY_BITS: Record<Weekday, number> = { sun: 1, mon: 2, tue: 4, wed: 8, thu: 16, fri: 32, sat: 64 };
const daysMask = (days: readonly Weekday[]): number => days.reduce((mask, d) => mask | WEEKDAY_BITS[d], 0);

/** The smallest prompt (tokens) a tier applies to. */
export const tierStart = (t: PriceTier): number => (t.inclusive ? t.above : t.above + 1);

function isoOf(value: string): { iso: string; ms: number } | null {
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : { iso: new Date(ms).toISOString(), ms };
}

/**
 * One input version (config/built-in shape) -> PriceVersion. Problems are appended to
 * `problems` (prefixed with `path`) and null returned, so a caller can report them all at once.
 */
export function normalizeVersion(
  provider: string,
  model: string,
  v: PriceVersionInput,
  defaultSource: string,
  path: string,
  problems: string[],
): PriceVersion | null {
  const before = problems.length;
  const when = isoOf(v.effective);
  if (!when) problems.push(`${path}.effective: not a valid time ("${v.effective}")`);

  const conv = (p: string, f: () => Rates): Rates | null => {
    try {
      return f();
    } catch (err) {
      problems.push(`${p}: ${(err as Error).message}`);
      return null;
    }
  };
  const base = conv(`${path}.per_million`, () => ratesFrom(v.per_million));

  const tiers: PriceTier[] = [];
  (v.tiers ?? []).forEach((t, i) => {
    const rates = conv(`${path}.tiers[${i}]`, () => ratesFrom(t));
    const tier: PriceTier | null = rates ? { above: t.above ?? t.at_least ?? 0, inclusive: t.above === undefined, rates } : null;
    if (!tier) return;
    if (tiers.some((x) => tierStart(x) === tierStart(tier))) problems.push(`${path}.tiers[${i}]: two tiers start at ${tierStart(tier)} prompt tokens`);
    else tiers.push(tier);
  });
  tiers.sort((a, b) => tierStart(a) - tierStart(b));

  const windows: PriceWindow[] = [];
  const addWindow = (p: string, utc: string, rates: Rates | null, days: number, skipsHolidays: boolean) => {
    const span = parseWindowSpec(utc);
    if (typeof span === 'string') problems.push(`${p}.utc: ${span}`);
    else if (rates) windows.push({ spec: utc, ...span, days, skipsHolidays, rates });
  };
  (v.windows ?? []).forEach((w, i) => addWindow(`${path}.windows[${i}]`, w.utc, conv(`${path}.windows[${i}].per_million`, () => ratesFrom(w.per_million)), EVERY_DAY, false));
  (v.schedule?.windows ?? []).forEach((w, i) => {
    const p = `${path}.schedule.windows[${i}]`;
    addWindow(p, w.utc, conv(`${p}.per_million`, () => ratesFrom(w.per_million)), daysMask(w.days), true);
  });
  windows.sort((a, b) => a.fromMinute - b.fromMinute);
  // Windows that apply at the same minute of the same weekday would make the price depend on
  // declaration order: reject.
  for (let i = 0; i < windows.length; i++) {
    for (let j = i + 1; j < windows.length; j++) {
      const a = windows[i]!;
      const b = windows[j]!;
      if (b.fromMinute < a.toMinute && (a.days & b.days) !== 0) problems.push(`${path}.windows: "${a.spec}" and "${b.spec}" overlap`);
    }
  }

  // A thinking-mode price on the base but not on a tier or window would bill thinking there at
  // the plain output rate, which no provider does: ask for the tier's own thinking price.
  if (base && base.thinking_output !== null) {
    tiers.forEach((t) => {
      if (t.rates.thinking_output === null) problems.push(`${path}.tiers: the tier from ${tierStart(t)} prompt tokens needs its own thinking_output (the base has one)`);
    });
    windows.forEach((w) => {
      if (w.rates.thinking_output === null) problems.push(`${path}.windows: "${w.spec}" needs its own thinking_output (the base has one)`);
    });
  }

  const holidays = [...new Set((v.schedule?.holidays ?? []).flatMap((h) => (h === 'china' ? HOLIDAY_CALENDARS.china! : [h])))].sort();
  const holidayDays = holidays.map((d) => Date.parse(`${d}T00:00:00Z`) / DAY_MS);
  holidayDays.forEach((d, i) => {
    // Date.parse rolls "2026-02-30" over to March: compare the round trip.
    if (!Number.isInteger(d) || new Date(d * DAY_MS).toISOString().slice(0, 10) !== holidays[i]) problems.push(`${path}.schedule.holidays: no such date "${holidays[i]}"`);
  });
  let perRequestNusd = 0;
  try {
    if (v.per_request !== undefined) perRequestNusd = usdToNusd(v.per_request);
  } catch (err) {
    problems.push(`${path}.per_request: ${(err as Error).message}`);
  }

  if (problems.length > before || !when || !base) return null;
  return {
    id: `${provider}/${model}@${when.iso}`,
    provider,
    model,
    effective: when.iso,
    effectiveMs: when.ms,
    base,
    tiers,
    windows,
    holidays,
    holidayDays,
    perRequestNusd,
    source: v.source ?? defaultSource,
    checked: v.checked ?? null,
  };
}

export function normalizeRetirement(r: RetirementInput, defaultSource: string, path: string, problems: string[]): Retirement | null {
  const when = isoOf(r.at);
  if (!when) {
    problems.push(`${path}.at: not a valid time ("${r.at}")`);
    return null;
  }
  return { provider: r.provider, model: r.model, at: when.iso, atMs: when.ms, replacement: r.replacement ?? null, replacementThinking: r.replacement_thinking ?? null, source: r.source ?? defaultSource };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

export interface CatalogEntry {
  provider: string;
  model: string;
  /** Ascending by effectiveMs. */
  versions: readonly PriceVersion[];
}

export class Catalog {
  /** provider\0model -> versions ascending by effectiveMs. */
  private readonly prices = new Map<string, PriceVersion[]>();
  private readonly retired = new Map<string, Retirement>();
  /** priceAt's last (provider, model) and its versions. */
  private lastProvider: string | null = null;
  private lastModel: string | null = null;
  private lastVersions: PriceVersion[] | undefined = undefined;

  /**
   * Config adds to the built-in data. Price versions merge per (provider, model); a config
   * version with the same effective instant as a built-in one replaces it. A config retirement
   * of a (provider, model) replaces the built-in one. `applied` (price proposals a person or
   * catalog.auto_apply applied) merge between the two: over the built-in data, under the config;
   * among them a later one wins at the same instant. Applied retirement proposals
   * (`appliedRetirements`) merge the same way: over the built-in ones, under the config's, a later
   * one winning. Throws CatalogError listing every problem.
   */
  constructor(
    builtin: CatalogSource,
    configPricing: readonly PricingEntry[] = [],
    configRetirements: readonly RetirementInput[] = [],
    applied: readonly PricingEntry[] = [],
    appliedRetirements: readonly RetirementInput[] = [],
  ) {
    const problems: string[] = [];

    // Versions keyed by (provider, model) then effectiveMs; the same instant twice within one
    // source is ambiguous (which price is right?), so it is an error rather than last-wins.
    const collect = (entries: readonly PricingEntry[], label: string, defaultSource: string, laterWins = false) => {
      const out = new Map<string, Map<number, PriceVersion>>();
      entries.forEach((entry, i) => {
        const key = keyOf(entry.provider, entry.model);
        let byTime = out.get(key);
        if (!byTime) out.set(key, (byTime = new Map()));
        entry.versions.forEach((v, j) => {
          const path = `${label}[${i}].versions[${j}]`;
          const pv = normalizeVersion(entry.provider, entry.model, v, defaultSource, path, problems);
          if (!pv) return;
          if (byTime.has(pv.effectiveMs) && !laterWins) problems.push(`${path}.effective: ${entry.provider}/${entry.model} already has a version at ${pv.effective}`);
          else byTime.set(pv.effectiveMs, pv);
        });
      });
      return out;
    };
    const fromBuiltin = collect(builtin.pricing, 'builtin.pricing', 'built-in catalog');
    const fromApplied = collect(applied, 'applied', 'applied price proposal', true);
    const fromConfig = collect(configPricing, 'pricing', 'config file');
    // A (provider, model) the config file prices is priced by it alone over the built-in data.
    for (const key of fromConfig.keys()) fromApplied.delete(key);

    for (const [key, byTime] of fromBuiltin) this.prices.set(key, [...byTime.values()]);
    for (const layer of [fromApplied, fromConfig]) {
      for (const [key, byTime] of layer) {
        const merged = new Map<number, PriceVersion>();
        for (const v of this.prices.get(key) ?? []) merged.set(v.effectiveMs, v);
        for (const [ms, v] of byTime) merged.set(ms, v);
        this.prices.set(key, [...merged.values()]);
      }
    }
    for (const [key, versions] of this.prices) {
      if (versions.length === 0) this.prices.delete(key);
      else versions.sort((a, b) => a.effectiveMs - b.effectiveMs);
    }

    const collectRetirements = (list: readonly RetirementInput[], label: string, defaultSource: string, laterWins = false) => {
      const out = new Map<string, Retirement>();
      list.forEach((r, i) => {
        const path = `${label}[${i}]`;
        const ret = normalizeRetirement(r, defaultSource, path, problems);
        if (!ret) return;
        const key = keyOf(r.provider, r.model);
        if (out.has(key) && !laterWins) problems.push(`${path}: ${r.provider}/${r.model} is listed twice`);
        else out.set(key, ret);
      });
      return out;
    };
    for (const [key, r] of collectRetirements(builtin.retirements, 'builtin.retirements', 'built-in catalog')) this.retired.set(key, r);
    for (const [key, r] of collectRetirements(appliedRetirements, 'applied', 'applied retirement proposal', true)) this.retired.set(key, r);
    for (const [key, r] of collectRetirements(configRetirements, 'retirements', 'config file')) this.retired.set(key, r);

    if (problems.length) throw new CatalogError(problems);
    // Shared with every caller: freeze so nobody can change a price in place.
    for (const versions of this.prices.values()) deepFreeze(versions);
    for (const r of this.retired.values()) deepFreeze(r);
  }

  /** The version in force at `atMs` (latest with effectiveMs <= atMs), or null if none: not priced. */
  priceAt(provider: string, model: string, atMs: number): PriceVersion | null {
    // Rows come in runs of one model (an import, a re-pricing): the last look-up is kept, which
    // spares building and hashing the key per row (bench/reprice.ts, bench/run.ts).
    if (provider !== this.lastProvider || model !== this.lastModel) {
      this.lastVersions = this.prices.get(keyOf(provider, model));
      this.lastProvider = provider;
      this.lastModel = model;
    }
    const versions = this.lastVersions;
    if (!versions) return null;
    // A handful of versions per model, and rows are mostly recent: scan from the newest.
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i]!;
      if (v.effectiveMs <= atMs) return v;
    }
    return null;
  }

  /** All versions of (provider, model), ascending by effective; empty if unpriced. */
  versions(provider: string, model: string): readonly PriceVersion[] {
    return this.prices.get(keyOf(provider, model)) ?? [];
  }

  /** Every priced (provider, model), sorted by provider then model. */
  entries(): CatalogEntry[] {
    const out: CatalogEntry[] = [];
    for (const versions of this.prices.values()) {
      const first = versions[0]!;
      out.push({ provider: first.provider, model: first.model, versions });
    }
    return out.sort((a, b) => cmp(a.provider, b.provider) || cmp(a.model, b.model));
  }

  /** Every retirement, sorted by time then provider and model. */
  retirements(): Retirement[] {
    return [...this.retired.values()].sort((a, b) => a.atMs - b.atMs || cmp(a.provider, b.provider) || cmp(a.model, b.model));
  }

  retirementOf(provider: string, model: string): Retirement | null {
    return this.retired.get(keyOf(provider, model)) ?? null;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
