// The route-check buttons of alerts (docs/ARCHITECTURE.md §3.3 action ids), for access.routecheck,
// once per alert message, reports in the alert's thread (alert-button.ts):
// - a retirement alert's Run route check on the replacement (`retirement.routecheck`, value
//   `provider/replacement`): /routecheck of the replacement;
// - a regression alert's Re-run (`routecheck.rerun`, value the failing routes `provider/model`
//   space-separated, or `all`): /routecheck of each again.
import type { App as BoltApp } from '@slack/bolt';
import { renderRoutecheck } from '../../../commands/routecheck.js';
import type { Reply } from '../../domain/reply.js';
import { RETIREMENT_ROUTECHECK_ACTION } from '../../features/alerts/jobs/deprecations.js';
import { ROUTECHECK_RERUN_ACTION } from '../../features/alerts/jobs/routecheck.js';
import { registerAlertButton, type ButtonDeps } from './alert-button.js';
import { escapeMrkdwn } from './escape.js';

export function registerRoutecheckButton(app: BoltApp, deps: ButtonDeps): void {
  registerAlertButton(app, deps, {
    action: RETIREMENT_ROUTECHECK_ACTION,
    access: 'routecheck',
    refused: 'Only the people listed in access.routecheck may run route checks: nothing ran.',
    already: (target) => `The route check of ${target} already ran from this alert: its report is in the thread. Run /routecheck ${target} to check again.`,
    badValue: 'This button names no route to check: nothing ran.',
    failed: 'The route check could not be run (see the log).',
    async run(target, user) {
      const run = await deps.services.routecheck.run({ target, user });
      if (!run.ok && run.busy) return { retry: run.error };
      const reply: Reply = run.ok ? renderRoutecheck(run.report) : { kind: 'error', title: 'Route check not run', summary: run.error };
      const outcome = !run.ok ? `could not run: ${run.error}` : run.report.ok ? 'every route passed' : 'a route failed';
      return { replies: [reply], outcome: (who, at) => `Route check of ${escapeMrkdwn(target)} run by ${who} at ${at}: ${escapeMrkdwn(outcome)} (report in the thread).` };
    },
  });
}

/** Up to this many routes are re-run one by one (a report each in the thread); more: one check of all routes. */
const RERUN_MAX = 10;

export function registerRoutecheckRerunButton(app: BoltApp, deps: ButtonDeps): void {
  registerAlertButton(app, deps, {
    action: ROUTECHECK_RERUN_ACTION,
    access: 'routecheck',
    refused: 'Only the people listed in access.routecheck may run route checks: nothing ran.',
    already: () => 'These routes were already re-run from this alert: the report is in the thread. Run /routecheck to check again.',
    badValue: 'This button names no route to check: nothing ran.',
    failed: 'The route check could not be run (see the log).',
    async run(value, user) {
      const named = [...new Set(value.split(' ').filter(Boolean))];
      if (!named.length) return null;
      // More failing routes than reports a thread can take: one check of every route instead.
      const targets = named.length > RERUN_MAX ? ['all'] : named;
      const replies: Reply[] = [];
      // Counted in routes (a check of `all` has many), not in checks run.
      let passed = 0;
      let failing = 0;
      const problems: string[] = [];
      for (const target of targets) {
        const run = await deps.services.routecheck.run({ target, user });
        if (!run.ok && run.busy && !replies.length) return { retry: run.error };
        if (run.ok) {
          const good = run.report.routes.filter((r) => Object.values(r.checks).every((c) => c.status !== 'fail')).length;
          passed += good;
          failing += run.report.routes.length - good;
        } else problems.push(`${target}: ${run.error}`);
        replies.push(run.ok ? renderRoutecheck(run.report) : { kind: 'error', title: `Route check of ${target} not run`, summary: run.error });
      }
      const outcome = [
        passed ? `${failing || problems.length ? passed : 'all'} passing` : '',
        failing ? `${failing} still failing` : '',
        problems.length ? `could not run ${problems.join('; ')}` : '',
      ].filter(Boolean).join(', ');
      const what = targets.length === 1 ? targets[0]! : `${targets.length} routes`;
      return { replies, outcome: (who, at) => `Re-run of ${escapeMrkdwn(what)} by ${who} at ${at}: ${escapeMrkdwn(outcome)} (report in the thread).` };
    },
  });
}
