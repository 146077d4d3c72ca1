// The weekly spend report: the /spend last-week report (the previous Monday to Sunday in
// config.timezone) to slack.reports_channel, once per week: key `spend_report:<from>..<to>`.
// Run late (a catch-up on Tuesday) it still reports that week. With prepaid balances recorded, it
// also says per provider how the balance's fall compares with the ledger over the last 7 days (the
// bill check /balance shows, src/features/balances/view.ts).
import { formatUsd } from '../../../domain/money/units.js';
import { parsePeriod } from '../../../domain/time/period.js';
import { addDays } from '../../../domain/time/zone.js';
import { spendReport } from '../../reports/spend.js';
import { spendReply } from '../../reports/spend-reply.js';
import { balanceView } from '../../balances/view.js';
import { formatBalance } from '../../../domain/money/balance.js';
import { channelFor, type AlertJob } from '../types.js';
import { plural } from '../format.js';

export const spendReportJob: AlertJob = {
  name: 'spend_report',
  channel: 'reports',
  async run(services, now) {
    const target = channelFor(services, 'reports');
    if (!('channel' in target)) return [];
    // The report's "today" is this run's `now`, not the wall clock.
    const today = services.zone.dayOf(now.getTime());
    const period = parsePeriod('last-week', today);
    if (!period.ok) throw new Error(period.error);
    const { from, to } = period.period;
    const report = await spendReport(services.ledger, services.config.budgets, { period: period.period, groupBy: 'provider', today });
    let reply = spendReply(report, { timezone: services.config.timezone, csv: false });
    // The bill check of the report's own week: the view as it stood when the week ended.
    const weekEnd = new Date(services.zone.startOfDay(addDays(to, 1)));
    const gaps = (await balanceView(services, weekEnd)).lines.filter((l) => l.gap_pct !== null && l.burn_nano !== null && l.ledger_nano !== null);
    if (gaps.length) {
      const fields = gaps.map((l) => ({
        label: l.provider,
        value: `${l.gap_pct! > 0 ? '+' : ''}${l.gap_pct}%: the balance fell ${formatBalance(l.burn_nano!, l.currency!)} a day, the ledger says ${formatBalance(l.ledger_nano!, l.currency!)}`,
      }));
      reply = { ...reply, sections: [...(reply.sections ?? []), { heading: 'Bill check, last 7 days (provider deductions vs the ledger)', fields }] };
    }
    // The gateway's services: each key's spend and calls in the week (its rows carry the key's name as user).
    const keyNames = new Set((await services.store.gatewayKeys.list()).map((k) => k.name));
    if (keyNames.size) {
      const byKey = new Map<string, { cost: bigint; requests: number }>();
      for (const r of await services.ledger.spendRollup('user', from, to)) {
        if (!keyNames.has(r.key)) continue;
        const k = byKey.get(r.key) ?? { cost: 0n, requests: 0 };
        byKey.set(r.key, { cost: k.cost + r.cost_nusd, requests: k.requests + r.requests });
      }
      const fields = [...byKey].sort((a, b) => (b[1].cost > a[1].cost ? 1 : b[1].cost < a[1].cost ? -1 : a[0].localeCompare(b[0]))).map(([name, k]) => ({ label: name, value: `${formatUsd(k.cost)} over ${plural(k.requests, 'call')}` }));
      if (fields.length) reply = { ...reply, sections: [...(reply.sections ?? []), { heading: 'Gateway keys (the services calling through routeops)', fields }] };
    }
    const { totals } = report;
    const unpriced =
      (totals.unpriced ? `, ${plural(totals.unpriced, 'row')} not priced` : '') +
      (totals.usage_missing ? `, ${plural(totals.usage_missing, 'row')} with usage missing` : '') +
      (totals.interrupted ? `, ${plural(totals.interrupted, 'interrupted call')} (cost estimated)` : '');
    return [
      {
        key: `spend_report:${from}..${to}`,
        kind: 'spend_report',
        channel: target.channel,
        text: `Weekly spend report ${from}..${to} (${services.config.timezone}): ${formatUsd(totals.cost_nusd)} over ${plural(totals.requests, 'request')}${unpriced}.`,
        reply,
      },
    ];
  },
};
