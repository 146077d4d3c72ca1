// The alert jobs on cron (node-cron 4), in config.timezone, per config.schedules (null = off).
//
// - A job never overlaps itself: node-cron's noOverlap, plus our own guard (a catch-up run and
//   a tick, or a manual run, share it).
// - A failing job is logged and recorded; the other jobs and later ticks go on.
// - The last run of each job is recorded in the store (src/store/job-runs.ts). At start, a run missed
//   while the bot was down (a scheduled time after the recorded last run, up to now) is caught
//   up once. A job never run before gets a baseline record instead (a fresh install does not
//   post at once).
// - A tick whose fire time (the latest one at or before the services' clock) is not after the
//   recorded last run is skipped: no double run after a catch-up.
// - The outbox is flushed at start and every `flushIntervalMs` while running.
// - Across processes and replicas sharing the store, a run holds the job's lease (job-lease.ts):
//   the others skip that tick. Every `takeoverIntervalMs` each process looks for a tick whose run
//   is not recorded and whose lease is free (its holder died) and runs it: within
//   JOB_LEASE_MS + takeoverIntervalMs of a holder's death.
import cron, { type ScheduledTask } from 'node-cron';
import type { Services } from '../services.js';
import { AlertOutbox, type OutboxOptions } from './delivery.js';
import { missedRun, nextFire, previousFire } from '../../domain/time/cron.js';
import { alertJobs } from './jobs/index.js';
import { jobsNotImplemented, runJob, type JobOutcome } from './run.js';
import type { AlertJob, AlertPost, JobName } from './types.js';
import type { JobRunRecord } from '../../store/job-runs.js';
import { underJobLease } from './job-lease.js';
import { leaseDeps } from '../lease.js';

export interface StartAlertsOptions {
  /** Default alertJobs(): deprecations, budgets, spend_report (add the price job here). */
  jobs?: readonly AlertJob[];
  /** Outbox retry timer. Default 30 s; 0 = no timer. */
  flushIntervalMs?: number;
  outbox?: OutboxOptions;
  /** Catch up runs missed while down. Default true. */
  catchUp?: boolean;
  /** How often to look for a tick another process left undone. Default 15 s; 0 = never. */
  takeoverIntervalMs?: number;
  /** Called after each run that finished (App Home refreshes what a job changed: src/adapters/slack/home.ts). */
  onJobFinished?: (job: JobName, outcome: JobOutcome) => void;
}

export interface ScheduledJobInfo {
  job: JobName;
  expression: string;
  next: Date | null;
}

export interface AlertsHandle {
  /** Resolves when the start-up catch-up runs and the first outbox flush are done (never rejects). */
  ready: Promise<void>;
  /** The jobs on a schedule, with their next fire time after the clock's now. */
  scheduled(): ScheduledJobInfo[];
  /** Runs one job now under the same no-overlap guard; null if it is running already or stopped. */
  runNow(name: JobName): Promise<JobOutcome | null>;
  /** Flushes the outbox now (what the timer does). */
  flush(): Promise<void>;
  /** Runs the takeover sweep now (what its timer does): ticks another process left undone. */
  takeover(): Promise<void>;
  /** Stops the cron tasks and the timer, then waits for running jobs and flushes. */
  stop(): Promise<void>;
}

export type { JobRunRecord };

export function lastJobRun(services: Pick<Services, 'store'>, job: string): Promise<JobRunRecord | null> {
  return services.store.jobRuns.last(job);
}

/** Records a run; the recorded time never moves backwards. */
export function recordJobRun(services: Pick<Services, 'store'>, job: string, at: Date, status: string, error: string | null = null): Promise<void> {
  return services.store.jobRuns.record(job, at, status, error);
}

/**
 * The start-up decision for one job (pure over the recorded last run): 'baseline' when it never
 * ran, 'catch-up' with the missed scheduled time when one passed since its last run, else 'none'.
 */
export function startupDecision(expression: string, timeZone: string, lastRunMs: number | null, now: Date): { action: 'baseline' } | { action: 'catch-up'; missed: Date } | { action: 'none' } {
  if (lastRunMs === null) return { action: 'baseline' };
  const missed = missedRun(expression, timeZone, lastRunMs, now);
  return missed ? { action: 'catch-up', missed } : { action: 'none' };
}

