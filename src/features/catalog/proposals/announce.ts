// The prices alert's lines for new proposals: each with its id and how to apply it, what a new
// model's unpriced spend comes to, a retirement's replacement, the aliases still on the model and
// its last 7 days, and what catalog.auto_apply applied itself; and the Apply / Ignore decisions
// Slack shows as buttons (docs/ARCHITECTURE.md §3.3, interactivity). Pure.
import { formatUsd } from '../../../domain/money/units.js';
import type { PerMillion } from '../../../config/schema.js';
import type { ReplyDecision } from '../../../domain/reply.js';
import { safeName } from '../price-alert.js';
import type { CreatedProposal } from './propose.js';
import type { ApplyOutcome } from './apply.js';
import { aliasesText, proposedRetirement, retirementReason, type RetirementNotice } from './retirement-version.js';

const priceText = (pm: PerMillion | null | undefined): string =>
  pm ? `input $${pm.input}/M, output $${pm.output}/M${pm.cached_input !== undefined ? `, cache hit $${pm.cached_input}/M` : ''}` : 'not priced';

/** "2026-09-10 16:00 UTC" */
const minuteOf = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

function retirementLines(p: CreatedProposal['proposal'], notice: RetirementNotice | undefined): string[] {
  const r = proposedRetirement(p);
  const replacement = r?.replacement ? `replacement ${safeName(r.replacement)}` : 'no replacement named';
  const lines = [`Proposal ${p.id}: ${safeName(p.provider)}/${safeName(p.model)} retirement from ${p.source}, at ${minuteOf(p.effective)} (${retirementReason(p, safeName)}): ${replacement}`];
  if (notice) {
    lines.push(`  aliases still on it: ${aliasesText(notice.aliases)}`);
    lines.push(`  last 7 days (${notice.from}..${notice.to}): ${notice.calls.toLocaleString('en-US')} call${notice.calls === 1 ? '' : 's'}, ${formatUsd(notice.spend_nusd)}`);
  }
  lines.push(`  apply: routeops prices apply ${p.id}   ignore: routeops prices ignore ${p.id}`);
  return lines;
}

export function proposalLines(created: readonly CreatedProposal[], auto: ReadonlyMap<number, ApplyOutcome>): string[] {
  const lines: string[] = [];
  for (const { proposal: p, unpriced, retirement } of created) {
    if (p.kind === 'retirement') {
      lines.push(...retirementLines(p, retirement));
      continue;
    }
    const version = p.version as { per_million?: PerMillion } | null;
    const what = p.kind === 'new_model' ? 'new model' : 'price';
    lines.push(
      `Proposal ${p.id}: ${safeName(p.provider)}/${safeName(p.model)} ${what} from ${p.source}, effective ${p.effective}: ${priceText(version?.per_million)} (now ${priceText(p.previous as PerMillion | null)})`,
    );
    if (unpriced && unpriced.rows > 0) lines.push(`  ${unpriced.rows.toLocaleString('en-US')} ${unpriced.rows === 1 ? 'row was' : 'rows were'} not priced; at this price they come to ${formatUsd(unpriced.nusd)}`);
    const done = auto.get(p.id);
    if (done?.kind === 'applied') lines.push(`  applied automatically (catalog.auto_apply): ${done.audit.text.replace(/^.*?: re-priced/, 're-priced')}`);
    else if (p.suspect) lines.push(`  SUSPECT (a change of more than 10x): check it before applying: routeops prices apply ${p.id}`);
    else lines.push(`  apply: routeops prices apply ${p.id}   ignore: routeops prices ignore ${p.id}`);
  }
  return lines;
}

/** The action ids of the buttons (docs/ARCHITECTURE.md §3.3); the value is the proposal id. */
export const PRICE_ACTIONS = { apply: 'price.apply', ignore: 'price.ignore' } as const;
/** The ids alerts posted before 2026-12 carry: their buttons still work. */
export const LEGACY_PRICE_ACTIONS = { apply: 'price_apply', ignore: 'price_ignore' } as const;
/** The block that holds a proposal's buttons: replaced by the outcome once decided. */
export const decisionBlockId = (id: number) => `price_proposal:${id}`;
export const proposalIdOfBlock = (blockId: string): number | null => {
  const m = /^price_proposal:(\d{1,15})$/.exec(blockId);
  return m ? Number(m[1]) : null;
};

/** Apply / Ignore for each new proposal a person decides (not one applied already), retirements included. */
export function proposalDecisions(created: readonly CreatedProposal[], auto: ReadonlyMap<number, ApplyOutcome>): ReplyDecision[] {
  return created
    .filter(({ proposal: p }) => p.version !== null && auto.get(p.id)?.kind !== 'applied')
    .map(({ proposal: p }) => ({
      id: decisionBlockId(p.id),
      text: `Proposal ${p.id}: ${safeName(p.provider)}/${safeName(p.model)}${p.kind === 'retirement' ? ' retirement' : ''}${p.suspect ? ' (SUSPECT: a change of more than 10x)' : ''}`,
      choices: [
        { action: PRICE_ACTIONS.apply, label: 'Apply', value: String(p.id), style: 'primary' as const },
        { action: PRICE_ACTIONS.ignore, label: 'Ignore', value: String(p.id) },
      ],
    }));
}
