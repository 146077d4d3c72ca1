// Prepaid balances on a schedule (`schedules.balances`, default hourly): every provider with a
// balance source is polled and each good reading recorded as a snapshot, with the top-ups and
// grants since the one before (src/features/balances/poll.ts). It runs without an alerts channel
// too: the history is what runway and the bill check are computed from. A provider whose poll
// failed is named in the run's notes (`alerts run` jobs[].reason) and the log. It makes no alerts
// yet; a dry run reads the balances and records nothing.
import { pollBalances } from '../../balances/poll.js';
import type { AlertJob } from '../types.js';

export const balancesJob: AlertJob = {
  name: 'balances',
  channel: 'alerts',
  runsWithoutChannel: true,
  async run(services, now, opts) {
    const { results } = await pollBalances(services, { now, record: opts?.dryRun !== true });
    for (const r of results) if (!r.ok) opts?.note?.(`${r.provider}: ${r.error.message}`);
    return [];
  },
};
