// Running alert jobs once: shared by the scheduler (cron ticks, catch-up) and by
// `routeops alerts run [--now ISO] [--dry-run] [--json]` (ARCHITECTURE 3.1).
//
// A run: a job whose channel is not configured is skipped (and says why); otherwise its alerts
// are computed at `now`, those already recorded are dropped, the new ones are recorded in the
// outbox and — when a post function is given — the outbox is flushed (new alerts and any
// older ones due for a retry). A job that throws is logged and reported; the others still run.
import type { Services } from '../services.js';
import { AlertOutbox } from './delivery.js';
import { alertJobs } from './jobs/index.js';
import { channelFor, JOB_NAMES, type Alert, type AlertJob, type AlertPost, type JobName } from './types.js';

export type AlertStatus = 'sent' | 'pending' | 'dry-run';

export interface JobOutcome {
  job: JobName;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it was skipped, or the error of a failed job. */
  reason?: string;
  alerts: Array<Alert & { status: AlertStatus; error?: string }>;
}

export interface RunJobOptions {
  outbox: AlertOutbox;
  /** null: record only (the alerts stay pending in the outbox for a process that can post). */
  post: AlertPost | null;
  /** Compute and report, record nothing, post nothing. */
  dryRun?: boolean;
}

export async function runJob(services: Services, job: AlertJob, now: Date, opts: RunJobOptions): Promise<JobOutcome> {
  const log = services.log.child({ job: job.name });
  if (services.config.schedules[job.name] === null) {
    const reason = `schedules.${job.name} is null, so ${job.name} alerts are off`;
    log.info({ reason }, 'alert job skipped');
    return { job: job.name, status: 'skipped', reason, alerts: [] };
  }
  const target = channelFor(services, job.channel);
  if ('missing' in target) {
    const reason = `${target.missing} is not set in the config, so ${job.name} alerts are off`;
    log.info({ reason }, 'alert job skipped');
    return { job: job.name, status: 'skipped', reason, alerts: [] };
  }
  let candidates: Alert[];
  try {
    candidates = await job.run(services, now, { dryRun: opts.dryRun === true });
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
  if (opts.dryRun) return { job: job.name, status: 'ok', alerts: fresh.map((a) => ({ ...a, status: 'dry-run' as const })) };

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

export interface AlertsCommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export interface AlertsCommandOptions {
  /** Default alertJobs(): the built-in jobs. */
  jobs?: readonly AlertJob[];
}

export const ALERTS_USAGE = 'Usage: routeops alerts run [--now ISO] [--dry-run] [--json]\n' +
  '  --now ISO   run as if it were this time (2026-07-17T09:00:00Z, or a day: 2026-07-17 = its start in the configured timezone)\n' +
  '  --dry-run   print what would be posted; record and post nothing\n' +
  '  --json      one JSON document: {"alerts":[{"key","kind","channel","text",…}],"jobs":[…]}\n';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

type Parsed = { ok: true; now: string | null; dryRun: boolean; json: boolean } | { ok: false; error: string };

function parseArgs(argv: readonly string[]): Parsed {
  const args = [...argv];
  if (args[0] === 'run') args.shift();
  else if (args[0] !== undefined && !args[0].startsWith('--')) return { ok: false, error: `unknown alerts subcommand "${args[0].slice(0, 40)}"` };
  let now: string | null = null;
  let dryRun = false;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--dry-run') dryRun = true;
    else if (a === '--json') json = true;
    else if (a === '--now' || a.startsWith('--now=')) {
      const v = a === '--now' ? args[++i] : a.slice('--now='.length);
      if (v === undefined || v === '') return { ok: false, error: '--now needs a time, like 2026-07-17T09:00:00Z' };
      now = v;
    } else return { ok: false, error: `unexpected "${a.slice(0, 40)}"` };
  }
  return { ok: true, now, dryRun, json };
}

/** --now value -> Date: an ISO instant with a zone, or a day (its start in the configured timezone). */
export function parseNow(value: string, services: Pick<Services, 'zone'>): Date | string {
  if (ISO_DAY.test(value)) {
    const d = new Date(`${value}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) return `--now: "${value}" is not a date`;
    return new Date(services.zone.startOfDay(value));
  }
  if (!ISO_INSTANT.test(value)) return `--now: expected an ISO-8601 time with a zone, like 2026-07-17T09:00:00Z (got "${value.slice(0, 40)}")`;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return `--now: "${value.slice(0, 40)}" is not a valid time`;
  return d;
}

/**
 * `routeops alerts run [--now ISO] [--dry-run] [--json]`. `argv` is what follows `alerts`
 * (["run", "--now", "…", "--json"]; a leading "run" may be left out). Runs every job once at
 * `now` (default services.clock()). Without --dry-run new alerts are recorded and, when `post`
 * is given, posted; with `post` null they stay pending in the outbox (the running bot posts
 * them). Exit code: 0 ok, 1 a job failed, 2 bad usage.
 */
export async function runAlertsCommand(argv: string[], services: Services, post: AlertPost | null, io: AlertsCommandIO, opts: AlertsCommandOptions = {}): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    io.stderr(`${parsed.error}\n${ALERTS_USAGE}`);
    return 2;
  }
  let now = services.clock();
  if (parsed.now !== null) {
    const n = parseNow(parsed.now, services);
    if (typeof n === 'string') {
      io.stderr(`${n}\n${ALERTS_USAGE}`);
      return 2;
    }
    now = n;
  }
  const jobs = opts.jobs ?? alertJobs();
  const outbox = new AlertOutbox(services.store.alerts, services.log);
  const outcomes = await runJobs(services, jobs, now, { outbox, post, dryRun: parsed.dryRun });
  // Older alerts still in the outbox (a post that failed before) get their retry too.
  const retried = post && !parsed.dryRun ? (await outbox.flush(post, now)).sent : [];
  const missing = jobsNotImplemented(jobs);
  const alerts = outcomes.flatMap((o) => o.alerts.map((a) => ({ ...a, job: o.job })));
  const failed = outcomes.some((o) => o.status === 'failed');

  if (parsed.json) {
    const doc = {
      now: now.toISOString(),
      dry_run: parsed.dryRun,
      alerts: alerts.map((a) => ({ key: a.key, kind: a.kind, channel: a.channel, text: a.text, job: a.job, status: a.status, ...(a.error ? { error: a.error } : {}) })),
      outbox_retried: retried,
      jobs: [
        ...outcomes.map((o) => ({ name: o.job, status: o.status, alerts: o.alerts.length, ...(o.reason ? { reason: o.reason } : {}) })),
        ...missing.map((name) => ({ name, status: 'not_implemented', alerts: 0, reason: `no ${name} job is registered yet` })),
      ],
    };
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    return failed ? 1 : 0;
  }

  const lines: string[] = [`Alert checks at ${now.toISOString()} (timezone ${services.config.timezone})${parsed.dryRun ? ', dry run' : ''}:`];
  for (const o of outcomes) {
    if (o.status === 'skipped') lines.push(`${o.job}: skipped: ${o.reason}`);
    else if (o.status === 'failed') lines.push(`${o.job}: FAILED: ${o.reason}`);
    else lines.push(`${o.job}: ${o.alerts.length === 0 ? 'nothing new' : `${o.alerts.length} alert${o.alerts.length === 1 ? '' : 's'}`}`);
    for (const a of o.alerts) {
      const state = a.status === 'dry-run' ? 'would post' : a.status === 'sent' ? 'posted' : post ? `queued for retry (${a.error ?? 'not posted'})` : 'queued in the outbox';
      lines.push(`  [${a.kind}] to ${a.channel}, ${state}: ${a.key}`, `    ${a.text}`);
    }
  }
  for (const name of missing) lines.push(`${name}: no job registered yet (nothing checked)`);
  if (retried.length) lines.push(`Outbox: ${retried.length} earlier alert${retried.length === 1 ? '' : 's'} posted on retry (${retried.join(', ')}).`);
  const pending = alerts.filter((a) => a.status === 'pending').length;
  if (parsed.dryRun) lines.push('Dry run: nothing was recorded or posted.');
  else if (pending && !post) lines.push(`${pending} alert${pending === 1 ? '' : 's'} recorded in the outbox: Slack is not configured here, so the running bot will post ${pending === 1 ? 'it' : 'them'}.`);
  else if (pending) lines.push(`${pending} alert${pending === 1 ? '' : 's'} could not be posted now and will be retried from the outbox.`);
  io.stdout(`${lines.join('\n')}\n`);
  return failed ? 1 : 0;
}
