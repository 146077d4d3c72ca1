// routeops alerts run [--now ISO] [--dry-run] [--json]: every alert check once, at `now`
// (default the clock). The checks run in src/features/alerts; this file reads the options and
// renders the outcome as text or as the JSON document (docs/ARCHITECTURE.md §3.1).
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { truncateForMessage } from '../src/domain/text.js';
import type { Zone } from '../src/domain/time/zone.js';
import { isDayForm, isValidDay, parseIsoInstant } from '../src/domain/time/iso.js';
import { runAlertChecks, type AlertChecksResult } from '../src/features/alerts/run.js';
import { CLI_ONLY, defineCommand } from './types.js';

interface AlertsRunArgs {
  now: string | null;
  dryRun: boolean;
}

const USAGE =
  'alerts run [--now ISO] [--dry-run] [--json]\n' +
  '  --now ISO   run as if it were this time (2026-07-17T09:00:00Z, or a day: 2026-07-17 = its start in the configured timezone)\n' +
  '  --dry-run   print what would be posted; record and post nothing\n' +
  '  --json      one JSON document: {"alerts":[{"key","kind","channel","text",…}],"jobs":[…]}';


/** --now value -> Date: an ISO instant with a zone, or a day (its start in the configured timezone). */
/** The `--now` option as given (null: not given); an empty one is a usage error. Read in `parse`, turned into a time by parseNow in `run`. */
export function nowOption(options: Record<string, unknown>): string | null {
  const now = options.now as string | undefined;
  if (now === '') throw new UsageError('--now needs a time, like 2026-07-17T09:00:00Z');
  return now ?? null;
}

export function parseNow(value: string, zone: Pick<Zone, 'startOfDay'>): Date {
  if (isDayForm(value)) {
    if (!isValidDay(value)) throw new UsageError(`--now: "${value}" is not a date`);
    return new Date(zone.startOfDay(value));
  }
  const ms = parseIsoInstant(value);
  if (Number.isNaN(ms)) throw new UsageError(`--now: expected an ISO-8601 time with a zone, like 2026-07-17T09:00:00Z (got "${value.slice(0, 40)}")`);
  return new Date(ms);
}

function renderJson(result: AlertChecksResult, now: Date, dryRun: boolean) {
  const { outcomes, retried, missing } = result;
  const alerts = outcomes.flatMap((o) => o.alerts.map((a) => ({ ...a, job: o.job })));
  return {
    now: now.toISOString(),
    dry_run: dryRun,
    alerts: alerts.map((a) => ({ key: a.key, kind: a.kind, channel: a.channel, text: a.text, job: a.job, status: a.status, ...(a.error ? { error: a.error } : {}) })),
    outbox_retried: retried,
    jobs: [
      ...outcomes.map((o) => ({ name: o.job, status: o.status, alerts: o.alerts.length, ...(o.reason ? { reason: o.reason } : {}) })),
      ...missing.map((name) => ({ name, status: 'not_implemented', alerts: 0, reason: `no ${name} job is registered yet` })),
    ],
  };
}

function renderText(result: AlertChecksResult, now: Date, timezone: string, dryRun: boolean, canPost: boolean): string {
  const { outcomes, retried, missing } = result;
  const lines: string[] = [`Alert checks at ${now.toISOString()} (timezone ${timezone})${dryRun ? ', dry run' : ''}:`];
  for (const o of outcomes) {
    if (o.status === 'skipped') lines.push(`${o.job}: skipped: ${o.reason}`);
    else if (o.status === 'failed') lines.push(`${o.job}: FAILED: ${o.reason}`);
    else lines.push(`${o.job}: ${o.alerts.length === 0 ? 'nothing new' : `${o.alerts.length} alert${o.alerts.length === 1 ? '' : 's'}`}${o.reason ? ` (${o.reason})` : ''}`);
    for (const a of o.alerts) {
      const state = a.status === 'dry-run' ? 'would post' : a.status === 'sent' ? 'posted' : canPost ? `queued for retry (${a.error ?? 'not posted'})` : 'queued in the outbox';
      lines.push(`  [${a.kind}] to ${a.channel}, ${state}: ${a.key}`, `    ${a.text}`);
    }
  }
  for (const name of missing) lines.push(`${name}: no job registered yet (nothing checked)`);
  if (retried.length) lines.push(`Outbox: ${retried.length} earlier alert${retried.length === 1 ? '' : 's'} posted on retry (${retried.join(', ')}).`);
  const pending = outcomes.flatMap((o) => o.alerts).filter((a) => a.status === 'pending').length;
  if (dryRun) lines.push('Dry run: nothing was recorded or posted.');
  else if (pending && !canPost) lines.push(`${pending} alert${pending === 1 ? '' : 's'} recorded in the outbox: Slack is not configured here, so the running bot will post ${pending === 1 ? 'it' : 'them'}.`);
  else if (pending) lines.push(`${pending} alert${pending === 1 ? '' : 's'} could not be posted now and will be retried from the outbox.`);
  return lines.join('\n');
}

export const alertsRunCommand = defineCommand<AlertsRunArgs>({
  name: 'alerts run',
  summary: 'Run every alert check once (new alerts are recorded, and posted when Slack is configured)',
  usage: USAGE,
  adapters: CLI_ONLY,
  options: { now: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  parse: ({ options, positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected "${truncateForMessage(positionals[0]!)}"`);
    return { now: nowOption(options), dryRun: options['dry-run'] === true };
  },
  async run(args, ctx): Promise<Reply> {
    const services = ctx.services();
    const now = args.now === null ? services.clock() : parseNow(args.now, services.zone);
    const post = args.dryRun ? null : ((await ctx.alertPost?.()) ?? null);
    const result = await runAlertChecks(services, { now, post, dryRun: args.dryRun, jobs: ctx.alertJobs });
    const failed = result.outcomes.some((o) => o.status === 'failed');
    return {
      kind: 'result',
      title: '',
      body: renderText(result, now, services.config.timezone, args.dryRun, post !== null),
      data: renderJson(result, now, args.dryRun),
      ...(failed ? { failed: true } : {}),
    };
  },
});
