// The chart an alert carries (docs/ARCHITECTURE.md §3.7): the spend report of the period the
// alert talks about, drawn as /spend draws it (src/features/charts/spend-chart.ts), so the Slack
// poster uploads it into the alert's thread. A chart that cannot be made is left out (logged):
// the alert goes without it.
import type { SpendChart } from '../../domain/chart.js';
import type { SpendDim } from '../../domain/spend.js';
import { parsePeriod } from '../../domain/time/period.js';
import type { DayString } from '../../domain/time/zone.js';
import { spendChart } from '../charts/spend-chart.js';
import { spendReport } from '../reports/spend.js';
import type { Services } from '../services.js';

export async function periodChart(services: Services, period: string, today: DayString, groupBy: SpendDim = 'provider'): Promise<SpendChart | undefined> {
  const parsed = parsePeriod(period, today);
  if (!parsed.ok) return undefined;
  try {
    const report = await spendReport(services.ledger, services.config.budgets, { period: parsed.period, groupBy, today });
    return spendChart(report, { timezone: services.config.timezone });
  } catch (err) {
    services.log.warn({ err: (err as Error).message, period }, 'alert chart left out');
    return undefined;
  }
}
