// routeops prices list|apply|ignore|history: the price and retirement proposals made from the
// catalog sources, applying one (a price re-prices the ledger from its effective time; a
// retirement joins the catalog, nothing re-priced), ignoring one, and the audit trail.
// CLI-only; the work is in src/features/catalog/proposals/. Contracts: docs/ARCHITECTURE.md §3.1.
import { userInfo } from 'node:os';
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { nusdToUsd } from '../src/domain/money/units.js';
import { truncateForMessage } from '../src/domain/text.js';
import type { StoredProposal } from '../src/store/price-proposals.js';
import { applyProposal, ignoreProposal } from '../src/features/catalog/proposals/apply.js';
import { proposedRetirement } from '../src/features/catalog/proposals/retirement-version.js';
import { CLI_ONLY, defineCommand, type CommandInput } from './types.js';

const STATUSES = ['proposed', 'applied', 'ignored', 'expired'] as const;

/** The OS user running the CLI (a container may have none by name). */
function osUser(): string {
  try {
    return userInfo().username || 'cli';
  } catch {
    return 'cli';
  }
}

function readId(input: CommandInput, usage: string): number {
  const [id, ...extra] = input.positionals;
  if (id === undefined) throw new UsageError(`give the proposal's id (routeops prices list shows them)\nusage: routeops ${usage}`);
  if (extra.length) throw new UsageError(`unexpected "${truncateForMessage(extra[0]!)}"`);
  if (!/^[1-9]\d{0,15}$/.test(id)) throw new UsageError(`"${truncateForMessage(id)}" is not a proposal id: expected a number like 12`);
  return Number(id);
}

function readBy(input: CommandInput): string {
  const by = input.options.by;
  if (by === undefined) return osUser();
  if (typeof by !== 'string' || by.trim() === '') throw new UsageError('--by needs a name');
  return by.trim().slice(0, 80);
}

export function proposalJson(p: StoredProposal) {
  const version = p.version as { per_million?: unknown } | null;
  const retirement = proposedRetirement(p);
  return {
    id: p.id,
    provider: p.provider,
    model: p.model,
    source: p.source,
    kind: p.kind,
    effective: p.effective,
    per_million: p.kind === 'retirement' ? null : (version?.per_million ?? null),
    previous: p.kind === 'retirement' ? null : (p.previous ?? null),
    status: p.status,
    suspect: p.suspect,
    // Only on a retirement: when, the model to move to (null: none named) and where that came from.
    ...(retirement ? { retirement: { at: retirement.at, replacement: retirement.replacement, why: retirement.source } } : {}),
  };
}

const LIST_USAGE = 'prices list [--status proposed|applied|ignored|expired] [--json]';

export const pricesListCommand = defineCommand<{ status: (typeof STATUSES)[number] | undefined }>({
  name: 'prices list',
  summary: 'Price and retirement proposals from the catalog sources (newest first)',
  usage: LIST_USAGE,
  adapters: CLI_ONLY,
  options: { status: { type: 'string' } },
  parse: ({ options, positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected "${truncateForMessage(positionals[0]!)}"`);
    const status = options.status as string | undefined;
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status: expected one of ${STATUSES.join(', ')} (got "${truncateForMessage(status)}")`);
    return { status: status as (typeof STATUSES)[number] | undefined };
  },
  async run({ status }, ctx): Promise<Reply> {
    const proposals = await ctx.services().store.proposals.list(status);
    const lines = proposals.map((p) => {
      const j = proposalJson(p);
      const pm = j.per_million as { input?: number; output?: number } | null;
      const price = j.retirement ? `retires, ${j.retirement.replacement ? `replacement ${j.retirement.replacement}` : 'no replacement named'}` : pm ? `input $${pm.input}/M, output $${pm.output}/M` : 'no price';
      return `${p.id}  ${p.status}${p.suspect ? ' SUSPECT' : ''}  ${p.provider}/${p.model}  ${p.kind} from ${p.source}, effective ${p.effective}: ${price}`;
    });
    return { kind: 'result', title: '', body: lines.length ? lines.join('\n') : 'No price proposals.', data: { proposals: proposals.map(proposalJson) } };
  },
});

