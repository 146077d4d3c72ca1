// /balance (routeops balance [--now ISO] [--json]): every provider's prepaid balance from the
// stored snapshots (src/features/balances/view.ts), with its change, top-ups, burn beside the
// ledger's spend, and runway. No network: `balance poll` and the balances job read the providers.
// JSON: the document of docs/ARCHITECTURE.md §3.1.
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { formatBalance } from '../src/domain/money/balance.js';
import { formatNanoAmount, formatUsd, nanoToNumber } from '../src/domain/money/units.js';
import { truncateForMessage } from '../src/domain/text.js';
import { balanceView, type BalanceLine, type BalanceView } from '../src/features/balances/view.js';
import { parseNow } from './alerts-run.js';
import { cliFlags, commandPrefix, defineCommand, EVERYWHERE, type Adapter } from './types.js';

const usage = (adapter: Adapter): string =>
  adapter === 'cli'
    ? 'balance [--now ISO] [--json]\n  --now ISO   as of this time (an ISO time with a zone, or a day: its start in the configured timezone)'
    : `balance${cliFlags(adapter)}`;

const signed = (nano: bigint | null): string => (nano === null ? '' : `${nano > 0n ? '+' : ''}${formatNanoAmount(nano)}`);
const amount = (nano: bigint | null): string => (nano === null ? '' : formatNanoAmount(nano));

/** A reading older than this is shown with its time: the bot may have been off. */
const STALE_MS = 3 * 3_600_000;

function row(l: BalanceLine, nowMs: number): string[] {
  if (l.balance_nano === null) return [l.provider, 'balance unavailable', '', '', '', '', '', '', ''];
  const balance = formatBalance(l.balance_nano, l.currency!) + (l.available === false ? ' (not available)' : '');
  const added = l.top_ups_week_nano + l.grants_week_nano;
  const asOf = `as of ${l.at!.slice(0, 16).replace('T', ' ')} UTC`;
  return [
    l.provider,
    l.error ? `${balance} ${asOf}, latest poll failed` : nowMs - Date.parse(l.at!) > STALE_MS ? `${balance} ${asOf}` : balance,
    signed(l.change_day_nano),
    signed(l.change_week_nano),
    added > 0n ? amount(added) : '',
    l.burn_nano === null ? 'not enough history' : amount(l.burn_nano),
    l.ledger_nano === null ? (l.currency === 'USD' ? '' : `n/a (no ${l.currency} rate)`) : amount(l.ledger_nano),
    l.gap_pct === null ? '' : `${l.gap_pct > 0 ? '+' : ''}${l.gap_pct}%`,
    [l.runway ? `${l.runway.runway_days} d (${l.runs_out_on})` : '', patternText(l)].filter(Boolean).join('; '),
  ];
}

/** The runway at the weekday/weekend pattern, when it differs from the flat week's. */
function patternText(l: BalanceLine): string {
  const p = l.pattern;
  if (!p || l.currency === null) return '';
  const burns = `${formatNanoAmount(p.weekday_nano)} a weekday, ${formatNanoAmount(p.weekend_nano)} a weekend day`;
  return p.runway ? `at ${burns}: ${p.runway.runway_days} d (${p.runs_out_on})` : `at ${burns}: no end in sight`;
}

function totalText(total: BalanceView['total']): string {
  if (total === null) return '';
  if ('usd_nano' in total) return `Total ${formatUsd(total.usd_nano)} (other currencies at balances_fx).`;
  return `Not totalled: no balances_fx rate for ${total.missing_rates.join(', ')}.`;
}

/** The --json document (docs/ARCHITECTURE.md §3.1): amounts as numbers of each provider's currency. */
export function balanceJson(view: BalanceView) {
  return {
    providers: view.lines.map((l) => ({
      provider: l.provider,
      currency: l.currency,
      balance: l.balance_nano === null ? null : nanoToNumber(l.balance_nano),
      available: l.available,
      error: l.error,
      burn_per_day: l.burn_nano === null ? null : nanoToNumber(l.burn_nano),
      ledger_per_day: l.ledger_nano === null ? null : nanoToNumber(l.ledger_nano),
      runway_days: l.runway?.runway_days ?? null,
      runs_out_on: l.runs_out_on,
      gap_pct: l.gap_pct,
      runway_pattern: l.pattern && {
        weekday_burn: nanoToNumber(l.pattern.weekday_nano),
        weekend_burn: nanoToNumber(l.pattern.weekend_nano),
        runway_days: l.pattern.runway?.runway_days ?? null,
        runs_out_on: l.pattern.runs_out_on,
      },
    })),
  };
}

export function balanceReply(view: BalanceView): Reply {
  const data = balanceJson(view);
  const unread = view.unread.length ? `No balance source: ${view.unread.map((u) => u.provider).join(', ')} (${commandPrefix('cli')}balance poll says why).` : '';
  const failed = view.lines.filter((l) => l.error !== null);
  if (!view.lines.length) {
    return { kind: 'result', title: 'Balances', summary: `No provider has a balance source. ${unread}`.trim(), data };
  }
  return {
    kind: 'result',
    title: 'Balances',
    table: {
      columns: [
        { header: 'Provider' },
        { header: 'Balance' },
        { header: 'Day', align: 'right' },
        { header: '7 days', align: 'right' },
        { header: 'Added 7d', align: 'right' },
        { header: 'Burn/day', align: 'right' },
        { header: 'Ledger/day', align: 'right' },
        { header: 'Gap', align: 'right' },
        { header: 'Runway' },
      ],
      rows: view.lines.map((l) => row(l, Date.parse(view.now))),
    },
    ...(failed.length ? { sections: [{ text: failed.map((l) => `${l.provider}: ${l.error}`).join('\n') }] } : {}),
    footer: [
      `As stored at ${view.now.slice(0, 16).replace('T', ' ')} UTC; each in its own currency.`,
      'Burn: the balance fall per day over the 7 whole days before today, top-ups and grants added back; Ledger: routeops\' spend on the provider over the same days (other currencies at balances_fx); Gap: burn against ledger. Runway: at that burn, and at the week\'s weekday/weekend burns when they differ by more than 25%.',
      totalText(view.total),
      unread,
    ]
      .filter(Boolean)
      .join(' '),
    data,
  };
}

export const balanceCommand = defineCommand<{ now: string | null }>({
  name: 'balance',
  summary: 'Prepaid balances: change, top-ups, burn per day beside the ledger, runway',
  usage,
  adapters: EVERYWHERE,
  access: 'spend',
  parse: (input, adapter) => {
    const words = input.text.trim().split(/\s+/).filter(Boolean);
    if (adapter === 'cli' && words[0] === '--now') {
      if (!words[1]) throw new UsageError('--now needs a time, like 2026-07-17T09:00:00Z');
      if (words.length > 2) throw new UsageError(`unexpected "${truncateForMessage(words[2]!)}"`);
      return { now: words[1] };
    }
    if (words.length) throw new UsageError(`unexpected "${truncateForMessage(words[0]!)}"; ${commandPrefix(adapter)}balance takes ${adapter === 'cli' ? '--now ISO and --json' : 'no words'}`);
    return { now: null };
  },
  async run(args, ctx) {
    const services = ctx.services();
    const now = args.now === null ? services.clock() : parseNow(args.now, services.zone);
    return balanceReply(await balanceView(services, now));
  },
});
