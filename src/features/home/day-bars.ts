// The App Home's small chart: one line per day, a bar scaled to the period's largest day, and
// the day's exact amount. The Home tab cannot show an uploaded PNG without sharing the file into
// a conversation (docs/ARCHITECTURE.md §3.6 "App Home"), so this is text for a code block:
// monospaced, legible on a phone. Pure; amounts are integer nano-USD, scaled in bigint.
import { formatUsd } from '../../domain/money/units.js';
import type { DayString } from '../../domain/time/zone.js';
import type { SpendReport } from '../reports/spend.js';

/** Bar width in characters; each character has eight steps (U+2588 and its partial blocks). */
export const BAR_WIDTH = 20;
const PARTS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

export interface DayAmount {
  day: DayString;
  nusd: bigint;
  /** Rows of the day not in the amount: not priced, or usage missing. */
  notInAmount: number;
}

/** The report's days with every group's amount summed (groups are providers, models, …: the total is the same). */
export function dayTotals(report: Pick<SpendReport, 'days' | 'groups'>): DayAmount[] {
  return report.days.map((day) => {
    let nusd = 0n;
    let notInAmount = 0;
    for (const g of report.groups) {
      nusd += g.byDay.get(day) ?? 0n;
      notInAmount += g.unpricedByDay.get(day) ?? 0;
    }
    return { day, nusd, notInAmount };
  });
}

/** A bar of `units` eighths of a character. */
function bar(units: bigint): string {
  const n = Number(units);
  return '█'.repeat(Math.floor(n / 8)) + PARTS[n % 8]!;
}

/** An amount, never "$0.00" for a day whose rows have no price or no usage ("no amount*": the footnote says why). */
export function dayAmountText(d: DayAmount): string {
  if (!d.notInAmount) return formatUsd(d.nusd);
  return d.nusd === 0n ? 'no amount*' : `${formatUsd(d.nusd)}*`;
}

/**
 * Lines like `11-03 ████████▌            $12.34`: the bar is the day's share of the largest day
 * (rounded to the nearest eighth; a day with any spend shows at least one eighth). `marked`
 * says whether a `*` footnote is needed.
 */
export function dayBars(days: readonly DayAmount[]): { lines: string[]; marked: boolean } {
  const max = days.reduce((m, d) => (d.nusd > m ? d.nusd : m), 0n);
  const steps = BigInt(BAR_WIDTH * 8);
  const lines = days.map((d) => {
    let units = max === 0n || d.nusd <= 0n ? 0n : (d.nusd * steps + max / 2n) / max;
    if (d.nusd > 0n && units === 0n) units = 1n;
    return `${d.day.slice(5)} ${bar(units).padEnd(BAR_WIDTH)} ${dayAmountText(d)}`;
  });
  return { lines, marked: days.some((d) => d.notInAmount > 0) };
}
