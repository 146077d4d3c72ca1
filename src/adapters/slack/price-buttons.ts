// The Apply / Ignore buttons of a price-proposal alert (docs/ARCHITECTURE.md §3.3, interactivity).
// A click is a signed block_actions payload on /slack/events: acked at once, checked against
// access.prices, then decided by the same applyProposal / ignoreProposal as the CLI, with the
// clicking Slack user as the audit's `by`. The alert message is then rebuilt from the store:
// each decided proposal's buttons become the line saying who did what (so a double click, or
// two people clicking, shows one outcome); a refusal (the proposal no longer matches its
// source, config wins) replaces the clicked buttons with why. Refusals for the clicker alone
// (not allowed, already decided) go to them only, through response_url.
import type { App as BoltApp, BlockButtonAction, RespondFn, types, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { mayUse } from '../../features/access.js';
import { RETIREMENT_IGNORED, applyProposal, ignoreProposal } from '../../features/catalog/proposals/apply.js';
import { LEGACY_PRICE_ACTIONS, PRICE_ACTIONS, proposalIdOfBlock } from '../../features/catalog/proposals/announce.js';
import type { Services } from '../../features/services.js';
import type { AuditEntry } from '../../store/price-proposals.js';
import { clickAudit, type ClickAudit } from './click-audit.js';
import { clip, escapeMrkdwn } from './escape.js';

type Block = types.KnownBlock | types.Block;

/** "2026-09-10 16:00 UTC" */
const minuteOf = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
/** A Slack user id as a mention; anyone else (a CLI name, auto_apply) as plain text. */
const who = (by: string) => (/^[UW][A-Z0-9]{2,}$/.test(by) ? `<@${by}>` : escapeMrkdwn(by));

/** The line that replaces a decided proposal's buttons, from its audit entry (apply.ts and retire-apply.ts write its text). */
export function outcomeLine(entry: AuditEntry): string {
  const verb = entry.action === 'applied' ? 'Applied' : 'Ignored';
  const cut = [': re-priced ', ': applied retirement '].map((m) => entry.text.indexOf(m)).find((i) => i >= 0) ?? -1;
  const ignored = entry.text.endsWith(RETIREMENT_IGNORED) ? RETIREMENT_IGNORED : 'prices unchanged';
  const what = entry.action === 'applied' && cut >= 0 ? entry.text.slice(cut + 2).replace(/^applied retirement/, 'retirement') : ignored;
  return `${verb} by ${who(entry.by)} at ${minuteOf(entry.at)}: ${escapeMrkdwn(what)}`;
}

const line = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } });

/** The message's blocks with each decided proposal's buttons replaced by its outcome (and `note` on the clicked one). */
async function rebuilt(services: Services, blocks: Block[], note?: { id: number; text: string }): Promise<Block[]> {
  const history = await services.store.proposals.history();
  const out: Block[] = [];
  for (const b of blocks) {
    const id = b.type === 'actions' && typeof b.block_id === 'string' ? proposalIdOfBlock(b.block_id) : null;
    if (id === null) {
      out.push(b);
      continue;
    }
    const entry = history.filter((h) => h.proposal_id === id).at(-1);
    const p = await services.store.proposals.get(id);
    if (entry && p && p.status !== 'proposed') out.push(line(outcomeLine(entry)));
    else if (p && p.status === 'expired') out.push(line(`Proposal ${id} expired: nothing applied`));
    else if (note?.id === id) out.push(line(note.text));
    else out.push(b);
  }
  return out;
}

interface ButtonDeps {
  services: Services;
  log: Logger;
  track: <T>(p: Promise<T>) => Promise<T>;
}

