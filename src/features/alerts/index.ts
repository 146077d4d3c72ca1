// Alerts (docs/ARCHITECTURE.md §3.1 `alerts run`, §3.4 slack/budgets/schedules, §3.7): price,
// retirement, budget and spend-report alerts on cron, once, never lost. Jobs produce Replies;
// the outbox keeps them; a poster from an adapter sends them. What main.ts and the
// `alerts run` command wire:
//   startAlerts(services, post|null, opts?)            -> { ready, scheduled, runNow, flush, stop }
//   runAlertChecks(services, { now, post, dryRun })     -> outcomes (routeops alerts run)
//   post: alertPoster(botToken, apiUrl) from src/adapters/slack/alert-poster.ts
export { startAlerts, startupDecision, lastJobRun, recordJobRun, type AlertsHandle, type StartAlertsOptions, type ScheduledJobInfo } from './scheduler.js';
export { runAlertChecks, runJob, runJobs, type JobOutcome, type AlertChecksOptions, type AlertChecksResult } from './run.js';
export { AlertOutbox, type OutboxOptions, type FlushResult } from './delivery.js';
export { alertJobs, BUILTIN_ALERT_JOBS, deprecationsJob, makeDeprecationsJob, budgetsJob, spendReportJob, type DeprecationsJobOptions } from './jobs/index.js';
export { previousFire, nextFire, missedRun } from '../../domain/time/cron.js';
export type { Alert, AlertJob, AlertKind, AlertPost, OutgoingAlert, JobName, ChannelRole } from './types.js';
