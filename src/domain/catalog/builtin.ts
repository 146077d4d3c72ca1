// The built-in catalog: dated prices and retirements from docs/PROVIDERS.md §2-3, written in the same shape
// as the config file's `pricing` / `retirements` (USD per million tokens) so that one code path
// (catalog.ts) converts and checks both. Config adds to or overrides these.
//
// Prices belong to (provider, model): the same model through a gateway costs differently.
// OpenRouter is deliberately unpriced here: its rows carry the cost OpenRouter reports, and the
// only OpenRouter figures we have are output-only quotes.
import type { PricingEntry, RetirementInput } from '../../config/schema.js';
import type { CatalogSource } from './catalog.js';

const DEEPSEEK_CONFIRMED = 'DeepSeek pricing page, confirmed 2026-07-05';
const DEEPSEEK_LAUNCH = 'DeepSeek pricing page at the V4 launch, 2026-04-24';
const DEEPSEEK_PEAK =
  'DeepSeek pricing page (2026-08-16 change): listed price is the peak price in 01:00-04:00 and 06:00-10:00 UTC; off-peak at half (unverified)';

/** DeepSeek V4 Flash versions; deepseek-chat / deepseek-reasoner were aliases of it (docs/PROVIDERS.md §3). */
const flashLaunch = { input: 0.14, cached_input: 0.028, output: 0.28 };
const flashApr26 = { input: 0.14, cached_input: 0.0028, output: 0.28 };

// Since 2026-08-16T16:00Z the table gives the peak price; the base is off-peak (half), the
// peak windows carry the listed price.
const PEAK_WINDOWS = ['01:00-04:00', '06:00-10:00'];
function peakVersion(peak: { input: number; cached_input: number; output: number }, offPeak: typeof peak) {
  return {
    effective: '2026-08-16T16:00:00.000Z',
    per_million: offPeak,
    windows: PEAK_WINDOWS.map((utc) => ({ utc, per_million: peak })),
    source: DEEPSEEK_PEAK,
  };
}

// DeepSeek's pricing page as checked on 2026-11-15 (docs/PROVIDERS.md §2): peak hours are
// 01:00-04:00 and 06:00-10:00 UTC on weekdays, except Chinese public holidays; every other hour,
// all weekend and holidays are off-peak, at half. The base is off-peak; the schedule carries peak.
const DEEPSEEK_NOV15 = 'DeepSeek pricing page, checked 2026-11-15 (peak on weekdays 01:00-04:00 and 06:00-10:00 UTC, not on Chinese public holidays)';
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
function weekdayPeakVersion(effective: string, peak: { input: number; cached_input: number; output: number }, offPeak: typeof peak, note: string) {
  return {
    effective,
    per_million: offPeak,
    schedule: { windows: PEAK_WINDOWS.map((utc) => ({ days: [...WEEKDAYS], utc, per_million: peak })), holidays: ['china' as const] },
    source: `${DEEPSEEK_NOV15}; ${note}`,
  };
}
// DeepSeek-V4.1-Flash, since 2026-09-10; the legacy name deepseek-v4-flash is served and billed as it.
const flashV41 = (note: string) =>
  weekdayPeakVersion('2026-09-10T00:00:00.000Z', { input: 0.3, cached_input: 0.006, output: 1.2 }, { input: 0.15, cached_input: 0.003, output: 0.6 }, note);

function aliasOfFlash(model: string, note: string): PricingEntry {
  return {
    provider: 'deepseek',
    model,
    versions: [
      { effective: '2026-04-24T00:00:00.000Z', per_million: flashLaunch, source: `${DEEPSEEK_LAUNCH}; ${note}` },
      { effective: '2026-04-26T00:00:00.000Z', per_million: flashApr26, source: `${DEEPSEEK_CONFIRMED}; ${note}` },
    ],
  };
}

