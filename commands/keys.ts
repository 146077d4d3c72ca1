// routeops keys create|list|revoke|rotate: the gateway's virtual keys (docs/ARCHITECTURE.md §3.1).
// A key is shown once, when made (create, rotate); the store keeps its hash. In Slack and the
// shell `/keys` only lists them (keys-list.ts, also `routeops keys [list]`), for access.keys: keys are
// never made or shown there.
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { decimalToNano, formatUsdExact } from '../src/domain/money/units.js';
import { isDayForm, isValidDay, parseIsoInstant } from '../src/domain/time/iso.js';
import { CONTROL_CHARS, truncateForMessage } from '../src/domain/text.js';
import type { Zone } from '../src/domain/time/zone.js';
import { keyNameProblem, shownPrefix } from '../src/features/gateway/key-text.js';
import { checkAliases, createKey, revokeKey, rotateKey, type KeySettings, type MadeKey } from '../src/features/gateway/manage.js';
import { CLI_ONLY, defineCommand, type CommandInput } from './types.js';

export { keysCommand } from './keys-list.js';

/** The one NAME a subcommand takes. */
function readName(input: CommandInput, usage: string): string {
  const [name, ...extra] = input.positionals;
  if (name === undefined) throw new UsageError(`give the key's name\nusage: routeops ${usage}`);
  if (extra.length) throw new UsageError(`unexpected "${truncateForMessage(extra[0]!)}" (a key name is one word)`);
  const problem = keyNameProblem(name);
  if (problem) throw new UsageError(`"${truncateForMessage(name)}": ${problem}`);
  return name;
}

const text = (options: CommandInput['options'], flag: string): string | undefined => {
  const v = options[flag];
  if (v === '') throw new UsageError(`--${flag} needs a value`);
  return typeof v === 'string' ? v.trim() : undefined;
};

/** USD above 0 with at most 9 decimals and below a million, exactly as nano-USD. */
function usd(options: CommandInput['options'], flag: string): bigint | null {
  const v = text(options, flag);
  if (v === undefined) return null;
  if (!/^\d{1,6}(\.\d{1,9})?$/.test(v) || decimalToNano(v) <= 0n) throw new UsageError(`--${flag}: expected USD above 0 and below 1,000,000, like 25 or 2.50 (got "${truncateForMessage(v)}")`);
  return decimalToNano(v);
}

function rpm(options: CommandInput['options']): number | null {
  const v = text(options, 'rpm');
  if (v === undefined) return null;
  if (!/^[1-9]\d{0,5}$/.test(v) || Number(v) > 100_000) throw new UsageError(`--rpm: expected a whole number of requests a minute from 1 to 100000 (got "${truncateForMessage(v)}")`);
  return Number(v);
}

function aliases(options: CommandInput['options']): string[] | null {
  const v = text(options, 'aliases');
  if (v === undefined) return null;
  const list = [...new Set(v.split(',').map((a) => a.trim()))];
  if (list.some((a) => a === '')) throw new UsageError(`--aliases: expected alias names separated by commas, like deepseek-flash,qwen-plus (got "${truncateForMessage(v)}")`);
  return list;
}

function owner(options: CommandInput['options']): string | null {
  const v = text(options, 'owner');
  if (v === undefined) return null;
  if (v.length > 80 || CONTROL_CHARS.test(v)) throw new UsageError('--owner: a name or team of at most 80 characters, without control characters');
  return v;
}

/** --expires: an ISO time with a zone, or a day (its start in config.timezone); after now. */
export function expiresAt(value: string | null, zone: Zone, nowMs: number): number | null {
  if (value === null) return null;
  let ms: number;
  if (isDayForm(value)) {
    if (!isValidDay(value)) throw new UsageError(`--expires: "${value}" is not a date`);
    ms = zone.startOfDay(value);
  } else {
    ms = parseIsoInstant(value);
    if (Number.isNaN(ms)) throw new UsageError(`--expires: expected an ISO-8601 time with a zone, like 2027-01-31T00:00:00Z, or a day like 2027-01-31 (got "${truncateForMessage(value)}")`);
  }
  if (ms <= nowMs) throw new UsageError(`--expires: ${new Date(ms).toISOString()} is not in the future (now ${new Date(nowMs).toISOString()})`);
  return ms;
}

