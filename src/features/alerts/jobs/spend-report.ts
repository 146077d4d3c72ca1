// The weekly spend report (issue part 5): the /spend last-week report (the previous Monday to
// Sunday in config.timezone) to slack.reports_channel, once per week: key
// `spend_report:<from>..<to>`. Run late (a catch-up on Tuesday) it still reports that week.
import { spendCommand } from '../../../../commands/spend.js';
import { formatUsd } from '../../../domain/money/units.js';
import { parsePeriod } from '../../../domain/time/period.js';
import { channelFor, type AlertJob } from '../types.js';
import { plural } from '../format.js';

export const spendReportJob: AlertJob = {
  name: 'spend_report',
  channel: 'reports',
  async run(services, now) {
    const target = channelFor(services, 'reports');
    if (!('channel' in target)) return [];
    const today = services.zone.dayOf(now.getTime());
    const period = parsePeriod('last-week', today);
    if (!period.ok) throw new Error(period.error);
    const { from, to } = period.period;
    const args = spendCommand.parse('last-week');
    if (!args.ok) throw new Error(args.error);
    // The report's "today" must be this run's `now`, not the wall clock.
    const reply = await spendCommand.run(args.args, { ...services, clock: () => now }, { id: 'alerts', local: true });
    if (reply.kind !== 'result') throw new Error(`the spend report failed: ${reply.summary ?? reply.title}`);
    const totals = await services.ledger.totals(from, to);
    const unpriced = totals.unpriced ? `, ${plural(totals.unpriced, 'row')} not priced` : '';
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
