// The spend report as CSV (date, group, usd: one line per day and group with spend): the file
// Slack uploads for `/spend … csv` and the CLI prints for `--csv`. RFC 4180: a header row,
// fields with a comma, quote or newline quoted ("\n" line ends, read as CRLF by CSV readers).
// `usd` is an exact decimal of nano-dollars (formatUsdDecimal: "2000.00", never "2,000.00"),
// so the column sums to the JSON report's total_usd exactly.
import type { ReplyFile } from '../../domain/reply.js';
import { formatUsdDecimal } from '../../domain/money/units.js';
import type { SpendReport } from './spend.js';

const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
// A leading =,+,-,@ would be run as a formula by spreadsheet apps.
const cell = (s: string) => quote(/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

export function spendCsv(report: SpendReport): string {
  const lines = [`date,${report.groupBy},usd`];
  for (const day of report.days) {
    for (const g of report.groups) {
      const v = g.byDay.get(day);
      if (v !== undefined) lines.push(`${day},${cell(g.key)},${formatUsdDecimal(v)}`);
    }
  }
  return lines.join('\n') + '\n';
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
