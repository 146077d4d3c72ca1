// The Show spend button of a budget alert (docs/ARCHITECTURE.md §3.6, action id
// `budget.show_spend`): a signed block_actions payload, acked at once; a user outside access.spend
// is told so, ephemerally, and nothing is posted. Otherwise the breakdown of the alert's period
// (by provider, then by model: the /spend reports) is posted in the alert's thread once — the
// click is claimed by message in the store, so a double click or two people clicking post it
// once — and the button becomes "Spend shown by @U at …". Each click is logged (the audit).
import type { App as BoltApp, BlockButtonAction, types } from '@slack/bolt';
import type { Logger } from 'pino';
import { mayUse } from '../../features/access.js';
import { SHOW_SPEND_ACTION } from '../../features/alerts/jobs/budgets.js';
import { spendReport } from '../../features/reports/spend.js';
import { spendReply } from '../../features/reports/spend-reply.js';
import type { Services } from '../../features/services.js';
import { parsePeriod } from '../../domain/time/period.js';
import { renderBlocks } from './blocks.js';
import { clip } from './escape.js';

type Block = types.KnownBlock | types.Block;

interface ButtonDeps {
  services: Services;
  log: Logger;
  track: <T>(p: Promise<T>) => Promise<T>;
}

export function registerBudgetButtons(app: BoltApp, deps: ButtonDeps): void {
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: SHOW_SPEND_ACTION }, async ({ ack, body, respond, client }) => {
    await ack();
    const { services, log } = deps;
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const work = async () => {
      const user = body.user.id;
      const channel = body.channel?.id;
      const ts = body.message?.ts;
      log.info({ action: SHOW_SPEND_ACTION, user, channel, ts }, 'budget alert button clicked');
      if (!mayUse('spend', { id: user, local: false }, services.config.access)) return void (await tell('Only the people listed in access.spend may see spend figures: nothing was posted.'));
      const today = services.zone.dayOf(services.clock().getTime());
      const period = parsePeriod(body.actions[0]?.value ?? '', today);
      if (!period.ok || !channel || !ts) return void (await tell('This button names no period to show: nothing was posted.'));
      if (!(await services.store.slack.claimEvent(`${SHOW_SPEND_ACTION}:${channel}:${ts}`, services.clock().toISOString()))) {
        return void (await tell('The spend was already shown in this alert\'s thread.'));
      }
      for (const groupBy of ['provider', 'model'] as const) {
        const reply = spendReply(await spendReport(services.ledger, services.config.budgets, { period: period.period, groupBy, today }), { timezone: services.config.timezone, csv: false });
        const message = renderBlocks(reply);
        await client.chat.postMessage({ channel, thread_ts: ts, text: message.text, blocks: message.blocks, unfurl_links: false });
      }
      const at = services.clock().toISOString();
      const shown: Block = { type: 'context', elements: [{ type: 'mrkdwn', text: clip(`Spend shown by <@${user}> at ${at.slice(0, 10)} ${at.slice(11, 16)} UTC, in the thread.`, 3000) }] };
      const blocks = Array.isArray(body.message?.['blocks']) ? (body.message['blocks'] as Block[]).map((b) => (b.type === 'actions' && b.block_id === SHOW_SPEND_ACTION ? shown : b)) : [shown];
      await client.chat.update({ channel, ts, text: typeof body.message?.['text'] === 'string' ? body.message['text'] : 'Budget alert', blocks });
    };
    await deps.track(
      work().catch((err: unknown) => {
        log.error({ err: (err as Error).message, action: SHOW_SPEND_ACTION }, 'budget alert button failed');
        return tell('The spend could not be shown (see the log).').catch(() => undefined);
      }),
    );
  });
}
