// routeops balance poll [--now ISO] [--json]: read every provider's prepaid balance once and
// record the good readings (src/features/balances/poll.ts). Text: one line per provider,
// "deepseek: USD 110.50 (available)" or "deepseek: balance unavailable: <why>"; JSON: the
// document of docs/ARCHITECTURE.md §3.1. Exit 1 when any provider's poll failed.
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { formatBalance } from '../src/domain/money/balance.js';
import { nanoToNumber } from '../src/domain/money/units.js';
import { truncateForMessage } from '../src/domain/text.js';
import { addedSince, pollBalances, type BalancePoll, type PollOutcome } from '../src/features/balances/poll.js';
import { nowOption, parseNow } from './alerts-run.js';
import { CLI_ONLY, defineCommand } from './types.js';

const USAGE =
  'balance poll [--now ISO] [--json]\n' +
  '  --now ISO   record the readings as of this time (an ISO time with a zone, or a day: its start in the configured timezone)\n' +
  '  --json      {"providers":[{"provider","currency","balance","available","error","top_up",…}],"not_polled":[…]}';

const availability = (a: boolean | null): string => (a === null ? '' : a ? ' (available)' : ' (not available)');

function lineOf(r: BalancePoll): string {
  if (!r.ok) return `${r.provider}: ${r.error.message}`;
  const { currency, balance_nano, available } = r.reading;
  const added = addedSince(r.recorded);
  const extra = [
    added.top_up_nano !== null ? `top-up ${formatBalance(added.top_up_nano, currency)} since the last poll` : '',
    added.grant_nano !== null ? `grant ${formatBalance(added.grant_nano, currency)} since the last poll` : '',
  ].filter(Boolean);
  return `${r.provider}: ${formatBalance(balance_nano, currency)}${availability(available)}${extra.length ? `; ${extra.join('; ')}` : ''}`;
}

function renderText(outcome: PollOutcome, now: Date): string {
  const lines = outcome.results.map(lineOf);
  for (const n of outcome.notPolled) lines.push(`${n.provider}: not polled: ${n.reason}`);
  const recorded = outcome.results.filter((r) => r.ok).length;
  if (outcome.results.length === 0) lines.push('No provider was polled: none has a balance source with its keys set.');
  else lines.push(`${recorded} of ${outcome.results.length} balance${outcome.results.length === 1 ? '' : 's'} recorded at ${now.toISOString()}.`);
  return lines.join('\n');
}

/** The --json document; money as numbers of the currency, each the double nearest the exact amount. */
export function pollJson(outcome: PollOutcome, now: Date) {
  return {
    now: now.toISOString(),
    providers: outcome.results.map((r) => {
      if (!r.ok) return { provider: r.provider, kind: r.kind, currency: null, balance: null, available: null, error: r.error.message, top_up: null, grant: null };
      const added = addedSince(r.recorded);
      return {
        provider: r.provider,
        kind: r.kind,
        currency: r.reading.currency,
        balance: nanoToNumber(r.reading.balance_nano),
        available: r.reading.available,
        error: null,
        top_up: added.top_up_nano === null ? null : nanoToNumber(added.top_up_nano),
        grant: added.grant_nano === null ? null : nanoToNumber(added.grant_nano),
      };
    }),
    not_polled: outcome.notPolled,
  };
}

export const balancePollCommand = defineCommand<{ now: string | null }>({
  name: 'balance poll',
  summary: "Read every provider's prepaid balance once and record it (top-ups are recorded as such)",
  usage: USAGE,
  adapters: CLI_ONLY,
  options: { now: { type: 'string' } },
  parse: ({ options, positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected "${truncateForMessage(positionals[0]!)}"`);
    return { now: nowOption(options) };
  },
  async run(args, ctx): Promise<Reply> {
    const services = ctx.services();
    const now = args.now === null ? services.clock() : parseNow(args.now, services.zone);
    const outcome = await pollBalances(services, { now });
    const failed = outcome.results.some((r) => !r.ok);
    return {
      kind: 'result',
      title: '',
      body: renderText(outcome, now),
      data: pollJson(outcome, now),
      ...(failed ? { failed: true } : {}),
    };
  },
});
