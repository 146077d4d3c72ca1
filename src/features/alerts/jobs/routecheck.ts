// Scheduled route checks: every configured route is checked, and only regressions (pass -> fail)
// and recoveries (fail -> pass) since the previous scheduled run are posted.
import { channelFor, type AlertJob } from '../types.js';

/** The regression alert's Re-run button (docs/ARCHITECTURE.md §3.3 action ids); value: the failing routes, space-separated. */
export const ROUTECHECK_RERUN_ACTION = 'routecheck.rerun';
/** Slack's limit on a button's value; beyond it the button re-runs every route. */
const BUTTON_VALUE_MAX = 2000;

/** The Re-run button's value: each regressed `provider/model` once, or `all` when they do not fit. */
export function rerunValue(routes: ReadonlyArray<{ provider: string; model: string }>): string {
  const value = [...new Set(routes.map((r) => `${r.provider}/${r.model}`))].join(' ');
  return value.length <= BUTTON_VALUE_MAX ? value : 'all';
}

export const routecheckJob: AlertJob = {
  name: 'routecheck',
  channel: 'alerts',
  async run(services, now, opts) {
    const target = channelFor(services, 'alerts');
    if ('missing' in target) return [];
    const run = await services.routecheck.run({ target: 'all', scheduled: true, user: 'scheduler', record: opts?.dryRun !== true });
    if (!run.ok) {
      // Busy (a manual `/routecheck all` is running) is not a failure: the next tick checks again.
      if (run.busy) return [];
      throw new Error(run.error);
    }
    const regressions = run.report.changes.filter((c) => c.to === 'fail');
    const recoveries = run.report.changes.filter((c) => c.to === 'pass');
    if (!regressions.length && !recoveries.length) return [];
    const lines = [
      ...regressions.map((c) => `REGRESSION ${c.provider}/${c.model} ${c.check}: now failing — ${c.reason}`),
      ...recoveries.map((c) => `recovered ${c.provider}/${c.model} ${c.check}: passing again`),
    ];
    const text = `Route check (all routes, ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC): ${regressions.length} regression${regressions.length === 1 ? '' : 's'}, ${recoveries.length} recover${recoveries.length === 1 ? 'y' : 'ies'}.`;
    return [
      {
        key: `routecheck:run-${run.report.runId ?? run.report.startedAt}`,
        kind: 'routecheck',
        channel: target.channel,
        text,
        reply: {
          kind: 'result',
          title: 'Route check changes',
          summary: text,
          body: lines.join('\n'),
          footer: 'Run /routecheck all for the full report.',
          // Slack shows a button that checks the failing routes again into the alert's thread (src/adapters/slack/routecheck-button.ts).
          ...(regressions.length
            ? { decisions: [{ id: ROUTECHECK_RERUN_ACTION, text: 'Check the failing routes again now?', choices: [{ action: ROUTECHECK_RERUN_ACTION, label: 'Re-run', value: rerunValue(regressions) }] }] }
            : {}),
        },
      },
    ];
  },
};
