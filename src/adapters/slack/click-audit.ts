// Every button click is audited (docs/ARCHITECTURE.md §3.3 interactivity; `routeops audit`):
// who, which action and value, on which message, and what came of it. A failed audit write is
// logged and never stops the click.
import type { Logger } from 'pino';
import type { Services } from '../../features/services.js';
import type { ActionOutcome } from '../../store/slack-actions.js';

export type ClickAudit = (outcome: ActionOutcome, detail?: string) => Promise<void>;

/** What a block_actions payload of a button or a feedback button carries that the audit keeps. */
export interface ClickPayload {
  user: { id: string };
  actions: ReadonlyArray<{ action_id: string; value?: string }>;
  channel?: { id: string };
  message?: { ts: string };
}

export function clickAudit(services: Services, log: Logger, body: ClickPayload): ClickAudit {
  const action = body.actions[0];
  return async (outcome, detail) => {
    try {
      await services.store.actions.record({
        at: services.clock().toISOString(),
        user: body.user.id,
        action: action?.action_id ?? '',
        value: action?.value ?? '',
        channel: body.channel?.id ?? null,
        message_ts: body.message?.ts ?? null,
        outcome,
        detail: detail ?? null,
      });
    } catch (err) {
      log.error({ err: (err as Error).message, action: action?.action_id, outcome }, 'button click not audited');
    }
  };
}
