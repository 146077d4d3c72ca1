// Alerts (ARCHITECTURE 3.1 `alerts run`, 3.4 slack/budgets/schedules): price, retirement,
// budget and spend-report alerts on cron, once, never lost. What main.ts, cli.ts and the Slack
// adapter wire:
//   startAlerts(services, post, opts?)                 -> { ready, scheduled, runNow, flush, stop }
//   runAlertChecks(services, { now, post, dryRun })     -> outcomes (routeops alerts run)
//   slackPoster(client)                                -> AlertPost over chat.postMessage
export { startAlerts, startupDecision, lastJobRun, recordJobRun, type AlertsHandle, type StartAlertsOptions, type ScheduledJobInfo } from './scheduler.js';
export { runAlertChecks, runJob, runJobs, type JobOutcome, type AlertChecksOptions, type AlertChecksResult } from './run.js';
export { AlertOutbox, alertMessage, type OutboxOptions, type FlushResult } from './delivery.js';
export { alertJobs, BUILTIN_ALERT_JOBS, deprecationsJob, makeDeprecationsJob, budgetsJob, spendReportJob, type DeprecationsJobOptions } from './jobs/index.js';
export { previousFire, nextFire, missedRun } from '../../domain/time/cron.js';
export { slackPoster, alertPoster } from './post.js';
export type { Alert, AlertJob, AlertKind, AlertPost, JobName, ChannelRole } from './types.js';
