// App Home as Block Kit (docs/ARCHITECTURE.md §3.6 "App Home"): a pure function of what
// src/features/home/home-data.ts gathered. Every text the bot did not write (aliases, models,
// providers, alert titles) goes through escapeMrkdwn; lists are capped (and counted) so the view stays within
// Slack's limits (a Home view: 100 blocks; a section's text 3000 characters, a header's 150).
import type { types } from '@slack/bolt';
import { formatBalance } from '../../domain/money/balance.js';
import { formatUsd } from '../../domain/money/units.js';
import { plural } from '../../domain/text.js';
import { daysBetweenInclusive } from '../../domain/time/zone.js';
import { percentUsed } from '../../features/budgets/status.js';
import { percentText } from '../../features/alerts/format.js';
import { dayBars, dayTotals } from '../../features/home/day-bars.js';
import type { AliasCheck, HomeData, UpcomingRetirement } from '../../features/home/home-data.js';
import type { BalanceLine } from '../../features/balances/view.js';
import type { SpendReport } from '../../features/reports/spend.js';
import { clip, escapeMrkdwn } from './escape.js';

type KnownBlock = types.KnownBlock;

export const HOME_MAX_BLOCKS = 100;
const SECTION_TEXT_MAX = 3000;
/** Lines of a list shown before "and N more" (aliases, retirements). */
const LIST_MAX = 15;
/** The block that says when the view was built: left out of the content fingerprint (home.ts). */
export const UPDATED_BLOCK_ID = 'home.updated';

export interface HomeView {
  type: 'home';
  blocks: KnownBlock[];
}

const e = escapeMrkdwn;
const utcMinute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const section = (text: string, blockId?: string): KnownBlock => ({ type: 'section', ...(blockId ? { block_id: blockId } : {}), text: { type: 'mrkdwn', text: clip(text, SECTION_TEXT_MAX) } });
const header = (text: string): KnownBlock => ({ type: 'header', text: { type: 'plain_text', text: clip(text, 150) } });
const context = (text: string, blockId?: string): KnownBlock => ({ type: 'context', ...(blockId ? { block_id: blockId } : {}), elements: [{ type: 'mrkdwn', text: clip(text, SECTION_TEXT_MAX) }] });

/** A list line's most characters (a hostile or huge name cannot crowd out the others). */
const LINE_MAX = 400;

/**
 * A heading and its lines, as many as fit in a section (at most LIST_MAX), then how many more
 * there are: the count is never what a clip cuts off.
 */
function listSection(heading: string, lines: string[], more: (n: number) => string, blockId: string, total = lines.length): KnownBlock {
  const room = SECTION_TEXT_MAX - 100; // the "and N more" line and the footer lines callers add
  let text = heading;
  let shown = 0;
  for (const line of lines.slice(0, LIST_MAX)) {
    const next = `\n${clip(line, LINE_MAX)}`;
    if (text.length + next.length > room) break;
    text += next;
    shown++;
  }
  if (shown < total) text += `\n_and ${more(total - shown)}_`;
  return section(text, blockId);
}

/** The rows of the period not in its amounts, said in words (never a bare $0). */
function notInAmounts(t: SpendReport['totals']): string {
  const parts = [t.unpriced ? `${plural(t.unpriced, 'call')} not priced` : '', t.usage_missing ? `${plural(t.usage_missing, 'call')} with usage missing` : ''].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')}: not in the amounts)` : '';
}

/** A period's total; when no call of it has an amount, which it is (never $0.00). */
function totalText(t: SpendReport['totals']): string {
  if (t.requests > 0 && t.cost_nusd === 0n && t.unpriced + t.usage_missing === t.requests) return t.unpriced ? 'not priced' : 'usage missing';
  return formatUsd(t.cost_nusd);
}

