// /spend [PERIOD] [by DIMENSION] [csv]: reads the words, then asks the spend report
// (src/features/reports) for the period as of today and renders it.
import { parsePeriod, PERIOD_HELP } from '../src/domain/time/period.js';
import { truncateForMessage } from '../src/domain/text.js';
import { UsageError } from '../src/domain/errors.js';
import { spendReport } from '../src/features/reports/spend.js';
import { SPEND_DIMS, type SpendDim } from '../src/domain/spend.js';
import { spendReply } from '../src/features/reports/spend-reply.js';
import { cliFlags, defineCommand, EVERYWHERE, leadingOption, unknownOptionError, type Adapter } from './types.js';

export interface SpendArgs {
  /** Period word as typed; resolved against "today" at run time. */
  period: string;
  groupBy: SpendDim;
  csv: boolean;
}

const usage = (adapter: Adapter): string =>
  `spend [PERIOD] [by provider|model|user|key|route] [csv]${cliFlags(adapter, '[--json|--csv] [--png FILE]')}\nPERIOD: ${PERIOD_HELP}. Default: week. "by key" is "by user": a gateway key's calls carry its name as the user.`;

/** Reads `[PERIOD] [by DIMENSION] [csv]` in any order; throws UsageError when it cannot. */
export function readSpendArgs(text: string, adapter: Adapter = 'slack'): SpendArgs {
  const option = leadingOption(text);
  if (option) throw unknownOptionError(option, 'spend', adapter === 'cli' ? ['--csv'] : [], adapter);
  const words = text.trim().split(/\s+/).filter(Boolean);
  const args: SpendArgs = { period: 'week', groupBy: 'provider', csv: false };
  let periodSeen = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.toLowerCase();
    if (w === 'by') {
      // A gateway key's rows carry its name as the user (docs/ARCHITECTURE.md §3.3 gateway).
      const word = words[i + 1]?.toLowerCase();
      const dim = word === 'key' ? 'user' : word;
      if (!dim || !(SPEND_DIMS as readonly string[]).includes(dim)) throw new UsageError(`"by" needs one of: ${[...SPEND_DIMS.slice(0, 3), 'key', ...SPEND_DIMS.slice(3)].join(', ')}`);
      args.groupBy = dim as SpendDim;
      i++;
    } else if (w === 'csv') {
      args.csv = true;
    } else if (!periodSeen) {
      // Validated against a fixed day here; the real "today" is applied in run().
      const probe = parsePeriod(w, '2000-01-01');
      if (!probe.ok) throw new UsageError(`${probe.error}. Periods: ${PERIOD_HELP}`);
      args.period = w;
      periodSeen = true;
    } else {
      throw new UsageError(`unexpected "${truncateForMessage(words[i]!)}"`);
    }
  }
  return args;
}

export const spendCommand = defineCommand<SpendArgs>({
  name: 'spend',
  summary: 'Spend per day and provider, model, user or route, with totals, trend, budgets and a chart',
  usage,
  adapters: EVERYWHERE,
  csvWord: true,
  chart: true,
  access: 'spend',
  parse: (input, adapter) => readSpendArgs(input.text, adapter),
  async run(args, ctx) {
    const { ledger, zone, clock, config, store } = ctx.services();
    const today = zone.dayOf(clock().getTime());
    const parsed = parsePeriod(args.period, today);
    if (!parsed.ok) throw new UsageError(parsed.error);
    // By model, the answers' 👍/👎 join the report (src/store/answer-feedback.ts).
    const report = await spendReport(ledger, config.budgets, { period: parsed.period, groupBy: args.groupBy, today, feedback: store.feedback });
    return spendReply(report, { timezone: config.timezone, csv: args.csv });
  },
});
