// Prepaid balances on a schedule (`schedules.balances`, default hourly): every provider with a
// balance source is polled and each good reading recorded as a snapshot, with the top-ups and
// grants since the one before (src/features/balances/poll.ts). It runs without an alerts channel
// too: the history is what runway and the bill check are computed from. With a channel it then
// alerts from what /balance shows (src/features/balances/alerts.ts: runway, balance_floor,
// unavailable — also from calls refused for lack of money on a route —, top_up) and from the bill check of yesterday (src/features/balances/bill-check.ts:
// reconciliation:<provider>:<day>, once a day). A provider whose poll failed is named in the run's notes (`alerts run`
// jobs[].reason) and the log. A dry run reads the balances and records nothing.
import { balanceAlerts, DEFAULT_RUNWAY_DAYS } from '../../balances/alerts.js';
import { billCheck, billCheckText } from '../../balances/bill-check.js';
import { pollBalances } from '../../balances/poll.js';
import { balanceView } from '../../balances/view.js';
import { DAY_MS } from '../../../domain/money/runway.js';
import { nanoToNumber } from '../../../domain/money/units.js';
import { addDays } from '../../../domain/time/zone.js';
import { channelFor, type AlertJob } from '../types.js';

export const balancesJob: AlertJob = {
  name: 'balances',
  channel: 'alerts',
  runsWithoutChannel: true,
  async run(services, now, opts) {
    const { results } = await pollBalances(services, { now, record: opts?.dryRun !== true });
    for (const r of results) if (!r.ok) opts?.note?.(`${r.provider}: ${r.error.message}`);
    const target = channelFor(services, 'alerts');
    if (!('channel' in target)) return [];
    const view = await balanceView(services, now);
    const { balances } = services.store;
    const failures = new Map<string, { count: number; lastSnapshotAt: string | null }>();
    const lastTopUpId = new Map<string, number>();
    for (const l of view.lines) {
      failures.set(l.provider, { count: (await balances.failuresSinceLastSnapshot(l.provider)).filter((f) => f.at_ms <= now.getTime()).length, lastSnapshotAt: l.at });
      const topUps = (await balances.events(l.provider, 0, now.getTime() + 1)).filter((e) => e.kind === 'top_up');
      lastTopUpId.set(l.provider, topUps.at(-1)?.id ?? 0);
    }
    const yesterday = addDays(services.zone.dayOf(now.getTime()), -1);
    const checks = (await billCheck(services, yesterday)).filter((c) => c.flagged);
    const bills = checks.map((c) => {
      const text = billCheckText(c);
      return {
        key: `reconciliation:${c.provider}:${c.day}`,
        kind: 'reconciliation' as const,
        channel: target.channel,
        text,
        reply: { kind: 'result' as const, title: `Bill check: ${c.provider} ${c.day}`, summary: text, data: { provider: c.provider, day: c.day, currency: c.currency, rate: c.rate, deducted_usd: nanoToNumber(c.deducted_nano), ledger_usd: nanoToNumber(c.ledger_nano), gap_usd: nanoToNumber(c.gap_nano), gap_pct: c.gap_pct, cause: c.cause } },
      };
    });
    return [...bills, ...balanceAlerts({
      lines: view.lines,
      failures,
      recentTopUps: await balances.events(null, now.getTime() - DAY_MS, now.getTime() + 1),
      lastTopUpId,
      refusals: await balances.refusals(now.getTime() - DAY_MS, now.getTime() + 1),
      runwayDays: services.config.budgets.runway_days ?? DEFAULT_RUNWAY_DAYS,
      floors: services.config.budgets.balance_floor ?? {},
      channel: target.channel,
    })];
  },
};
