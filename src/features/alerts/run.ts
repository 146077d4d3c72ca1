// Running alert jobs once: shared by the scheduler (cron ticks, catch-up) and by
// `routeops alerts run` (commands/alerts-run.ts reads its options and renders the outcome).
//
// A run: a job whose channel is not configured is skipped (and says why); otherwise its alerts
// are computed at `now`, those already recorded are dropped, the new ones are recorded in the
// outbox and — when a post function is given — the outbox is flushed (new alerts and any
// older ones due for a retry). A job that throws is logged and reported; the others still run.
import type { Services } from '../services.js';
import { AlertOutbox } from './delivery.js';
import { alertJobs } from './jobs/index.js';
import { channelFor, JOB_NAMES, type Alert, type AlertJob, type AlertPost, type JobName, type JobRunOptions } from './types.js';

export type AlertStatus = 'sent' | 'pending' | 'dry-run';

export interface JobOutcome {
  job: JobName;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it was skipped, the error of a failed job, or what went wrong in a job that still ran (its notes). */
  reason?: string;
  alerts: Array<Alert & { status: AlertStatus; error?: string }>;
}

export interface RunJobOptions {
  outbox: AlertOutbox;
  /** null: record only (the alerts stay pending in the outbox for a process that can post). */
  post: AlertPost | null;
  /** Compute and report, record nothing, post nothing. */
  dryRun?: boolean;
  /** Hooks passed on to the job (`catalog refresh` reads the prices job's detail). */
  observe?: Pick<JobRunOptions, 'pricesDetail'>;
}

export async function runJob(services: Services, job: AlertJob, now: Date, opts: RunJobOptions): Promise<JobOutcome> {
  const log = services.log.child({ job: job.name });
  if (services.config.schedules[job.name] === null) {
    const reason = `schedules.${job.name} is null, so ${job.name} alerts are off`;
    log.info({ reason }, 'alert job skipped');
    return { job: job.name, status: 'skipped', reason, alerts: [] };
  }
  const target = channelFor(services, job.channel);
  if ('missing' in target && !job.runsWithoutChannel) {
    const reason = `${target.missing} is not set in the config, so ${job.name} alerts are off`;
    log.info({ reason }, 'alert job skipped');
    return { job: job.name, status: 'skipped', reason, alerts: [] };
  }
  let candidates: Alert[];
  const notes: string[] = [];
  try {
    candidates = await job.run(services, now, { ...opts.observe, dryRun: opts.dryRun === true, note: (text) => notes.push(text) });
  } catch (err) {
    const reason = (err as Error)?.message ?? String(err);
    log.error({ err }, 'alert job failed');
    return { job: job.name, status: 'failed', reason, alerts: [] };
  }
  // Drop what was recorded before, and duplicates within the run.
  const seen = new Set<string>();
  const fresh: Alert[] = [];
  for (const a of candidates) {
    if (seen.has(a.key) || (await opts.outbox.isRecorded(a.key))) continue;
    seen.add(a.key);
    fresh.push(a);
  }
  const noted = notes.length ? { reason: notes.join('; ') } : {};
  if (opts.dryRun) return { job: job.name, status: 'ok', ...noted, alerts: fresh.map((a) => ({ ...a, status: 'dry-run' as const })) };

  const recorded = await opts.outbox.enqueue(fresh, now);
  if (recorded.length) log.info({ alerts: recorded.map((a) => a.key) }, 'alerts recorded');
  const failed = new Map<string, string>();
  const sent = new Set<string>();
  if (opts.post && recorded.length) {
    const result = await opts.outbox.flush(opts.post, now);
    result.sent.forEach((k) => sent.add(k));
    result.failed.forEach((f) => failed.set(f.key, f.error));
  }
  return {
    job: job.name,
    status: 'ok',
    ...noted,
    alerts: recorded.map((a) => {
      const error = failed.get(a.key);
      return { ...a, status: sent.has(a.key) ? ('sent' as const) : ('pending' as const), ...(error ? { error } : {}) };
    }),
  };
}

/** Runs jobs one after another at `now`; a failing job does not stop the others. */
export async function runJobs(services: Services, jobs: readonly AlertJob[], now: Date, opts: RunJobOptions): Promise<JobOutcome[]> {
  const out: JobOutcome[] = [];
  for (const job of jobs) out.push(await runJob(services, job, now, opts));
  return out;
}

/** Schedules with no job behind them yet (e.g. `prices` until the price-change job is added). */
export function jobsNotImplemented(jobs: readonly AlertJob[]): JobName[] {
  return JOB_NAMES.filter((n) => !jobs.some((j) => j.name === n));
}

export interface AlertChecksOptions {
  now: Date;
  /** null: record only (the running bot posts from the outbox). */
  post: AlertPost | null;
  dryRun: boolean;
  /** Default alertJobs(): the built-in jobs. */
  jobs?: readonly AlertJob[];
}

export interface AlertChecksResult {
  outcomes: JobOutcome[];
  /** Keys of older alerts from the outbox posted on this run's retry. */
  retried: string[];
  /** Schedules with no job registered yet. */
  missing: JobName[];
}

/**
 * Every job once at `now` (what `routeops alerts run` does). Without dryRun new alerts are
 * recorded and, when `post` is given, posted, and older ones still in the outbox get their retry.
 */
export async function runAlertChecks(services: Services, opts: AlertChecksOptions): Promise<AlertChecksResult> {
  const jobs = opts.jobs ?? alertJobs();
  const outbox = new AlertOutbox(services.store.alerts, services.log);
  const outcomes = await runJobs(services, jobs, opts.now, { outbox, post: opts.post, dryRun: opts.dryRun });
  // Older alerts still in the outbox (a post that failed before) get their retry too.
  const retried = opts.post && !opts.dryRun ? (await outbox.flush(opts.post, opts.now)).sent : [];
  return { outcomes, retried, missing: jobsNotImplemented(jobs) };
}