/** The key made, as printed: the key this once, and the warning. */
function madeReply(made: MadeKey, verb: 'Created' | 'Rotated', replaced?: string): Reply {
  const r = made.record;
  const limits = [
    r.budgetDailyNano !== null ? `daily budget ${formatUsdExact(r.budgetDailyNano)}` : '',
    r.budgetMonthlyNano !== null ? `monthly budget ${formatUsdExact(r.budgetMonthlyNano)}` : '',
    r.rpm !== null ? `${r.rpm} requests a minute` : '',
    r.expiresMs !== null ? `expires ${new Date(r.expiresMs).toISOString()}` : '',
    r.providerModels ? 'provider/model ids allowed' : '',
  ].filter(Boolean);
  return {
    kind: 'result',
    title: '',
    body: [
      `${verb} key "${r.name}" (${shownPrefix(r.prefix)})${replaced ? `; the old key ${replaced} is revoked now` : ''}.`,
      `Aliases: ${r.aliases.join(', ') || 'every alias of the config'}${limits.length ? `; ${limits.join(', ')}` : ''}.`,
      '',
      made.key,
      '',
      'Copy the key now: it is not shown again (routeops keeps only its hash).',
    ].join('\n'),
    data: { name: r.name, key: made.key, aliases: r.aliases },
  };
}

const CREATE_USAGE =
  'keys create NAME [--aliases a,b] [--budget-daily USD] [--budget-monthly USD] [--rpm N] [--expires ISO] [--owner WHO] [--provider-models] [--json]\n' +
  '  NAME                 the service the key is for: letters, digits, ".", "_", "-"\n' +
  '  --aliases a,b        the aliases it may call (default: every alias in the config)\n' +
  '  --budget-daily USD   refused with 429 once its spend today reaches this (config timezone)\n' +
  '  --budget-monthly USD the same for the calendar month\n' +
  '  --rpm N              at most N requests in any 60 s\n' +
  '  --expires ISO        refused from then on (a time with a zone, or a day: its start)\n' +
  '  --owner WHO          who answers for it\n' +
  '  --provider-models    may also call provider/model ids';

interface CreateArgs {
  name: string;
  aliases: string[] | null;
  expires: string | null;
  settings: Omit<KeySettings, 'aliases' | 'expiresMs'>;
}

export const keysCreateCommand = defineCommand<CreateArgs>({
  name: 'keys create',
  summary: 'Make a gateway key (shown once)',
  usage: CREATE_USAGE,
  adapters: CLI_ONLY,
  access: 'keys',
  options: {
    aliases: { type: 'string' },
    'budget-daily': { type: 'string' },
    'budget-monthly': { type: 'string' },
    rpm: { type: 'string' },
    expires: { type: 'string' },
    owner: { type: 'string' },
    'provider-models': { type: 'boolean' },
  },
  parse: (input) => ({
    name: readName(input, CREATE_USAGE.split('\n')[0]!),
    aliases: aliases(input.options),
    expires: text(input.options, 'expires') ?? null,
    settings: {
      owner: owner(input.options),
      providerModels: input.options['provider-models'] === true,
      budgetDailyNano: usd(input.options, 'budget-daily'),
      budgetMonthlyNano: usd(input.options, 'budget-monthly'),
      rpm: rpm(input.options),
    },
  }),
  async run(args, ctx): Promise<Reply> {
    const services = ctx.services();
    const settings: KeySettings = {
      ...args.settings,
      aliases: checkAliases(args.aliases, Object.keys(services.config.models)),
      expiresMs: expiresAt(args.expires, services.zone, services.clock().getTime()),
    };
    const outcome = await createKey(services, args.name, settings);
    if (!outcome.ok) return { kind: 'result', title: '', body: `Not created: ${outcome.reason}.`, failed: true, data: { name: args.name, error: outcome.reason } };
    return madeReply(outcome.made, 'Created');
  },
});

export const keysRevokeCommand = defineCommand<string>({
  name: 'keys revoke',
  summary: 'Revoke a gateway key: the gateway refuses it within seconds',
  usage: 'keys revoke NAME [--json]',
  adapters: CLI_ONLY,
  access: 'keys',
  options: {},
  parse: (input) => readName(input, 'keys revoke NAME [--json]'),
  async run(name, ctx): Promise<Reply> {
    const r = await revokeKey(ctx.services(), name);
    return {
      kind: 'result',
      title: '',
      body: `Revoked key "${r.name}" (${shownPrefix(r.prefix)}) at ${r.revokedAt}: a running gateway refuses it within seconds.`,
      data: { name: r.name, prefix: r.prefix, revoked_at: r.revokedAt },
    };
  },
});

export const keysRotateCommand = defineCommand<string>({
  name: 'keys rotate',
  summary: 'Replace a gateway key with a new one (same settings); the old one is revoked at once',
  usage: 'keys rotate NAME [--json]',
  adapters: CLI_ONLY,
  access: 'keys',
  options: {},
  parse: (input) => readName(input, 'keys rotate NAME [--json]'),
  async run(name, ctx): Promise<Reply> {
    const services = ctx.services();
    const old = await services.store.gatewayKeys.live(name);
    const outcome = await rotateKey(services, name);
    if (!outcome.ok) return { kind: 'result', title: '', body: `Not rotated: ${outcome.reason}.`, failed: true, data: { name, error: outcome.reason } };
    return madeReply(outcome.made, 'Rotated', old ? shownPrefix(old.prefix) : undefined);
  },
});
