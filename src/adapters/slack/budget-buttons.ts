// The Show spend button of a budget alert (docs/ARCHITECTURE.md §3.3, action id
// `budget.show_spend`, value the alert's period): the period's breakdown by provider, then by
// model (the /spend reports), in the alert's thread once, for access.spend (alert-button.ts).
import type { App as BoltApp } from '@slack/bolt';
import { parsePeriod } from '../../domain/time/period.js';
import { SHOW_SPEND_ACTION } from '../../features/alerts/jobs/budgets.js';
import { spendReport } from '../../features/reports/spend.js';
import { spendReply } from '../../features/reports/spend-reply.js';
import { registerAlertButton, type ButtonDeps } from './alert-button.js';

export function registerBudgetButtons(app: BoltApp, deps: ButtonDeps): void {
  const { services } = deps;
  registerAlertButton(app, deps, {
    action: SHOW_SPEND_ACTION,
    access: 'spend',
    refused: 'Only the people listed in access.spend may see spend figures: nothing was posted.',
    already: () => 'The spend was already shown in this alert\'s thread.',
    badValue: 'This button names no period to show: nothing was posted.',
    failed: 'The spend could not be shown (see the log).',
    async run(value) {
      const today = services.zone.dayOf(services.clock().getTime());
      // A daily budget's alert names its day alone (2026-11-23): the period of that one day.
      const oneDay = /^\d{4}-\d{2}-\d{2}$/.test(value);
      const parsed = parsePeriod(oneDay ? `${value}..${value}` : value, today);
      if (!parsed.ok) return null;
      const period = oneDay ? { ...parsed.period, label: value } : parsed.period;
      const replies = [];
      for (const groupBy of ['provider', 'model'] as const) {
        replies.push(spendReply(await spendReport(services.ledger, services.config.budgets, { period, groupBy, today }), { timezone: services.config.timezone, csv: false }));
      }
      return { replies, outcome: (who, at) => `Spend shown by ${who} at ${at}, in the thread.` };
    },
  });
}
