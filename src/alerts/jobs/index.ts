// The alert jobs, one per key of config.schedules. The list is the extension point: a job is
// just an AlertJob, so the price-change job (catalog sources + snapshot diff, built in
// src/catalog/) joins by being passed in `extra` — alertJobs([pricesJob]) — or added here.
// Until then `prices` (and `routecheck`) have a schedule but no job: the scheduler and
// `alerts run` say so instead of pretending to check anything.
import type { AlertJob } from '../types.js';
import { deprecationsJob } from './deprecations.js';
import { budgetsJob } from './budgets.js';
import { spendReportJob } from './spend-report.js';

export { deprecationsJob, makeDeprecationsJob, type DeprecationsJobOptions } from './deprecations.js';
export { budgetsJob } from './budgets.js';
export { spendReportJob } from './spend-report.js';

/** The jobs implemented here. No 'prices' or 'routecheck' job yet (see alertJobs). */
export const BUILTIN_ALERT_JOBS: readonly AlertJob[] = [deprecationsJob, budgetsJob, spendReportJob];

/**
 * The job list with extra jobs added (e.g. the price-change job named 'prices'); an extra job
 * replaces a built-in one of the same name.
 */
export function alertJobs(extra: readonly AlertJob[] = []): AlertJob[] {
  const names = new Set(extra.map((j) => j.name));
  return [...BUILTIN_ALERT_JOBS.filter((j) => !names.has(j.name)), ...extra];
}
