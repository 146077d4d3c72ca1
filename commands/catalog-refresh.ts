// routeops catalog refresh [--now ISO] [--json]: the catalog sources fetched once, as the `prices`
// schedule fetches them (src/features/alerts/catalog-refresh.ts), and what came of it: each
// source read or not and why, the changes that held, the proposals made, the alert queued.
// Exit 0 when every configured source was read (or none is configured), 1 when one was not
// (down, HTML, cut short, ignored as incomplete) or the run failed, 2 on bad usage
// (docs/ARCHITECTURE.md §3.1).
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { truncateForMessage } from '../src/domain/text.js';
import { refreshCatalog, type CatalogRefreshResult } from '../src/features/alerts/catalog-refresh.js';
import type { SourceOutcome } from '../src/features/catalog/refresh-report.js';
import { CATALOG_SOURCES } from '../src/config/schema.js';
import { nowOption, parseNow } from './alerts-run.js';
import { CLI_ONLY, defineCommand } from './types.js';

const USAGE =
  'catalog refresh [--now ISO] [--json]\n' +
  '  --now ISO   run as if it were this time (2026-07-17T09:00:00Z, or a day: 2026-07-17 = its start in the configured timezone)\n' +
  '  --json      one JSON document: {"sources":[{"source","ok","entries","checked_at","baseline","error"}],"changes":n,"proposals":[…],"alerts":n,…}';

/** Changes listed one by one in the text; the rest are counted. */
const LISTED_CHANGES = 20;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function noSourcesText(providerModels: boolean): string {
  const keys = CATALOG_SOURCES.map((s) => `catalog.sources.${s}`);
  const turnOn = `Turn one on in the config: ${keys.slice(0, -1).join(', ')} or ${keys[keys.length - 1]!} (an http(s) URL or a file path each, .gz ok)`;
  return providerModels
    ? `No catalog source can be read, so nothing was fetched: catalog.provider_models is on, but no provider has an API key set. ${turnOn}.`
    : `No catalog source is configured, so nothing was fetched. ${turnOn}, or catalog.provider_models: true (each provider's /models, for providers with an API key).`;
}

function sourceLine(s: SourceOutcome): string {
  if (s.entries === null) return `${s.source}: FAILED: ${s.error ?? 'not read'}`;
  const read = `fetched ${plural(s.entries, 'entry', 'entries')}${s.checked_at ? `, checked ${s.checked_at.slice(0, 10)}` : ''}`;
  if (!s.ok) return `${s.source}: ${read}, but IGNORED: ${(s.error ?? '').replace(/^ignored: /, '')}`;
  return `${s.source}: ${read}${s.baseline ? ' (first fetch: the baseline; changes count from the next one)' : ''}`;
}

function alertsText(result: CatalogRefreshResult, canPost: boolean): string {
  if (result.alertsOff) return `Alerts: none posted: ${result.alertsOff}.`;
  const alerts = result.alerts;
  if (alerts.length === 0) return 'Alerts: nothing new to announce.';
  const sent = alerts.filter((a) => a.status === 'sent').length;
  const pending = alerts.length - sent;
  const parts: string[] = [];
  if (sent) parts.push(`${plural(sent, 'alert')} posted to ${alerts.find((a) => a.status === 'sent')!.channel}`);
  if (pending && canPost) parts.push(`${plural(pending, 'alert')} could not be posted now and will be retried from the outbox`);
  if (pending && !canPost) parts.push(`${plural(pending, 'alert')} queued in the outbox: Slack is not configured here, so the running bot will post ${pending === 1 ? 'it' : 'them'}`);
  return `Alerts: ${parts.join('; ')}.`;
}

