// 👍/👎 on an answer (docs/ARCHITECTURE.md §3.3 `answer.feedback`): Slack's feedback buttons in a
// context_actions block of every answer delivered as one message (/ask, DMs, assistant threads),
// each button's value naming the answer's ledger row (`up:<call_id>`, `down:<call_id>`). A click is
// acked at once; the vote is kept beside the row (src/store/answer-feedback.ts), one per user per
// answer: the other button changes it, the same one again changes nothing. The answer is then
// updated with a line under the buttons that thanks and counts the votes, its text kept as it was.
import type { App as BoltApp, BlockFeedbackButtonsAction, types } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Reply } from '../../domain/reply.js';
import type { Services } from '../../features/services.js';
import { clickAudit } from './click-audit.js';
import type { FeedbackTally, Vote } from '../../store/answer-feedback.js';

type Block = types.KnownBlock | types.Block;

/** The feedback element's action_id (stable: docs/ARCHITECTURE.md §3.3). */
export const FEEDBACK_ACTION = 'answer.feedback';
/** The block_id of the line that acknowledges votes, under the buttons. */
export const FEEDBACK_ACK_BLOCK = 'answer.feedback.ack';

/** routeops' call ids are UUIDs; anything else in a button's value is no answer of ours. */
const CALL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** The call_id of an answer's ledger row, when the reply is an answer (commands/ask.ts outcomeToReply). */
export function answerCallId(reply: Reply): string | null {
  if (reply.kind !== 'result') return null;
  const id = (reply.data as { call_id?: unknown } | undefined)?.call_id;
  return typeof id === 'string' && CALL_ID.test(id) ? id : null;
}

/** The feedback buttons of the answer whose ledger row is `callId`. */
export function feedbackBlock(callId: string): types.ContextActionsBlock {
  return {
    type: 'context_actions',
    elements: [
      {
        type: 'feedback_buttons',
        action_id: FEEDBACK_ACTION,
        positive_button: { text: { type: 'plain_text', text: '👍' }, value: `up:${callId}`, accessibility_label: 'This answer was useful' },
        negative_button: { text: { type: 'plain_text', text: '👎' }, value: `down:${callId}`, accessibility_label: 'This answer was not useful' },
      },
    ],
  };
}

/** A button's value as a vote, or null when it is not one of ours. */
export function parseFeedbackValue(value: string): { vote: Vote; callId: string } | null {
  const m = /^(up|down):(.+)$/.exec(value);
  if (!m || !CALL_ID.test(m[2]!)) return null;
  return { vote: m[1] as Vote, callId: m[2]! };
}

const isFeedbackBlock = (b: Block) => b.type === 'context_actions' && JSON.stringify(b).includes(`"action_id":"${FEEDBACK_ACTION}"`);

/**
 * The message's blocks with the acknowledgement (and the votes so far) right under the feedback
 * buttons, replacing an earlier one; null when the message has no feedback buttons.
 */
export function acknowledgedBlocks(blocks: readonly Block[], tally: FeedbackTally): Block[] | null {
  const at = blocks.findIndex(isFeedbackBlock);
  if (at < 0) return null;
  const line: Block = { type: 'context', block_id: FEEDBACK_ACK_BLOCK, elements: [{ type: 'mrkdwn', text: `Thanks — feedback recorded (👍 ${tally.up} · 👎 ${tally.down})` }] } as types.ContextBlock;
  const rest = blocks.filter((b) => b.block_id !== FEEDBACK_ACK_BLOCK);
  const index = rest.findIndex(isFeedbackBlock);
  return [...rest.slice(0, index + 1), line, ...rest.slice(index + 1)];
}

export interface FeedbackDeps {
  services: Services;
  log: Logger;
  track: <T>(p: Promise<T>) => Promise<T>;
}

const SAID: Record<Vote, string> = { up: '👍', down: '👎' };

/** Runs the tasks of one key one after another (other keys' meanwhile); a key's chain is dropped once idle. */
function serialized(): (key: string, task: () => Promise<void>) => Promise<void> {
  const chains = new Map<string, Promise<void>>();
  return (key, task) => {
    const next = (chains.get(key) ?? Promise.resolve()).then(task, task);
    chains.set(key, next);
    void next.finally(() => chains.get(key) === next && chains.delete(key)).catch(() => undefined);
    return next;
  };
}

export function registerFeedbackButtons(app: BoltApp, deps: FeedbackDeps): void {
  const inOrder = serialized();
  app.action<BlockFeedbackButtonsAction>({ type: 'block_actions', action_id: FEEDBACK_ACTION }, async ({ ack, body, respond, client }) => {
    await ack();
    const { services, log } = deps;
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const audit = clickAudit(services, log, body);
    const work = async () => {
      const user = body.user.id;
      const channel = body.channel?.id ?? null;
      const ts = body.message?.ts ?? null;
      const parsed = parseFeedbackValue(body.actions[0]?.value ?? '');
      if (!parsed) {
        log.warn({ user, channel, ts }, 'answer feedback with a value that names no answer');
        await audit('bad_value');
        return void (await tell('This feedback button names no answer of routeops: nothing was recorded.'));
      }
      const { outcome, tally } = await services.store.feedback.vote({ ...parsed, user, channel, messageTs: ts, nowIso: services.clock().toISOString() });
      log.info({ action: FEEDBACK_ACTION, user, channel, ts, call_id: parsed.callId, vote: parsed.vote, outcome }, 'answer feedback');
      await audit(outcome === 'unchanged' ? 'already' : 'done', `${parsed.vote} (${outcome})`);
      if (outcome === 'unchanged') return void (await tell(`You already said ${SAID[parsed.vote]} on this answer: nothing changed.`));
      if (outcome === 'changed') await tell(`Your feedback on this answer is now ${SAID[parsed.vote]}.`);
      const message = Array.isArray(body.message?.['blocks']) ? (body.message['blocks'] as Block[]) : null;
      const text = body.message?.['text'];
      if (!channel || !ts || !message || !acknowledgedBlocks(message, tally) || typeof text !== 'string') return void (await tell('Thanks — feedback recorded.'));
      // The answer's own text and blocks stay; only the line under the buttons is new. One update
      // at a time per message, each with the tally as stored when it goes out: votes arriving
      // together never leave an older count on the message.
      await inOrder(`${channel}:${ts}`, async () => {
        const now = await services.store.feedback.tally(parsed.callId);
        // The vote is kept whatever Slack says to the update: a refused update is logged, not a failure.
        await client.chat.update({ channel, ts, text, blocks: acknowledgedBlocks(message, now)! }).catch(async (err: unknown) => {
          log.warn({ code: (err as { data?: { error?: string } }).data?.error ?? (err as Error).message }, 'answer feedback recorded, message not updated');
          if (outcome !== 'changed') await tell('Thanks — feedback recorded.');
        });
      });
    };
    await deps.track(
      work().catch(async (err: unknown) => {
        log.error({ err: (err as Error).message, action: FEEDBACK_ACTION }, 'answer feedback failed');
        await audit('failed', (err as Error).message);
        return tell('Your feedback could not be recorded on our side (it is logged). Please try again.').catch(() => undefined);
      }),
    );
  });
}
