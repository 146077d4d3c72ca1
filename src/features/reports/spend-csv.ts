// The spend report as CSV (date, group, usd, unpriced_rows: one line per day and group with
// rows): the file Slack uploads for `/spend … csv` and the CLI prints for `--csv`, written by
// src/domain/csv.ts. `usd` is an exact decimal of nano-dollars (formatUsdDecimal: "2000.00",
// never "2,000.00"), so the column sums to the JSON report's total_usd.
import type { ReplyFile } from '../../domain/reply.js';
import { formatUsdDecimal } from '../../domain/money/units.js';
import { csvDocument, csvText } from '../../domain/csv.js';
import type { SpendReport } from './spend.js';

export function spendCsv(report: SpendReport): string {
  const rows: string[][] = [];
  for (const day of report.days) {
    for (const g of report.groups) {
      const v = g.byDay.get(day);
      if (v === undefined) continue;
      const unpriced = g.unpricedByDay.get(day) ?? 0;
      // Rows without a price are not $0: a cell with nothing priced stays empty, and the count says why.
      rows.push([day, csvText(g.key), v === 0n && unpriced > 0 ? '' : formatUsdDecimal(v), String(unpriced)]);
    }
  }
  return csvDocument(['date', report.groupBy, 'usd', 'unpriced_rows'], rows);
}

export function spendCsvFile(report: SpendReport): ReplyFile {
  const { period, groupBy } = report;
  return {
    filename: `spend_${period.from}_${period.to}_by_${groupBy}.csv`,
    title: `Spend ${period.from} to ${period.to} by ${groupBy}`,
    mimeType: 'text/csv',
    content: spendCsv(report),
  };
}
