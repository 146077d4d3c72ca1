// Alerts (docs/CONTRACTS.md §3.1 `alerts run`, §3.4 slack/budgets/schedules): price, retirement,
// budget and spend-report alerts on cron, once, never lost. Jobs produce Replies; the outbox
// keeps them; a poster from an adapter sends them. What main.ts and cli.ts wire:
//   startAlerts(services, post|null, opts?)            -> { ready, scheduled, runNow, flush, stop }
//   runAlertsCommand(argv, services, post|null, io)    -> exit code
//   post: alertPoster(botToken, apiUrl) from src/adapters/slack/alert-poster.ts
export { startAlerts, startupDecision, lastJobRun, recordJobRun, type AlertsHandle, type StartAlertsOptions, type ScheduledJobInfo } from './scheduler.js';
export { runAlertsCommand, runJob, runJobs, parseNow, ALERTS_USAGE, type JobOutcome, type AlertsCommandIO, type AlertsCommandOptions } from './run.js';
export { AlertOutbox, type OutboxOptions, type FlushResult } from './delivery.js';
export { alertJobs, BUILTIN_ALERT_JOBS, deprecationsJob, makeDeprecationsJob, budgetsJob, spendReportJob, type DeprecationsJobOptions } from './jobs/index.js';
export { previousFire, nextFire, missedRun } from '../../domain/time/cron.js';
export type { Alert, AlertJob, AlertKind, AlertPost, OutgoingAlert, JobName, ChannelRole } from './types.js';
