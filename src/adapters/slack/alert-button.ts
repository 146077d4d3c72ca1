// What the buttons of an alert share (docs/ARCHITECTURE.md §3.3 interactivity): the click is acked
// at once and logged; a user outside the action's access rule is told so, ephemerally, and
// nothing happens; the action runs once per alert message (claimed in the store before it runs,
// migrations/021_slack_action_claims.sql: a double click or a second person is told it is running
// or already happened; a bad value, a busy resource or an error releases the claim for a later
// click); what it produces is posted in the alert's thread, and its button becomes a line saying
// who did what and when. Every click is audited (click-audit.ts).
import type { App as BoltApp, BlockButtonAction, types } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AccessRule } from '../../config/schema.js';
import type { Reply } from '../../domain/reply.js';
import { mayUse } from '../../features/access.js';
import type { Services } from '../../features/services.js';
import { renderBlocks } from './blocks.js';
import { clickAudit } from './click-audit.js';
import type { ClaimRef } from '../../store/slack-actions.js';
import { clip } from './escape.js';

type Block = types.KnownBlock | types.Block;

export interface ButtonDeps {
  services: Services;
  log: Logger;
  track: <T>(p: Promise<T>) => Promise<T>;
}

/** What an action produced: the replies for the thread and the line that replaces the button (mrkdwn, after "by <@U> at …"). */
export interface ButtonDone {
  replies: Reply[];
  outcome: (who: string, at: string) => string;
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
  /** Runs the action: what it produced; null: a bad value; `{ retry }`: it cannot run now (why), a later click may. */
  run(value: string, user: string): Promise<ButtonDone | { retry: string } | null>;
}

/**
 * A claim left 'running' this long may be taken over (its process stopped mid-action): longer
 * than the longest action, a Re-run of 10 routes on hanging providers (~3 min each).
 */
const STALE_CLAIM_MS = 60 * 60_000;
const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export function registerAlertButton(app: BoltApp, deps: ButtonDeps, button: AlertButton): void {
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: button.action }, async ({ ack, body, respond, client }) => {
    await ack();
    const { services, log } = deps;
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const audit = clickAudit(services, log, body);
    const user = body.user.id;
    const channel = body.channel?.id;
    const ts = body.message?.ts;
    const value = body.actions[0]?.value ?? '';
    let claimed: ClaimRef | null = null;
    const work = async () => {
      log.info({ action: button.action, user, channel, ts, value }, 'alert button clicked');
      if (!mayUse(button.access, { id: user, local: false }, services.config.access)) return void (await audit('refused'), await tell(button.refused));
      if (!channel || !ts || !value) return void (await audit('bad_value'), await tell(button.badValue));
      // Once per alert message: claimed before it runs, released if it could not run, kept once done.
      const claim = await services.store.actions.claim(button.action, channel, ts, user, services.clock().getTime(), STALE_CLAIM_MS);
      if (!claim.claimed) {
        await audit('already', claim.state === 'running' ? `running, started by ${claim.user}` : undefined);
        const since = minute(new Date(claim.atMs).toISOString());
        const retryAt = minute(new Date(claim.atMs + STALE_CLAIM_MS).toISOString());
        return void (await tell(claim.state === 'running' ? `<@${claim.user}> started this at ${since}: its result will be in the thread (if none comes, the button works again from ${retryAt}).` : button.already(value)));
      }
      const held: ClaimRef = { action: button.action, channel, messageTs: ts, user, atMs: claim.atMs };
      claimed = held;
      const done = await button.run(value, user);
      if (done === null || 'retry' in done) {
        claimed = null;
        await services.store.actions.release(held);
        if (done === null) return void (await audit('bad_value'), await tell(button.badValue));
        return void (await audit('failed', done.retry), await tell(`${done.retry} Nothing ran: try again later.`));
      }
      for (const reply of done.replies) {
        const message = renderBlocks(reply);
        await client.chat.postMessage({ channel, thread_ts: ts, text: message.text, blocks: message.blocks, unfurl_links: false });
      }
      await services.store.actions.finish(held);
      claimed = null;
      const at = minute(services.clock().toISOString());
      await audit('done', done.outcome(user, at));
      const line: Block = { type: 'context', elements: [{ type: 'mrkdwn', text: clip(done.outcome(`<@${user}>`, at), 3000) }] };
      const blocks = Array.isArray(body.message?.['blocks']) ? (body.message['blocks'] as Block[]).map((b) => (b.type === 'actions' && b.block_id === button.action ? line : b)) : [line];
      // Done is done: a message Slack will not update (deleted, too old) leaves its button, and the next click is told it happened.
      await client.chat
        .update({ channel, ts, text: typeof body.message?.['text'] === 'string' ? body.message['text'] : 'Alert', blocks })
        .catch((err: unknown) => log.warn({ action: button.action, code: (err as { data?: { error?: string } }).data?.error ?? (err as Error).message }, 'alert message not updated after its button'));
    };
    await deps.track(
      work().catch(async (err: unknown) => {
        log.error({ err: (err as Error).message, action: button.action }, 'alert button failed');
        if (claimed) await services.store.actions.release(claimed).catch(() => undefined);
        await audit('failed', (err as Error).message);
        return tell(button.failed).catch(() => undefined);
      }),
    );
  });
}