export function startAlerts(services: Services, post: AlertPost | null, opts: StartAlertsOptions = {}): AlertsHandle {
  const { config, log: baseLog } = services;
  const log = baseLog.child({ component: 'alerts' });
  const jobs = opts.jobs ?? alertJobs();
  const outbox = new AlertOutbox(services.store.alerts, log, opts.outbox);
  const running = new Map<JobName, Promise<JobOutcome | null>>();
  const tasks: Array<{ job: AlertJob; expression: string; task: ScheduledTask }> = [];
  let stopped = false;

  const flush = async (): Promise<void> => {
    if (!post) return;
    try {
      await outbox.flush(post, services.clock());
    } catch (err) {
      log.error({ err }, 'outbox flush failed');
    }
  };

  const lease = leaseDeps(services.store.leases, services.instance, services.clock, log, 'alert job');
  /** The tick each job last ran for in this process (ms): never taken over again here, recorded or not. */
  const ranHere = new Map<JobName, number>();

  /** The tick of `expression` at `now` had its run already (by this process or another). */
  async function ranFor(job: AlertJob, expression: string, now: Date): Promise<boolean> {
    const due = previousFire(expression, config.timezone, now);
    const last = await lastJobRun(services, job.name);
    return Boolean(last && due && last.last_run_ms >= due.getTime());
  }

  /**
   * `expression` is given for ticks, catch-ups and takeovers: the run is skipped when its
   * scheduled time already had one. A manual run always runs (under the lease all the same).
   */
  function runGuarded(job: AlertJob, reason: 'scheduled' | 'catch-up' | 'takeover' | 'manual', expression?: string): Promise<JobOutcome | null> {
    if (stopped) return Promise.resolve(null);
    if (running.has(job.name)) {
      if (reason !== 'takeover') log.warn({ job: job.name, reason }, 'alert job still running; this run is skipped');
      return Promise.resolve(null);
    }
    const now = services.clock();
    const p = (async (): Promise<JobOutcome | null> => {
      try {
        const leased = await underJobLease(lease, job.name, async (): Promise<JobOutcome | null> => {
          // Checked under the lease: a process that ran this tick a moment ago has recorded it.
          if (expression !== undefined && (await ranFor(job, expression, now))) {
            if (reason !== 'takeover') log.info({ job: job.name, scheduled: previousFire(expression, config.timezone, now)?.toISOString() }, 'alert job already ran for this time; skipped');
            return null;
          }
          if (reason === 'takeover') log.warn({ job: job.name }, 'alert job tick left undone by another process (its lease lapsed): running it here');
          // Once run here, never taken over here again, even if its record could not be written
          // (SQLite locked by an import): the next start catches it up instead.
          const due = expression === undefined ? null : previousFire(expression, config.timezone, now);
          if (due) ranHere.set(job.name, due.getTime());
          log.info({ job: job.name, reason, now: now.toISOString() }, 'alert job started');
          const outcome = await runJob(services, job, now, { outbox, post });
          await recordJobRun(services, job.name, now, outcome.status, outcome.status === 'failed' ? (outcome.reason ?? null) : null);
          log.info({ job: job.name, status: outcome.status, alerts: outcome.alerts.length }, 'alert job finished');
          opts.onJobFinished?.(job.name, outcome);
          return outcome;
        });
        if (!leased.held) {
          if (leased.unavailable) log.warn({ job: job.name, reason }, 'alert job skipped: the store could not be asked who runs it; the takeover sweep tries again');
          else if (reason !== 'takeover') log.info({ job: job.name, reason }, 'alert job is running in another process; this run is skipped');
          return null;
        }
        return leased.value;
      } catch (err) {
        // runJob catches job errors; this is the bookkeeping itself failing (e.g. the database).
        log.error({ err, job: job.name }, 'alert job failed');
        return null;
      } finally {
        running.delete(job.name);
      }
    })();
    running.set(job.name, p);
    return p;
  }

  for (const name of jobsNotImplemented(jobs)) {
    if (config.schedules[name] !== null) log.info({ job: name }, `schedules.${name} is set but no ${name} job is registered yet; nothing runs for it`);
  }
  for (const job of jobs) {
    const expression = config.schedules[job.name];
    if (expression === null) {
      log.info({ job: job.name }, `schedules.${job.name} is null: off`);
      continue;
    }
    const task = cron.schedule(
      expression,
      async () => {
        await runGuarded(job, 'scheduled', expression);
      },
      { timezone: config.timezone, name: `routeops-alerts-${job.name}`, noOverlap: true },
    );
    tasks.push({ job, expression, task });
  }

  const ready = (async () => {
    const now = services.clock();
    for (const { job, expression } of tasks) {
      try {
        const last = await lastJobRun(services, job.name);
        const d = startupDecision(expression, config.timezone, last?.last_run_ms ?? null, now);
        if (d.action === 'baseline') await recordJobRun(services, job.name, now, 'baseline');
        else if (d.action === 'catch-up' && (opts.catchUp ?? true)) {
          log.info({ job: job.name, missed: d.missed.toISOString(), last_run: last?.last_run_at }, 'catching up a run missed while down');
          await runGuarded(job, 'catch-up', expression);
        }
      } catch (err) {
        log.error({ err, job: job.name }, 'alert catch-up failed');
      }
    }
    await flush();
  })();

  const timer = opts.flushIntervalMs === 0 ? null : setInterval(() => void flush(), opts.flushIntervalMs ?? 30_000);
  timer?.unref();

  // A tick recorded by nobody and leased by nobody: its holder died (or this process missed it).
  // Jobs never run are left to the start-up baseline.
  const takeover = async () => {
    for (const { job, expression } of tasks) {
      if (stopped || running.has(job.name)) continue;
      try {
        const due = previousFire(expression, config.timezone, services.clock());
        if (due && (ranHere.get(job.name) ?? -Infinity) >= due.getTime()) continue;
        const last = await lastJobRun(services, job.name);
        if (last === null || (await ranFor(job, expression, services.clock()))) continue;
        await runGuarded(job, 'takeover', expression);
      } catch (err) {
        log.error({ err, job: job.name }, 'alert job takeover check failed');
      }
    }
  };
  const takeoverTimer = opts.takeoverIntervalMs === 0 ? null : setInterval(() => void ready.then(takeover), opts.takeoverIntervalMs ?? 15_000);
  takeoverTimer?.unref();

  return {
    ready,
    scheduled: () => tasks.map(({ job, expression }) => ({ job: job.name, expression, next: nextFire(expression, config.timezone, services.clock()) })),
    runNow(name) {
      const job = jobs.find((j) => j.name === name);
      return job ? runGuarded(job, 'manual') : Promise.resolve(null);
    },
    flush,
    takeover: () => ready.then(takeover),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      if (takeoverTimer) clearInterval(takeoverTimer);
      for (const { task } of tasks) {
        await task.stop();
        await task.destroy();
      }
      await ready;
      await Promise.allSettled([...running.values()]);
      await flush();
    },
  };
}