const APPLY_USAGE = 'prices apply ID [--by NAME] [--json]';

export const pricesApplyCommand = defineCommand<{ id: number; by: string }>({
  name: 'prices apply',
  summary: 'Apply a price proposal: add the price version and re-price the ledger from its effective time',
  usage: APPLY_USAGE,
  adapters: CLI_ONLY,
  // The rule of the Slack buttons (src/adapters/slack/price-buttons.ts); the CLI runs as the operator.
  access: 'prices',
  options: { by: { type: 'string' } },
  parse: (input) => ({ id: readId(input, APPLY_USAGE), by: readBy(input) }),
  async run({ id, by }, ctx): Promise<Reply> {
    const outcome = await applyProposal(ctx.services(), id, { by });
    if (outcome.kind === 'refused') return { kind: 'result', title: '', body: outcome.reason, failed: true, data: { id, error: outcome.reason } };
    if (outcome.kind === 'already') {
      const p = outcome.proposal;
      return {
        kind: 'result',
        title: '',
        body: `Proposal ${id} was already applied (${p.decided_at ?? '?'} by ${p.decided_by ?? '?'}): nothing to do.`,
        data: { id, rows_repriced: 0, before_usd: 0, after_usd: 0, already_applied: true },
      };
    }
    return {
      kind: 'result',
      title: '',
      body: `Applied proposal ${id}: ${outcome.done}`,
      data: { id, rows_repriced: outcome.rows, before_usd: nusdToUsd(outcome.before_nusd), after_usd: nusdToUsd(outcome.after_nusd) },
    };
  },
});

const IGNORE_USAGE = 'prices ignore ID [--by NAME] [--json]';

export const pricesIgnoreCommand = defineCommand<{ id: number; by: string }>({
  name: 'prices ignore',
  summary: 'Ignore a price proposal (prices stay as they are)',
  usage: IGNORE_USAGE,
  adapters: CLI_ONLY,
  // The rule of the Slack buttons (src/adapters/slack/price-buttons.ts); the CLI runs as the operator.
  access: 'prices',
  options: { by: { type: 'string' } },
  parse: (input) => ({ id: readId(input, IGNORE_USAGE), by: readBy(input) }),
  async run({ id, by }, ctx): Promise<Reply> {
    const outcome = await ignoreProposal(ctx.services(), id, { by });
    if (outcome.kind === 'refused') return { kind: 'result', title: '', body: outcome.reason, failed: true, data: { id, error: outcome.reason } };
    const what = outcome.proposal.kind === 'retirement' ? 'nothing retired, routing unchanged' : 'prices unchanged';
    return { kind: 'result', title: '', body: `Ignored proposal ${id}: ${what}.`, data: { id, status: 'ignored' } };
  },
});

export const pricesHistoryCommand = defineCommand<null>({
  name: 'prices history',
  summary: 'Who applied or ignored which price proposal, when, and the money effect',
  usage: 'prices history [--json]',
  adapters: CLI_ONLY,
  options: {},
  parse: ({ positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected "${truncateForMessage(positionals[0]!)}"`);
    return null;
  },
  async run(_args, ctx): Promise<Reply> {
    const entries = await ctx.services().store.proposals.history();
    const history = entries.map((e) => ({
      id: e.id,
      at: e.at,
      by: e.by,
      action: e.action,
      proposal_id: e.proposal_id,
      provider: e.provider,
      model: e.model,
      rows_repriced: e.rows,
      before_usd: nusdToUsd(e.before_nusd),
      after_usd: nusdToUsd(e.after_nusd),
      text: e.text,
    }));
    return { kind: 'result', title: '', body: entries.length ? entries.map((e) => `${e.at}  ${e.text}`).join('\n') : 'No price proposal applied or ignored yet.', data: { history } };
  },
});
