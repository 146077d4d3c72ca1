// The Run route check button of a retirement alert (docs/ARCHITECTURE.md §3.3, action id
// `retirement.routecheck`, value `provider/replacement`): /routecheck of the replacement, once,
// its report in the alert's thread, for access.routecheck (alert-button.ts).
import type { App as BoltApp } from '@slack/bolt';
import { renderRoutecheck } from '../../../commands/routecheck.js';
import type { Reply } from '../../domain/reply.js';
import { RETIREMENT_ROUTECHECK_ACTION } from '../../features/alerts/jobs/deprecations.js';
import { registerAlertButton, type ButtonDeps } from './alert-button.js';
import { escapeMrkdwn } from './escape.js';

export function registerRoutecheckButton(app: BoltApp, deps: ButtonDeps): void {
  registerAlertButton(app, deps, {
    action: RETIREMENT_ROUTECHECK_ACTION,
    access: 'routecheck',
    refused: 'Only the people listed in access.routecheck may run route checks: nothing ran.',
    already: (target) => `The route check of ${target} already ran from this alert: its report is in the thread.`,
    badValue: 'This button names no route to check: nothing ran.',
    failed: 'The route check could not be run (see the log).',
    async run(target, user) {
      const run = await deps.services.routecheck.run({ target, user });
      const reply: Reply = run.ok ? renderRoutecheck(run.report) : { kind: 'error', title: 'Route check not run', summary: run.error };
      const outcome = !run.ok ? `could not run: ${run.error}` : run.report.ok ? 'every route passed' : 'a route failed';
      return { replies: [reply], outcome: (who, at) => `Route check of ${escapeMrkdwn(target)} run by ${who} at ${at}: ${escapeMrkdwn(outcome)} (report in the thread).` };
    },
  });
}
