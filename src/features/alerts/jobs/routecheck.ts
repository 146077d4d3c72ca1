// Scheduled route checks: every configured route is checked, and only regressions (pass -> fail)
// and recoveries (fail -> pass) since the previous scheduled run are posted.
import { channelFor, type AlertJob } from '../types.js';

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
        reply: { kind: 'result', title: 'Route check changes', summary: text, body: lines.join('\n'), footer: 'Run /routecheck all for the full report.' },
      },
    ];
  },
};
