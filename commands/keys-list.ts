// The gateway keys listed: `routeops keys list [--json]` and `/keys` in Slack and the shell (for
// access.keys). Never a key: its prefix, status, aliases, budgets with their spend so far, rate
// limit, expiry. JSON: docs/ARCHITECTURE.md §3.1 `keys list`.
import type { Reply } from '../src/domain/reply.js';
import type { Services } from '../src/features/services.js';
import { UsageError } from '../src/domain/errors.js';
import { formatUsd, nanoToNumber } from '../src/domain/money/units.js';
import { truncateForMessage } from '../src/domain/text.js';
import { shownPrefix } from '../src/features/gateway/key-text.js';
import { listKeys, type ListedKey } from '../src/features/gateway/manage.js';
import { cliFlags, commandPrefix, defineCommand, EVERYWHERE, type Adapter } from './types.js';

const usd = (nano: bigint | null): number | null => (nano === null ? null : nanoToNumber(nano));

export function keyJson(k: ListedKey) {
  const r = k.record;
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    owner: r.owner,
    status: k.status,
    aliases: r.aliases,
    provider_models: r.providerModels,
    budget_daily_usd: usd(r.budgetDailyNano),
    budget_monthly_usd: usd(r.budgetMonthlyNano),
    spent_today_usd: usd(k.spent?.dayNano ?? null),
    spent_month_usd: usd(k.spent?.monthNano ?? null),
    rpm: r.rpm,
    expires_at: r.expiresMs === null ? null : new Date(r.expiresMs).toISOString(),
    created_at: r.createdAt,
    revoked_at: r.revokedAt,
    rotated_from: r.rotatedFrom,
  };
}

/** "$3.20 of $10.00", the spend alone when there is no budget, nothing for a revoked key. */
const budgetCell = (spent: bigint | undefined, limit: bigint | null): string => {
  if (spent === undefined) return limit === null ? '' : `budget ${formatUsd(limit)}`;
  return limit === null ? formatUsd(spent) : `${formatUsd(spent)} of ${formatUsd(limit)}`;
};

const minute = (iso: string | null): string => (iso === null ? '' : `${iso.slice(0, 16).replace('T', ' ')} UTC`);

function row(k: ListedKey): string[] {
  const r = k.record;
  return [
    r.name,
    shownPrefix(r.prefix),
    k.status === 'revoked' ? `revoked ${minute(r.revokedAt)}` : k.status,
    [...(r.aliases.length ? r.aliases : ['every alias']), ...(r.providerModels ? ['provider/model'] : [])].join(', '),
    budgetCell(k.spent?.dayNano, r.budgetDailyNano),
    budgetCell(k.spent?.monthNano, r.budgetMonthlyNano),
    r.rpm === null ? '' : String(r.rpm),
    r.expiresMs === null ? '' : minute(new Date(r.expiresMs).toISOString()),
    r.owner ?? '',
    minute(r.createdAt),
  ];
}

export async function listReply(services: Pick<Services, 'store' | 'clock' | 'ledger' | 'zone'>, adapter: Adapter): Promise<Reply> {
  const keys = await listKeys(services);
  const data = { keys: keys.map(keyJson) };
  const how = adapter === 'cli' ? 'routeops keys create NAME makes one' : 'they are made with routeops keys create on the server';
  if (!keys.length) return { kind: 'result', title: 'Gateway keys', summary: `No gateway keys: ${how}.`, data };
  const active = keys.filter((k) => k.status === 'active').length;
  return {
    kind: 'result',
    title: 'Gateway keys',
    summary: `${active} active of ${keys.length}.`,
    table: {
      columns: [
        { header: 'Name' },
        { header: 'Key' },
        { header: 'Status' },
        { header: 'Aliases' },
        { header: 'Today', align: 'right' },
        { header: 'Month', align: 'right' },
        { header: 'RPM', align: 'right' },
        { header: 'Expires' },
        { header: 'Owner' },
        { header: 'Created' },
      ],
      rows: keys.map(row),
    },
    footer: `Today and Month: the key's spend so far (${services.zone.name} days) and its budget. A key is shown only when made; ${commandPrefix('cli')}keys rotate NAME replaces a lost one.`,
    data,
  };
}

/**
 * `routeops keys [list]` and `/keys` in Slack and the shell: the list only. Keys are made where
 * they can be shown safely, the CLI's `keys create` and `keys rotate` (keys.ts).
 */
export const keysCommand = defineCommand<null>({
  name: 'keys',
  summary: 'The gateway keys: status, aliases, budgets and spend, rate limit, expiry (never the keys)',
  usage: (adapter) => `keys [list]${cliFlags(adapter)}`,
  adapters: EVERYWHERE,
  access: 'keys',
  parse: (input, adapter) => {
    const words = input.text.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0 || (words.length === 1 && /^list$/i.test(words[0]!))) return null;
    const word = words[0]!.toLowerCase();
    if (adapter !== 'cli' && ['create', 'rotate', 'revoke'].includes(word)) {
      throw new UsageError(`${commandPrefix(adapter)}keys only lists the keys; to ${word} one, run routeops keys ${word} NAME on the server (a key is shown only there)`);
    }
    const bad = /^list$/i.test(words[0]!) ? words[1]! : words[0]!;
    throw new UsageError(`unexpected "${truncateForMessage(bad)}"; ${commandPrefix(adapter)}keys takes only the word list${adapter === 'cli' ? ' (and --json); keys create, rotate and revoke are commands of their own' : ''}`);
  },
  run: async (_args, ctx) => listReply(ctx.services(), ctx.adapter),
});
