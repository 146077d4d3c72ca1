// The weekly spend report: the /spend last-week report (the previous Monday to Sunday in
// config.timezone) to slack.reports_channel, once per week: key `spend_report:<from>..<to>`.
// Run late (a catch-up on Tuesday) it still reports that week.
import { formatUsd } from '../../../domain/money/units.js';
import { parsePeriod } from '../../../domain/time/period.js';
import { spendReport } from '../../reports/spend.js';
import { spendReply } from '../../reports/spend-reply.js';
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
    const reply = spendReply(report, { timezone: services.config.timezone, csv: false });
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
