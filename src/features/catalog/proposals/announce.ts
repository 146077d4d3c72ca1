// The prices alert's lines for new proposals: each with its id and how to apply it, what a new
// model's unpriced spend comes to, and what catalog.auto_apply applied itself. Pure.
import { formatUsd } from '../../../domain/money/units.js';
import type { PerMillion } from '../../../config/schema.js';
import { safeName } from '../price-alert.js';
import type { CreatedProposal } from './propose.js';
import type { ApplyOutcome } from './apply.js';

const priceText = (pm: PerMillion | null | undefined): string =>
  pm ? `input $${pm.input}/M, output $${pm.output}/M${pm.cached_input !== undefined ? `, cache hit $${pm.cached_input}/M` : ''}` : 'not priced';

export function proposalLines(created: readonly CreatedProposal[], auto: ReadonlyMap<number, ApplyOutcome>): string[] {
  const lines: string[] = [];
  for (const { proposal: p, unpriced } of created) {
    const version = p.version as { per_million?: PerMillion } | null;
    const what = p.kind === 'new_model' ? 'new model' : 'price';
    lines.push(
      `Proposal ${p.id}: ${safeName(p.provider)}/${safeName(p.model)} ${what} from ${p.source}, effective ${p.effective}: ${priceText(version?.per_million)} (now ${priceText(p.previous as PerMillion | null)})`,
    );
    if (unpriced && unpriced.rows > 0) lines.push(`  ${unpriced.rows.toLocaleString('en-US')} rows were not priced; at this price they come to ${formatUsd(unpriced.nusd)}`);
    const done = auto.get(p.id);
    if (done?.kind === 'applied') lines.push(`  applied automatically (catalog.auto_apply): ${done.audit.text.replace(/^.*?: re-priced/, 're-priced')}`);
    else if (p.suspect) lines.push(`  SUSPECT (a change of more than 10x): check it before applying: routeops prices apply ${p.id}`);
    else lines.push(`  apply: routeops prices apply ${p.id}   ignore: routeops prices ignore ${p.id}`);
  }
  return lines;
}
