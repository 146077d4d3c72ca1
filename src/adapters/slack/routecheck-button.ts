// The Run route check button of a retirement alert (docs/ARCHITECTURE.md §3.3, action id
// `retirement.routecheck`, value `provider/replacement`): acked at once and logged; a user outside
// access.routecheck is told so, ephemerally, and nothing runs. Otherwise the route check runs once
// per alert message (the click is claimed in the store: a double click is told it already ran),
// its report is posted in the alert's thread, and the button becomes who ran it, when, and how
// it went.
import type { App as BoltApp, BlockButtonAction, types } from '@slack/bolt';
import type { Logger } from 'pino';
import { renderRoutecheck } from '../../../commands/routecheck.js';
import { mayUse } from '../../features/access.js';
import { RETIREMENT_ROUTECHECK_ACTION } from '../../features/alerts/jobs/deprecations.js';
import type { Services } from '../../features/services.js';
import { renderBlocks } from './blocks.js';
import { clip, escapeMrkdwn } from './escape.js';

type Block = types.KnownBlock | types.Block;

interface ButtonDeps {
  services: Services;
  log: Logger;
  track: <T>(p: Promise<T>) => Promise<T>;
}

export function registerRoutecheckButton(app: BoltApp, deps: ButtonDeps): void {
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: RETIREMENT_ROUTECHECK_ACTION }, async ({ ack, body, respond, client }) => {
    await ack();
    const { services, log } = deps;
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const work = async () => {
      const user = body.user.id;
      const channel = body.channel?.id;
      const ts = body.message?.ts;
      const target = body.actions[0]?.value ?? '';
      log.info({ action: RETIREMENT_ROUTECHECK_ACTION, user, channel, ts, target }, 'retirement alert button clicked');
      if (!mayUse('routecheck', { id: user, local: false }, services.config.access)) return void (await tell('Only the people listed in access.routecheck may run route checks: nothing ran.'));
      if (!channel || !ts || !target) return void (await tell('This button names no route to check: nothing ran.'));
      if (!(await services.store.slack.claimEvent(`${RETIREMENT_ROUTECHECK_ACTION}:${channel}:${ts}`, services.clock().toISOString()))) {
        return void (await tell(`The route check of ${target} already ran from this alert: its report is in the thread.`));
      }
      const run = await services.routecheck.run({ target, user });
      const reply = run.ok ? renderRoutecheck(run.report) : { kind: 'error' as const, title: 'Route check not run', summary: run.error };
      const message = renderBlocks(reply);
      await client.chat.postMessage({ channel, thread_ts: ts, text: message.text, blocks: message.blocks, unfurl_links: false });
      const at = services.clock().toISOString();
      const outcome = !run.ok ? `could not run: ${run.error}` : run.report.ok ? 'every route passed' : 'a route failed';
      const line: Block = { type: 'context', elements: [{ type: 'mrkdwn', text: clip(`Route check of ${escapeMrkdwn(target)} run by <@${user}> at ${at.slice(0, 10)} ${at.slice(11, 16)} UTC: ${escapeMrkdwn(outcome)} (report in the thread).`, 3000) }] };
      const blocks = Array.isArray(body.message?.['blocks']) ? (body.message['blocks'] as Block[]).map((b) => (b.type === 'actions' && b.block_id === RETIREMENT_ROUTECHECK_ACTION ? line : b)) : [line];
      await client.chat.update({ channel, ts, text: typeof body.message?.['text'] === 'string' ? body.message['text'] : 'Retirement', blocks });
    };
    await deps.track(
      work().catch((err: unknown) => {
        log.error({ err: (err as Error).message, action: RETIREMENT_ROUTECHECK_ACTION }, 'retirement alert button failed');
        return tell('The route check could not be run (see the log).').catch(() => undefined);
      }),
    );
  });
}
