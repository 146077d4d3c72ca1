// /routecheck TARGET [--long]: smoke-tests every route of TARGET and reports, per route, which
// features really work, with latency, TTFT, tokens/s and cost, what differs between the routes,
// and what changed since the last run.
import type { Reply } from '../src/domain/reply.js';
import { formatUsdExact, nusdToUsd } from '../src/domain/money/units.js';
import { CHECK_NAMES, type CheckOutcome } from '../src/features/routecheck/checks.js';
import type { RouteCheckReport, RouteResult } from '../src/features/routecheck/runner.js';
import { UsageError } from '../src/domain/errors.js';
import { cliFlags, defineCommand, EVERYWHERE, unknownOptionError, type Adapter } from './types.js';

export interface RoutecheckArgs {
  target: string;
  long: boolean;
}

const usage = (adapter: Adapter): string => `routecheck TARGET [--long]${cliFlags(adapter)}\nTARGET: a model alias (qwen-plus), a route (provider/model), or all. --long adds a ~32K-token long-context check (its cost is shown first).`;

/** Reads `TARGET [--long]`; throws UsageError when it cannot. */
export function readRoutecheckArgs(text: string, adapter: Adapter = 'slack'): RoutecheckArgs {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const long = words.includes('--long');
  const rest = words.filter((w) => w !== '--long');
  const unknownFlag = rest.find((w) => w.startsWith('--'));
  if (unknownFlag) throw unknownOptionError(unknownFlag, 'routecheck', ['--long'], adapter);
  if (rest.length !== 1) throw new UsageError(rest.length ? 'give one target' : 'which target? An alias, provider/model, or all');
  return { target: rest[0]!, long };
}

const SYMBOL: Record<CheckOutcome['status'], string> = { pass: 'pass', fail: 'FAIL', 'n/a': 'n/a' };

/** Facts that differ between the routes of one target, one line each. */
export function routeDifferences(routes: RouteResult[]): string[] {
  if (routes.length < 2) return [];
  const factsOf = (r: RouteResult) => Object.assign({}, r.checks.chat.facts, r.checks.stream.facts, r.checks.tools.facts);
  const all = routes.map((r) => ({ name: `${r.route.provider}/${r.route.model}`, facts: factsOf(r) as Record<string, string> }));
  const keys = [...new Set(all.flatMap((a) => Object.keys(a.facts)))].sort();
  const lines: string[] = [];
  for (const key of keys) {
    const values = new Map<string, string[]>();
    for (const a of all) {
      const v = a.facts[key];
      if (v === undefined) continue;
      values.set(v, [...(values.get(v) ?? []), a.name]);
    }
    if (values.size > 1) lines.push(`${key.replace(/_/g, ' ')}: ${[...values].map(([v, names]) => `${v} on ${names.join(', ')}`).join('; ')}`);
  }
  return lines;
}

export function renderRoutecheck(report: RouteCheckReport): Reply {
  const failed = report.routes.flatMap((r) => CHECK_NAMES.filter((c) => r.checks[c].status === 'fail').map((c) => `${r.route.provider}/${r.route.model} ${c}: ${r.checks[c].reason}`));
  const checksRun = report.routes.reduce((n, r) => n + CHECK_NAMES.filter((c) => r.checks[c].status !== 'n/a').length, 0);
  const seconds = ((Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000).toFixed(1);
  const sections: Reply['sections'] = [];
  if (failed.length) sections.push({ heading: 'Failed', text: failed.join('\n') });
  const diffs = routeDifferences(report.routes);
  if (diffs.length) sections.push({ heading: 'Differences between routes', text: diffs.join('\n') });
  if (report.previousAt) {
    sections.push({
      heading: `Since the last run (${report.previousAt.slice(0, 16).replace('T', ' ')} UTC)`,
      text: report.changes.length ? report.changes.map((c) => `${c.provider}/${c.model} ${c.check}: ${c.from} → ${c.to}${c.to === 'fail' ? ` (${c.reason})` : ''}`).join('\n') : 'no check changed',
    });
  }
  const cell = (o: CheckOutcome) => (o.status === 'pass' && o.latency_ms !== null ? `pass ${o.latency_ms}ms` : SYMBOL[o.status]);
  return {
    kind: 'result',
    failed: !report.ok,
    title: `Route check: ${report.target}`,
    summary: `${report.ok ? 'All checks passed' : `${failed.length} check${failed.length === 1 ? '' : 's'} failed`} · ${report.routes.length} route${report.routes.length === 1 ? '' : 's'} · ${checksRun} checks · ${report.cost_nusd === null ? 'not priced' : formatUsdExact(report.cost_nusd)} · ${seconds} s`,
    table: {
      columns: [{ header: 'Route' }, ...CHECK_NAMES.map((c) => ({ header: c })), { header: 'TTFT', align: 'right' as const }, { header: 'tok/s', align: 'right' as const }, { header: 'Cost', align: 'right' as const }],
      rows: report.routes.map((r) => [
        `${r.route.provider}/${r.route.model}`,
        ...CHECK_NAMES.map((c) => cell(r.checks[c])),
        r.checks.stream.ttft_ms != null ? `${r.checks.stream.ttft_ms}ms` : '—',
        r.checks.stream.tokens_per_s != null ? String(r.checks.stream.tokens_per_s) : '—',
        r.cost_nusd === null ? 'not priced' : formatUsdExact(r.cost_nusd),
      ]),
    },
    sections,
    footer: 'Every check call is in the ledger with source "routecheck". Checks cap output at 1,024 tokens and ask thinking off where a switch exists.',
    data: {
      target: report.target,
      ok: report.ok,
      started_at: report.startedAt,
      finished_at: report.finishedAt,
      cost_usd: report.cost_nusd === null ? null : nusdToUsd(report.cost_nusd),
      routes: report.routes.map((r) => ({
        provider: r.route.provider,
        model: r.route.model,
        aliases: r.route.aliases,
        cost_usd: r.cost_nusd === null ? null : nusdToUsd(r.cost_nusd),
        checks: Object.fromEntries(
          CHECK_NAMES.map((c) => {
            const o = r.checks[c];
            return [c, { status: o.status, reason: o.reason, latency_ms: o.latency_ms, ...(o.ttft_ms != null ? { ttft_ms: o.ttft_ms } : {}), ...(o.tokens_per_s != null ? { tokens_per_s: o.tokens_per_s } : {}), ...(o.tokens ? { tokens: o.tokens } : {}) }];
          }),
        ),
      })),
      differences: diffs,
      changes: report.changes,
    },
  };
}

export const routecheckCommand = defineCommand<RoutecheckArgs>({
  name: 'routecheck',
  summary: 'Smoke-test every route of a model: chat, streaming, tools, JSON, long context, errors',
  usage,
  adapters: EVERYWHERE,
  access: 'routecheck',
  parse: (input, adapter) => readRoutecheckArgs(input.text, adapter),
  async run(args, { services, caller, progress }) {
    const run = await services().routecheck.run({ target: args.target, long: args.long, user: caller.id, onNotice: (text) => progress?.update(text) });
    if (!run.ok) {
      if (run.busy) return { kind: 'refusal', title: 'Already running', summary: run.error };
      throw new UsageError(run.error);
    }
    return renderRoutecheck(run.report);
  },
});
