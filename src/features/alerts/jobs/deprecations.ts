// Retirement alerts (docs/PROVIDERS.md §3). For every retirement (built-in, config, or a source's date)
// that touches a configured route or had ledger traffic in the last 30 days:
//
//   stage     when (calendar days in config.timezone)                         key suffix
//   d30       30 to 8 days before the retirement day                          :d30
//   d7        7 to 2 days before                                              :d7
//   d1        the day before, and the retirement day up to the retirement     :d1
//   retired   the first run at or after the retirement instant                :retired
//   daily     each later day (after the day `retired` was sent) while the    :daily:YYYY-MM-DD
//             model is still configured or still used since the retirement
//
// Keys are `retirement:<provider>/<model>@<ISO at>:<stage>`: each stage fires once, and a new
// retirement date (a source moving it) starts over. A run always sends only the current stage:
// one that falls between stages (the bot was down at the 7-day mark) sends the stage in force
// then, never the earlier ones it missed (they are no longer true: "retires in 7 days" on the
// day before would be wrong). Daily alerts resume only from the day after `retired` was sent,
// so a late `retired` alert is not followed by a daily one the same day.
//
// Each alert names the replacement, the aliases (and which of their routes) still pointing at
// the model, and its share of the last 7 days' requests and spend (today and the 6 days before).
import type { Retirement } from '../../../domain/catalog/types.js';
import type { Services } from '../../services.js';
import { addDays, daysBetweenInclusive, type DayString } from '../../../domain/time/zone.js';
import { formatUsd } from '../../../domain/money/units.js';
import type { Reply } from '../../../domain/reply.js';
import { percentText, plural, utcMinute } from '../format.js';
import { channelFor, type Alert, type AlertJob } from '../types.js';

/** The retirement alert's button (docs/ARCHITECTURE.md §3.3 interactivity). */
export const RETIREMENT_ROUTECHECK_ACTION = 'retirement.routecheck';

export type RetirementStage = 'd30' | 'd7' | 'd1' | 'retired' | 'daily';

/** The pre-retirement stage at `today` (calendar days in the zone), or null outside the 30-day window. */
export function preRetirementStage(today: DayString, retirementDay: DayString): { stage: 'd30' | 'd7' | 'd1'; daysLeft: number } | null {
  const daysLeft = daysBetweenInclusive(today, retirementDay) - 1;
  if (daysLeft > 30 || daysLeft < 0) return null;
  return { stage: daysLeft <= 1 ? 'd1' : daysLeft <= 7 ? 'd7' : 'd30', daysLeft };
}

export interface RoutePointer {
  alias: string;
  /** 1-based position among the alias's routes. */
  position: number;
  of: number;
}

/** Aliases whose routes use (provider, model), in config order. */
export function routesPointingAt(models: Services['config']['models'], provider: string, model: string): RoutePointer[] {
  const out: RoutePointer[] = [];
  for (const [alias, def] of Object.entries(models)) {
    def.routes.forEach((r, i) => {
      if (r.provider === provider && r.model === model) out.push({ alias, position: i + 1, of: def.routes.length });
    });
  }
  return out;
}

export function describePointers(pointers: RoutePointer[]): string {
  if (pointers.length === 0) return 'no configured alias routes to it';
  return pointers
    .map((p) => `alias ${p.alias} (route ${p.position} of ${p.of}, ${p.position === 1 ? 'primary' : 'fallback'})`)
    .join(', ');
}

export interface DeprecationsJobOptions {
  /**
   * Retirement dates from outside sources (OpenRouter expiration_date, LiteLLM
   * deprecation_date), added to the catalog's; a built-in or config retirement of the same
   * (provider, model) wins. Hook for the catalog source importers.
   */
  sourceRetirements?: (services: Services, now: Date) => readonly Retirement[] | Promise<readonly Retirement[]>;
}

interface Traffic {
  requests: number;
  cost: bigint;
}

async function trafficByModel(services: Services, from: DayString, to: DayString): Promise<Map<string, Traffic>> {
  const m = new Map<string, Traffic>();
  for (const r of await services.ledger.spendRollup('model', from, to)) {
    const t = m.get(r.key) ?? { requests: 0, cost: 0n };
    t.requests += r.requests;
    t.cost += r.cost_nusd;
    m.set(r.key, t);
  }
  return m;
}

/**
 * Requests to (provider, model) on the local days after the retirement day, within the last 7
 * days, from the daily rollup (reports never scan raw rows). The retirement day itself is left
 * out: its rollup also holds the traffic from before the cut-off.
 */
async function requestsSince(services: Services, r: Retirement, fromDay: DayString, today: DayString): Promise<number> {
  const key = `${r.provider}/${r.model}`;
  return (await services.ledger.spendRollup('model', fromDay, today))
    .filter((row) => row.key === key)
    .reduce((n, row) => n + row.requests, 0);
}

