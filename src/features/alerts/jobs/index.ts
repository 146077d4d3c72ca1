// The alert jobs, one per key of config.schedules. The list is the extension point: a job is
// just an AlertJob; tests pass their own through alertJobs(extra).
import type { AlertJob } from '../types.js';
import { deprecationsJob } from './deprecations.js';
import { budgetsJob } from './budgets.js';
import { spendReportJob } from './spend-report.js';
import { pricesJob } from './prices.js';
import { routecheckJob } from './routecheck.js';
import { costDriftJob } from './cost-drift.js';
import { balancesJob } from './balances.js';
import { gatewayJob } from './gateway.js';

export { deprecationsJob, makeDeprecationsJob, type DeprecationsJobOptions } from './deprecations.js';
export { budgetsJob } from './budgets.js';
export { spendReportJob } from './spend-report.js';
export { pricesJob } from './prices.js';
export { routecheckJob } from './routecheck.js';
export { costDriftJob } from './cost-drift.js';
export { balancesJob } from './balances.js';
export { gatewayJob } from './gateway.js';

/** One job per schedule of docs/ARCHITECTURE.md §3.4. */
export const BUILTIN_ALERT_JOBS: readonly AlertJob[] = [deprecationsJob, pricesJob, budgetsJob, spendReportJob, routecheckJob, costDriftJob, balancesJob, gatewayJob];

/**
 * The job list with extra jobs added (e.g. the price-change job named 'prices'); an extra job
 * replaces a built-in one of the same name.
 */
export function alertJobs(extra: readonly AlertJob[] = []): AlertJob[] {
  const names = new Set(extra.map((j) => j.name));
  return [...BUILTIN_ALERT_JOBS.filter((j) => !names.has(j.name)), ...extra];
}