function monthBlocks(month: SpendReport): KnownBlock[] {
  const t = month.totals;
  const total = totalText(t);
  const budget = month.budgets.find((b) => b.id === 'monthly');
  const lines = [`*Month to date* (${month.period.from} to ${month.period.to}): *${total}* over ${plural(t.requests, 'call')}${notInAmounts(t)}`];
  if (budget) lines.push(`Monthly budget ${formatUsd(budget.limit_nusd)}: ${percentUsed(budget)}% used`);
  else lines.push('No monthly budget set (`budgets.monthly` in the config).');
  if (month.projection_nusd !== null) {
    const days = daysBetweenInclusive(month.period.from, month.period.to);
    const ofBudget = budget ? `, ${percentUsed({ spent_nusd: month.projection_nusd, limit_nusd: budget.limit_nusd })}% of the budget` : '';
    lines.push(`Projected month end: *${formatUsd(month.projection_nusd)}*${ofBudget} (the ${plural(days, 'day')} so far, scaled to the month)`);
  }
  const blocks = [section(lines.join('\n'), 'home.month')];
  if (t.requests > 0) {
    const chart = dayBars(dayTotals(month));
    const note = chart.marked ? '\n_* some or all calls of that day are not priced or have usage missing: not in the amount._' : '';
    blocks.push(section(`*Spend per day*\n\`\`\`\n${e(chart.lines.join('\n'))}\`\`\`${note}`, 'home.chart'));
  } else {
    blocks.push(section('*Spend per day*\nNo spend this month yet.', 'home.chart'));
  }
  return blocks;
}

/** Why a group with calls has no amount: its calls are not priced, have usage missing, or both. */
const noAmount = (g: SpendReport['groups'][number]): string => [g.unpriced ? 'not priced' : '', g.usage_missing ? 'usage missing' : ''].filter(Boolean).join(', ');

function weekBlock(week: SpendReport): KnownBlock {
  const head = `*Spend by provider, last 7 days* (${week.period.from} to ${week.period.to})`;
  if (!week.groups.length) return section(`${head}\nNo spend in these days.`, 'home.week');
  const whole = week.totals.cost_nusd;
  const lines = week.groups.map((g) => {
    const amount = g.unpriced + g.usage_missing ? (g.total === 0n ? noAmount(g) : `${formatUsd(g.total)} (${plural(g.unpriced + g.usage_missing, 'call')} not in it)`) : formatUsd(g.total);
    const share = whole > 0n && g.total > 0n ? ` · ${percentText(g.total, whole)}` : '';
    return `• ${e(g.key)}: ${amount}${share} · ${plural(g.requests, 'call')}`;
  });
  return listSection(`${head}\nTotal ${totalText(week.totals)}${notInAmounts(week.totals)}`, lines, (n) => plural(n, 'more provider', 'more providers'), 'home.week');
}

function balanceLine(l: BalanceLine): string {
  if (l.balance_nano === null || l.currency === null) return `• ${e(l.provider)}: balance unavailable${l.error ? ` (${e(l.error)})` : ''}`;
  const runway = l.runway ? `runway ${l.runway.runway_days} d (runs out ${l.runs_out_on})` : l.burn_nano === null ? 'runway: not enough history yet' : 'no end in sight at this burn';
  const burn = l.burn_nano === null ? '' : ` · burn ${formatBalance(l.burn_nano, l.currency)}/day`;
  const failed = l.error ? ` · latest poll failed: ${e(l.error)}` : '';
  return `• ${e(l.provider)}: ${formatBalance(l.balance_nano, l.currency)}${l.available === false ? ' (not available)' : ''} as of ${utcMinute(l.at!)}${burn} · ${runway}${failed}`;
}

function retirementLine(r: UpcomingRetirement): string {
  const aliases = r.pointers.map((p) => `${e(p.alias)} (route ${p.position} of ${p.of})`).join(', ');
  const to = r.replacement ? ` → ${e(r.replacement)}` : ', no replacement named';
  return `• ${e(`${r.provider}/${r.model}`)} retires ${utcMinute(r.at)}${to}; still routed by ${aliases}`;
}