function mergeRetirements(catalog: readonly Retirement[], sources: readonly Retirement[]): Retirement[] {
  const seen = new Set(catalog.map((r) => `${r.provider}\u0000${r.model}`));
  const out = [...catalog];
  for (const r of sources) {
    const k = `${r.provider}\u0000${r.model}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(r);
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs || a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
}

export function retirementKey(r: Pick<Retirement, 'provider' | 'model' | 'at'>, stage: RetirementStage, day?: DayString): string {
  return `retirement:${r.provider}/${r.model}@${r.at}:${stage}${stage === 'daily' ? `:${day}` : ''}`;
}

export function makeDeprecationsJob(opts: DeprecationsJobOptions = {}): AlertJob {
  return {
    name: 'deprecations',
    channel: 'alerts',
    async run(services, now) {
      const target = channelFor(services, 'alerts');
      if (!('channel' in target)) return [];
      const { zone, config } = services;
      const nowMs = now.getTime();
      const today = zone.dayOf(nowMs);
      const weekFrom = addDays(today, -6);
      const extra = opts.sourceRetirements ? await opts.sourceRetirements(services, now) : [];
      const retirements = mergeRetirements(services.catalog.retirements(), extra);
      if (retirements.length === 0) return [];

      const month = await trafficByModel(services, addDays(today, -29), today);
      const week = await trafficByModel(services, weekFrom, today);
      const weekTotals = await services.ledger.totals(weekFrom, today);
      const alerts: Alert[] = [];

      for (const r of retirements) {
        const id = `${r.provider}/${r.model}`;
        const pointers = routesPointingAt(config.models, r.provider, r.model);
        const recent = month.get(id)?.requests ?? 0;
        if (pointers.length === 0 && recent === 0) continue;

        const retirementDay = zone.dayOf(r.atMs);
        let stage: RetirementStage;
        let headline: string;
        let key: string;
        if (nowMs < r.atMs) {
          const pre = preRetirementStage(today, retirementDay);
          if (!pre) continue;
          stage = pre.stage;
          key = retirementKey(r, stage);
          headline =
            pre.daysLeft === 0 ? `${id} retires today at ${utcMinute(r.at)}` : pre.daysLeft === 1 ? `${id} retires tomorrow, ${utcMinute(r.at)}` : `${id} retires in ${pre.daysLeft} days, on ${utcMinute(r.at)}`;
        } else {
          const retiredAt = await services.store.alerts.recordedAtMs(retirementKey(r, 'retired'));
          if (retiredAt === null) {
            stage = 'retired';
            key = retirementKey(r, stage);
            // routeops sends the retired model's calls to its replacement (src/features/routing/plan.ts).
            headline = r.replacement
              ? `${id} was retired at ${utcMinute(r.at)}: routeops now sends its calls to ${r.replacement}; direct calls to it may fail`
              : `${id} was retired at ${utcMinute(r.at)}: calls to it now fail`;
          } else {
            if (today <= zone.dayOf(retiredAt)) continue;
            const dayAfter = addDays(retirementDay, 1);
            const usedSince = await requestsSince(services, r, weekFrom > dayAfter ? weekFrom : dayAfter, today);
            if (pointers.length === 0 && usedSince === 0) continue;
            stage = 'daily';
            key = retirementKey(r, stage, today);
            const still = [pointers.length ? 'configured' : '', usedSince ? `used (${plural(usedSince, 'request')} since then)` : ''].filter(Boolean).join(' and ');
            const days = daysBetweenInclusive(retirementDay, today) - 1;
            headline = `${id} was retired ${plural(days, 'day')} ago (${utcMinute(r.at)}) and is still ${still}`;
          }
        }

        const w = week.get(id) ?? { requests: 0, cost: 0n };
        const replacement = r.replacement ? `Replacement: ${r.replacement}.` : 'No replacement is named.';
        const pointing = `Still pointing at it: ${describePointers(pointers)}.`;
        const share =
          weekTotals.requests === 0
            ? `No requests in the last 7 days (${weekFrom}..${today}).`
            : `Last 7 days (${weekFrom}..${today}): ${percentText(w.requests, weekTotals.requests)} of requests (${w.requests} of ${weekTotals.requests}) and ${percentText(w.cost, weekTotals.cost_nusd)} of spend (${formatUsd(w.cost)} of ${formatUsd(weekTotals.cost_nusd)}).`;
        const text = `${headline}. ${replacement} ${pointing} ${share}`;
        const reply: Reply = {
          kind: 'result',
          title: stage === 'retired' || stage === 'daily' ? `Retired: ${id}` : `Retirement ahead: ${id}`,
          summary: `${headline}.`,
          sections: [
            {
              fields: [
                { label: 'Retirement', value: utcMinute(r.at) },
                { label: 'Replacement', value: r.replacement ?? 'none named' },
                { label: 'Aliases still pointing at it', value: describePointers(pointers) },
                {
                  label: 'Last 7 days',
                  value:
                    weekTotals.requests === 0
                      ? 'no requests'
                      : `${percentText(w.requests, weekTotals.requests)} of requests, ${percentText(w.cost, weekTotals.cost_nusd)} of spend (${formatUsd(w.cost)})`,
                },
              ],
            },
          ],
          footer: `Source: ${r.source}. Stage ${stage}; alerts come 30, 7 and 1 days before, at the retirement, then daily while it is configured or used.`,
          data: { provider: r.provider, model: r.model, at: r.at, replacement: r.replacement, stage, aliases: pointers.map((p) => p.alias) },
          // Slack shows a button that runs /routecheck on the replacement into the alert's thread (src/adapters/slack/routecheck-button.ts).
          ...(r.replacement
            ? { decisions: [{ id: RETIREMENT_ROUTECHECK_ACTION, text: `Does ${r.provider}/${r.replacement} work for what ${id} did?`, choices: [{ action: RETIREMENT_ROUTECHECK_ACTION, label: 'Run route check on the replacement', value: `${r.provider}/${r.replacement}` }] }] }
            : {}),
        };
        alerts.push({ key, kind: 'retirement', channel: target.channel, text, reply });
      }
      return alerts;
    },
  };
}

export const deprecationsJob: AlertJob = makeDeprecationsJob();
