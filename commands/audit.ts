// `routeops audit [--days N] [--json]`: the Slack button clicks of the last N days (default 7),
// who clicked what and what came of it (migrations/020_slack_actions.sql; docs/ARCHITECTURE.md
// §3.1 `audit`). Terminal only: it names every user's clicks.
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { truncateForMessage, withoutHiddenChars } from '../src/domain/text.js';
import { CLI_ONLY, defineCommand } from './types.js';

const DAY_MS = 86_400_000;
const DAYS_DEFAULT = 7;
const DAYS_MAX = 366;
/** At most this many clicks are listed (the latest). */
export const AUDIT_LIMIT = 1000;

/** A stored value (from Slack) never breaks or reorders the table. */
const cell = (s: string): string => truncateForMessage(withoutHiddenChars(s, ' '));

export const auditCommand = defineCommand<{ days: number }>({
  name: 'audit',
  summary: 'Who clicked which Slack button, when, and what came of it',
  usage: 'audit [--days N] [--json]',
  adapters: CLI_ONLY,
  options: { days: { type: 'string' } },
  parse: ({ options, positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected "${truncateForMessage(positionals[0]!)}": usage: routeops audit [--days N] [--json]`);
    const raw = options['days'];
    if (raw === undefined) return { days: DAYS_DEFAULT };
    const days = /^\d{1,3}$/.test(String(raw)) ? Number(raw) : NaN;
    if (!(days >= 1 && days <= DAYS_MAX)) throw new UsageError(`--days takes a whole number of days from 1 to ${DAYS_MAX}, not "${truncateForMessage(String(raw))}"`);
    return { days };
  },
  async run({ days }, ctx): Promise<Reply> {
    const services = ctx.services();
    const clicks = await services.store.actions.since(services.clock().getTime() - days * DAY_MS, AUDIT_LIMIT);
    const data = { days, actions: clicks };
    if (!clicks.length) return { kind: 'result', title: '', body: `No Slack button clicked in the last ${days} day${days === 1 ? '' : 's'}.`, data };
    return {
      kind: 'result',
      title: `Slack button clicks, last ${days} day${days === 1 ? '' : 's'}`,
      table: {
        columns: [{ header: 'at (UTC)' }, { header: 'user' }, { header: 'action' }, { header: 'value' }, { header: 'outcome' }, { header: 'detail' }],
        rows: clicks.map((c) => [`${c.at.slice(0, 10)} ${c.at.slice(11, 19)}`, cell(c.user), cell(c.action), cell(c.value), c.outcome, cell(c.detail ?? '')]),
      },
      ...(clicks.length === AUDIT_LIMIT ? { footer: `The latest ${AUDIT_LIMIT} clicks; use --days to look at fewer days.` } : {}),
      data,
    };
  },
});
