// A chart as data: what a spend chart shows, in plain JSON-safe values, so a Reply can carry it
// to any adapter (Slack uploads it as a PNG, the CLI writes it with --png) and the renderer
// (src/features/charts/render-png.ts) draws it without knowing where the numbers came from.
// Also the palette and the one rule that gives a group its colour (docs/ARCHITECTURE.md §3.1).

/** One stacked bar series: a group's amount per bucket, in USD (a float: drawing only, sums stay exact upstream). */
export interface ChartSeries {
  key: string;
  color: string;
  values: number[];
}

/** A horizontal line across the bars' axis (a budget), in USD per bucket. */
export interface ChartLine {
  label: string;
  usd: number;
}

/** Month to date: the running total against the monthly budget, with the projection to the month's end. */
export interface ChartMonth {
  /** Running total per category (null after today: the month's remaining days are on the axis). */
  cumulative: Array<number | null>;
  /** Straight from today's running total to the projected month-end total (null before today). */
  projection: Array<number | null>;
  projectionUsd: number;
  budgetUsd: number | null;
}

export interface SpendChart {
  title: string;
  subtitle: string;
  /** The x axis: one label per bar ("Nov 17", "week of Nov 16", "2026-11"). */
  categories: string[];
  bucket: 'day' | 'week' | 'month';
  /** Biggest first; stacked in this order from the axis up. */
  series: ChartSeries[];
  /** Budget lines on the bars' axis (only when bars are days). */
  budgetLines: ChartLine[];
  month: ChartMonth | null;
  /** Drawn instead of bars and lines when there is nothing to draw ("No spend in this period"). */
  empty: string | null;
  /** Footnotes under the plot (rows not in the amounts). */
  notes: string[];
  /** For the uploaded file. */
  filename: string;
  /** Alt text: what the chart says, in one sentence, for screen readers. */
  alt: string;
}

/**
 * Okabe & Ito's colour-blind-safe palette ("Color Universal Design", 2008) without its black,
 * which the budget and running-total lines use. Bars need a fill, so its yellow stays; segments
 * are outlined in white so neighbours never merge.
 */
export const CHART_PALETTE = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'] as const;

/** The colour of the bar that sums the groups beyond the palette ("N others"). */
export const OTHERS_COLOR = '#999999';

/** 32-bit FNV-1a of the key's UTF-16 units: small, stable across runs and machines. */
export function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The built-in providers' own colours, so the five of them never share one whatever else is in a
 * chart (a hash put moonshot, zai and openrouter on one slot, and the colour then followed the
 * ranking, which changes with the period). A model or route key takes its provider's colour
 * first ("deepseek/deepseek-flash").
 */
const PROVIDER_SLOTS: Readonly<Record<string, number>> = { deepseek: 0, 'qwen-intl': 1, moonshot: 2, zai: 4, openrouter: 5 };

/** The slot a key asks for: its provider's, else the one its hash names. */
function preferredSlot(key: string): number {
  const provider = key.split('/')[0]!;
  return PROVIDER_SLOTS[key] ?? PROVIDER_SLOTS[provider] ?? fnv1a(key) % CHART_PALETTE.length;
}

/**
 * Each key's colour: the built-in providers' own, else the palette slot its hash names, so
 * "deepseek" is the same orange in every chart. When keys ask for one slot, they are served in
 * name order (a provider's own slot first), the later taking the next free slot: the result
 * depends on which keys are in the chart, never on their ranking. At most CHART_PALETTE.length keys.
 */
export function assignColors(keys: readonly string[]): Map<string, string> {
  if (keys.length > CHART_PALETTE.length) throw new RangeError(`at most ${CHART_PALETTE.length} coloured groups (got ${keys.length})`);
  const taken = new Set<number>();
  const out = new Map<string, string>();
  const own = (k: string) => PROVIDER_SLOTS[k] !== undefined;
  const order = [...keys].sort((a, b) => Number(own(b)) - Number(own(a)) || (a < b ? -1 : a > b ? 1 : 0));
  for (const key of order) {
    let slot = preferredSlot(key);
    while (taken.has(slot)) slot = (slot + 1) % CHART_PALETTE.length;
    taken.add(slot);
    out.set(key, CHART_PALETTE[slot]!);
  }
  return new Map(keys.map((k) => [k, out.get(k)!]));
}
