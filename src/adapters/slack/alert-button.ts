// What the buttons of an alert share (docs/ARCHITECTURE.md §3.3 interactivity): the click is acked
// at once and logged; a user outside the action's access rule is told so, ephemerally, and
// nothing happens; the action runs once per alert message (claimed in the store: a double click
// or a second person is told it already happened); what it produces is posted in the alert's
// thread, and its button becomes a line saying who did what and when.
import type { App as BoltApp, BlockButtonAction, types } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AccessRule } from '../../config/schema.js';
import type { Reply } from '../../domain/reply.js';
import { mayUse } from '../../features/access.js';
import type { Services } from '../../features/services.js';
import { renderBlocks } from './blocks.js';
import { clickAudit } from './click-audit.js';
import { clip } from './escape.js';

type Block = types.KnownBlock | types.Block;

export interface ButtonDeps {
  services: Services;
  log: Logger;
  track: <T>(p: Promise<T>) => Promise<T>;
}

export interface AlertButton {
  /** The button's action_id, also its actions block's block_id. */
  action: string;
  access: AccessRule;
  refused: string;
  /** Said to a second click on the same alert. */
  already(value: string): string;
  /** Said when the button's value is unusable. */
  badValue: string;
  /** Said when the action fails on our side. */
  failed: string;
  /** The replies to post in the thread and the line that replaces the button (mrkdwn, after "by <@U> at …"), or null: a bad value. */
  run(value: string, user: string): Promise<{ replies: Reply[]; outcome: (who: string, at: string) => string } | null>;
}

export function registerAlertButton(app: BoltApp, deps: ButtonDeps, button: AlertButton): void {
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: button.action }, async ({ ack, body, respond, client }) => {
    await ack();
    const { services, log } = deps;
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const audit = clickAudit(services, log, body);
    const work = async () => {
      const user = body.user.id;
      const channel = body.channel?.id;
      const ts = body.message?.ts;
      const value = body.actions[0]?.value ?? '';
      log.info({ action: button.action, user, channel, ts, value }, 'alert button clicked');
      if (!mayUse(button.access, { id: user, local: false }, services.config.access)) return void (await audit('refused'), await tell(button.refused));
      if (!channel || !ts || !value) return void (await audit('bad_value'), await tell(button.badValue));
      if (!(await services.store.slack.claimEvent(`${button.action}:${channel}:${ts}`, services.clock().toISOString()))) return void (await audit('already'), await tell(button.already(value)));
      const done = await button.run(value, user);
      if (!done) return void (await audit('bad_value'), await tell(button.badValue));
      for (const reply of done.replies) {
        const message = renderBlocks(reply);
        await client.chat.postMessage({ channel, thread_ts: ts, text: message.text, blocks: message.blocks, unfurl_links: false });
      }
      const at = services.clock().toISOString();
      await audit('done', done.outcome(user, `${at.slice(0, 10)} ${at.slice(11, 16)} UTC`));
      const line: Block = { type: 'context', elements: [{ type: 'mrkdwn', text: clip(done.outcome(`<@${user}>`, `${at.slice(0, 10)} ${at.slice(11, 16)} UTC`), 3000) }] };
      const blocks = Array.isArray(body.message?.['blocks']) ? (body.message['blocks'] as Block[]).map((b) => (b.type === 'actions' && b.block_id === button.action ? line : b)) : [line];
      await client.chat.update({ channel, ts, text: typeof body.message?.['text'] === 'string' ? body.message['text'] : 'Alert', blocks });
    };
    await deps.track(
      work().catch(async (err: unknown) => {
        log.error({ err: (err as Error).message, action: button.action }, 'alert button failed');
        await audit('failed', (err as Error).message);
        return tell(button.failed).catch(() => undefined);
      }),
    );
  });
}