function aliasCheckLine(a: AliasCheck): string {
  const checked = a.routes.filter((r) => r.status !== null);
  if (!checked.length) return `• ${e(a.alias)}: never checked`;
  const failed = a.routes.find((r) => r.status === 'fail');
  const newest = checked.map((r) => r.finished_at!).sort().at(-1)!;
  const unchecked = a.routes.length - checked.length;
  const rest = unchecked ? ` (${plural(unchecked, 'route')} not checked)` : '';
  if (failed) return `• :x: ${e(a.alias)}: *fail* ${utcMinute(newest)}: ${e(`${failed.provider}/${failed.model}`)} ${e(failed.failure!.check)}: ${e(clip(failed.failure!.reason, 160))}${rest}`;
  return `• :white_check_mark: ${e(a.alias)}: pass ${utcMinute(newest)}${rest}`;
}

/** The whole tab for one person. */
export function homeView(data: HomeData): HomeView {
  const blocks: KnownBlock[] = [header('routeops'), context(`Updated ${utcMinute(data.now)}. Refreshed when you open this tab and after a job changes what it shows.`, UPDATED_BLOCK_ID)];

  if (data.spend) {
    blocks.push(...monthBlocks(data.spend.month), weekBlock(data.spend.week));
  } else {
    blocks.push(section('_Spend figures and balances are shown to the people listed in `access.spend`; you are not one of them._', 'home.no_spend'));
  }
  if (data.balances) {
    const total = data.balances.total && 'usd_nano' in data.balances.total ? `\nTotal ${formatUsd(data.balances.total.usd_nano)} (other currencies at \`balances_fx\`)` : '';
    blocks.push({ type: 'divider' }, listSection(`*Provider balances and runway*${total}`, data.balances.lines.map(balanceLine), (n) => plural(n, 'more provider', 'more providers'), 'home.balances'));
  }

  blocks.push({ type: 'divider' });
  blocks.push(
    data.retirements.length
      ? listSection('*Retirements ahead, still routed to*', data.retirements.map(retirementLine), (n) => plural(n, 'more retirement', 'more retirements'), 'home.retirements')
      : section('*Retirements ahead*\nNo routed model retires in the next 90 days.', 'home.retirements'),
  );
  blocks.push(
    data.routeChecks.length
      ? listSection('*Last route check per alias*', data.routeChecks.map(aliasCheckLine), (n) => plural(n, 'more alias', 'more aliases'), 'home.routechecks')
      : section('*Last route check per alias*\nNo aliases configured.', 'home.routechecks'),
  );

  const alerts = data.alerts.map((a) => {
    const what = e(a.title ?? a.kind);
    // Alert texts carry spend figures (budgets, shares of spend): only for people who see spend.
    const text = data.seesSpend ? `: ${e(clip(a.text, 200))}` : '';
    return `• ${utcMinute(a.created_at)} *${what}*${text}${a.sent_at ? '' : ' _(not posted yet)_'}`;
  });
  blocks.push(alerts.length ? listSection('*Recent alerts*', alerts, (n) => plural(n, 'more alert', 'more alerts'), 'home.alerts') : section('*Recent alerts*\nNone recorded yet.', 'home.alerts'));

  const p = data.proposals;
  const proposals = p.shown.map((x) => `• #${x.id} ${x.kind.replace('_', ' ')}: ${e(`${x.provider}/${x.model}`)} from ${e(x.source)}, effective ${utcMinute(x.effective)}${x.suspect ? ' _(suspect: a move of more than 10x)_' : ''}`);
  blocks.push(
    p.open
      ? listSection(`*Open price proposals* (${p.open}): decide with the Apply / Ignore buttons in the alerts channel, or \`routeops prices apply|ignore ID\``, proposals, (n) => plural(n, 'more'), 'home.proposals', p.open)
      : section('*Open price proposals*\nNone.', 'home.proposals'),
  );
  return { type: 'home', blocks: blocks.slice(0, HOME_MAX_BLOCKS) };
}