export const BUILTIN_PRICING: readonly PricingEntry[] = [
  {
    provider: 'deepseek',
    model: 'deepseek-v4-flash',
    versions: [
      { effective: '2026-04-24T00:00:00.000Z', per_million: flashLaunch, source: DEEPSEEK_LAUNCH },
      { effective: '2026-04-26T00:00:00.000Z', per_million: flashApr26, source: DEEPSEEK_CONFIRMED },
      // Half of 0.014 / 0.44 / 1.32 written out (not computed) so the numbers stay exact decimals.
      peakVersion({ input: 0.44, cached_input: 0.014, output: 1.32 }, { input: 0.22, cached_input: 0.007, output: 0.66 }),
      flashV41('legacy name, served by DeepSeek-V4.1-Flash and billed at its prices since 2026-09-10'),
    ],
  },
  {
    provider: 'deepseek',
    model: 'deepseek-flash',
    versions: [flashV41('DeepSeek-V4.1-Flash, the current name since 2026-09-10')],
  },
  {
    provider: 'deepseek',
    model: 'deepseek-v4-pro',
    versions: [
      { effective: '2026-04-26T00:00:00.000Z', per_million: { input: 0.435, cached_input: 0.003625, output: 0.87 }, source: DEEPSEEK_CONFIRMED },
      peakVersion({ input: 1.32, cached_input: 0.044, output: 3.96 }, { input: 0.66, cached_input: 0.022, output: 1.98 }),
      // Same prices; the weekday/holiday rule is in force as of the check (from when before it, unknown).
      weekdayPeakVersion('2026-11-15T00:00:00.000Z', { input: 1.32, cached_input: 0.044, output: 3.96 }, { input: 0.66, cached_input: 0.022, output: 1.98 }, 'V4-Pro-0813'),
    ],
  },
  // Retired 2026-07-24 15:59 UTC (see retirements), so no 2026-08-16 version.
  aliasOfFlash('deepseek-chat', 'alias of deepseek-v4-flash (non-thinking) from 2026-04-24'),
  // Thinking output of V4 Flash has no separate price, so the reasoner costs the same.
  aliasOfFlash('deepseek-reasoner', 'alias of deepseek-v4-flash (thinking) from 2026-04-24'),
  {
    provider: 'qwen-intl',
    model: 'qwen-plus',
    versions: [
      {
        effective: '2026-01-01T00:00:00.000Z',
        per_million: { input: 0.4, cached_input: 0.08, output: 1.2, thinking_output: 4.0 },
        // Mainland qwen-plus bills the whole request at its prompt-size tier; the tier above
        // 128K is 3x input and 3x thinking output there.
        tiers: [{ above: 131072, input: 1.2, cached_input: 0.24, output: 3.6, thinking_output: 12.0 }],
        source:
          'OpenRouter listing for input/output (0.40/1.20); cache hit at 20% of input, thinking output 4.00, ' +
          'and the >128K tier (3x; thinking 12.00) follow the mainland price ratios (unverified)',
      },
    ],
  },
  {
    provider: 'moonshot',
    model: 'kimi-k2.5',
    versions: [{ effective: '2026-01-01T00:00:00.000Z', per_million: { input: 0.6, cached_input: 0.1, output: 3.0 }, source: 'third-party listing, late 2026' }],
  },
  {
    provider: 'moonshot',
    model: 'kimi-k2.6',
    versions: [{ effective: '2026-01-01T00:00:00.000Z', per_million: { input: 0.95, cached_input: 0.16, output: 4.0 }, source: 'third-party listing, late 2026' }],
  },
  {
    provider: 'zai',
    model: 'glm-4.7',
    versions: [{ effective: '2026-01-01T00:00:00.000Z', per_million: { input: 0.6, cached_input: 0.11, output: 2.2 }, source: 'public price trackers, late 2026' }],
  },
  {
    provider: 'zai',
    model: 'glm-5',
    versions: [{ effective: '2026-01-01T00:00:00.000Z', per_million: { input: 1.0, cached_input: 0.2, output: 3.2 }, source: 'public price trackers, late 2026' }],
  },
];

const DEEPSEEK_RETIRE = 'DeepSeek docs: retired after 2026-07-24 15:59 UTC, no grace period';
const MOONSHOT_EOL = 'Moonshot: moonshot-v1 end of life 2026-08-31';

export const BUILTIN_RETIREMENTS: readonly RetirementInput[] = [
  // docs/PROVIDERS.md §3: the two were v4-flash's non-thinking and thinking modes; the replacement keeps the mode.
  { provider: 'deepseek', model: 'deepseek-chat', at: '2026-07-24T15:59:00.000Z', replacement: 'deepseek-v4-flash', replacement_thinking: false, source: DEEPSEEK_RETIRE },
  { provider: 'deepseek', model: 'deepseek-reasoner', at: '2026-07-24T15:59:00.000Z', replacement: 'deepseek-v4-flash', replacement_thinking: true, source: DEEPSEEK_RETIRE },
  // No replacement is named by Moonshot; we do not guess one.
  { provider: 'moonshot', model: 'moonshot-v1-8k', at: '2026-08-31T00:00:00.000Z', source: MOONSHOT_EOL },
  { provider: 'moonshot', model: 'moonshot-v1-32k', at: '2026-08-31T00:00:00.000Z', source: MOONSHOT_EOL },
  { provider: 'moonshot', model: 'moonshot-v1-128k', at: '2026-08-31T00:00:00.000Z', source: MOONSHOT_EOL },
];

export const BUILTIN_CATALOG: CatalogSource = { pricing: BUILTIN_PRICING, retirements: BUILTIN_RETIREMENTS };