async function decide(deps: ButtonDeps, body: BlockButtonAction, respond: RespondFn, client: webApi.WebClient, audit: ClickAudit): Promise<void> {
  const { services, log } = deps;
  const action = body.actions[0]!;
  const user = body.user.id;
  const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
  if (!mayUse('prices', { id: user, local: false }, services.config.access)) {
    await audit('refused');
    await tell('Only the people listed in access.prices may apply or ignore price proposals: nothing changed.');
    return;
  }
  const id = /^\d{1,15}$/.test(action.value ?? '') ? Number(action.value) : NaN;
  if (!Number.isSafeInteger(id)) {
    await audit('bad_value');
    await tell('This button names no price proposal: nothing changed.');
    return;
  }
  let note: { id: number; text: string } | undefined;
  if (action.action_id === PRICE_ACTIONS.apply || action.action_id === LEGACY_PRICE_ACTIONS.apply) {
    const out = await applyProposal(services, id, { by: user });
    await audit(out.kind === 'applied' ? 'done' : out.kind === 'already' || decidedBefore(out.reason) ? 'already' : 'stale', out.kind === 'applied' ? out.done : out.kind === 'refused' ? out.reason : undefined);
    if (out.kind === 'already') await tell(`Proposal ${id} was already applied${out.proposal.decided_by ? ` by ${who(out.proposal.decided_by)}` : ''}: nothing changed.`);
    else if (out.kind === 'refused') note = await refusalNote(deps, id, user, out.reason, tell);
  } else {
    const out = await ignoreProposal(services, id, { by: user });
    await audit(out.kind === 'ignored' ? 'done' : decidedBefore(out.reason) ? 'already' : 'stale', out.kind === 'ignored' ? out.audit.text : out.reason);
    if (out.kind === 'refused') note = await refusalNote(deps, id, user, out.reason, tell);
  }
  const channel = body.channel?.id;
  const message = body.message;
  if (!channel || !message?.ts || !Array.isArray(message['blocks'])) return;
  try {
    const blocks = await rebuilt(services, message['blocks'] as Block[], note);
    await client.chat.update({ channel, ts: message.ts, text: typeof message['text'] === 'string' ? message['text'] : 'Price changes', blocks });
  } catch (err) {
    log.warn({ proposal: id, code: (err as { data?: { error?: string } }).data?.error }, 'price proposal message not updated');
  }
}

/** A refusal because the proposal was decided already (applied or ignored by someone): the audit's `already`, not `stale`. */
const decidedBefore = (reason: string): boolean => /^proposal \d+ is (applied|ignored):/.test(reason);

/** A proposal already decided is the clicker's news alone; one still open but refused (stale, config wins) goes in the message. */
async function refusalNote(deps: ButtonDeps, id: number, user: string, reason: string, tell: (text: string) => Promise<unknown>): Promise<{ id: number; text: string } | undefined> {
  const p = await deps.services.store.proposals.get(id);
  if (!p || p.status !== 'proposed') {
    await tell(`${reason.charAt(0).toUpperCase()}${reason.slice(1)}.`.replace(/\.\.$/, '.'));
    return undefined;
  }
  return { id, text: `Not applied (${who(user)} at ${minuteOf(deps.services.clock().toISOString())}): ${escapeMrkdwn(reason)}` };
}

export function registerPriceButtons(app: BoltApp, deps: ButtonDeps): void {
  for (const actionId of [...Object.values(PRICE_ACTIONS), ...Object.values(LEGACY_PRICE_ACTIONS)]) {
    app.action<BlockButtonAction>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, respond, client }) => {
      // Ack first: Slack wants it within 3 s; re-pricing may take longer.
      await ack();
      const audit = clickAudit(deps.services, deps.log, body);
      await deps.track(decide(deps, body, respond, client, audit).catch(async (err: unknown) => {
        deps.log.error({ err: (err as Error).message, action: actionId }, 'price proposal button failed');
        await audit('failed', (err as Error).message);
        return respond({ response_type: 'ephemeral', replace_original: false, text: 'The proposal could not be decided (see the log): nothing changed.' }).catch(() => undefined);
      }));
    });
  }
}