function renderText(result: CatalogRefreshResult, now: Date, canPost: boolean): string {
  const lines = [`Catalog refresh at ${now.toISOString()}:`];
  const report = result.report;
  const outcomes = new Map((report?.sources ?? []).map((s) => [s.source, s]));
  for (const name of CATALOG_SOURCES) {
    const s = outcomes.get(name);
    lines.push(`  ${s ? sourceLine(s) : `${name}: off (catalog.sources.${name} is null)`}`);
  }
  for (const s of report?.sources ?? []) if (!(CATALOG_SOURCES as readonly string[]).includes(s.source)) lines.push(`  ${sourceLine(s)}`);
  if (result.error) {
    lines.push(`The run failed: ${result.error} (the error is logged).`);
    return lines.join('\n');
  }
  if (!report) return lines.join('\n');
  lines.push(`Changes: ${report.confirmed.length} confirmed, ${report.held.length} held as suspect (over 10x), ${report.pending} seen once (waiting for the next fetch)`);
  for (const c of report.confirmed.slice(0, LISTED_CHANGES)) lines.push(`  ${c.provider}/${c.model} (${c.source}): ${[...new Set(c.changes.map((x) => x.kind))].join(', ')}`);
  if (report.confirmed.length > LISTED_CHANGES) lines.push(`  … and ${report.confirmed.length - LISTED_CHANGES} more`);
  lines.push(report.proposals.length ? `Proposals: ${report.proposals.length} new` : 'Proposals: none new');
  for (const { proposal: p, applied } of report.proposals) {
    const state = applied ? ' (applied: catalog.auto_apply)' : p.suspect ? ' SUSPECT (a change of more than 10x)' : '';
    lines.push(`  ${p.id}: ${p.provider}/${p.model} ${p.kind} from ${p.source}, effective ${p.effective}${state}`);
  }
  if (report.proposals.some((x) => !x.applied)) lines.push('  decide: routeops prices apply ID  or  routeops prices ignore ID  (routeops prices list shows them)');
  lines.push(alertsText(result, canPost));
  return lines.join('\n');
}

function renderJson(result: CatalogRefreshResult, now: Date) {
  const report = result.report;
  return {
    now: now.toISOString(),
    sources: (report?.sources ?? []).map((s) => ({ source: s.source, ok: s.ok, entries: s.entries, checked_at: s.checked_at, baseline: s.baseline, error: s.error })),
    off: result.off,
    changes: report?.confirmed.length ?? 0,
    held: report?.held.length ?? 0,
    pending: report?.pending ?? 0,
    proposals: (report?.proposals ?? []).map(({ proposal: p, applied }) => ({
      id: p.id,
      kind: p.kind,
      provider: p.provider,
      model: p.model,
      source: p.source,
      effective: p.effective,
      status: applied ? 'applied' : p.status,
      suspect: p.suspect,
    })),
    alerts: result.alerts.length,
    alerts_off: result.alertsOff,
    error: result.error,
  };
}

export const catalogRefreshCommand = defineCommand<{ now: string | null }>({
  name: 'catalog refresh',
  summary: 'Fetch the catalog sources once (what the prices schedule runs): changes, proposals, alerts',
  usage: USAGE,
  adapters: CLI_ONLY,
  options: { now: { type: 'string' } },
  parse: ({ options, positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected "${truncateForMessage(positionals[0]!)}"; catalog refresh takes --now ISO and --json`);
    return { now: nowOption(options) };
  },
  async run(args, ctx): Promise<Reply> {
    const services = ctx.services();
    const now = args.now === null ? services.clock() : parseNow(args.now, services.zone);
    const post = (await ctx.alertPost?.()) ?? null;
    const result = await refreshCatalog(services, { now, post });
    if (result.configured.length === 0) return { kind: 'result', title: '', body: noSourcesText(services.config.catalog.provider_models), data: renderJson(result, now) };
    const failed = result.error !== null || (result.report?.sources.some((s) => !s.ok) ?? true);
    return { kind: 'result', title: '', body: renderText(result, now, post !== null), data: renderJson(result, now), ...(failed ? { failed: true } : {}) };
  },
});
