// The `balance:` key of a provider (docs/ARCHITECTURE.md §3.4): where its prepaid balance is
// read. Kept apart from schema.ts, which includes it in the provider schema.
import { z } from 'zod';

/** An environment variable name, as every *_env key takes. */
export const envName = (example: string) => z.string().regex(/^[A-Z_][A-Z0-9_]*$/, `expected an environment variable name like ${example}`);

/**
 * Where a provider's prepaid balance is read (docs/ARCHITECTURE.md §3.4 `balance`,
 * docs/PROVIDERS.md §6): one kind per provider API, and `json` for any endpoint with the amount
 * at a dot path. Which fields go with which kind is checked here; the URL a kind reads by default
 * is derived from the provider's base_url in src/config/balances.ts.
 */
export const BALANCE_KINDS = ['deepseek', 'moonshot', 'openrouter', 'alibaba_bss', 'json'] as const;
export type BalanceKind = (typeof BALANCE_KINDS)[number];

/** A dot path into a JSON reply: `data.balance`, `accounts.0.amount` (a number indexes an array). */
export const BALANCE_FIELD_PATTERN = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

export const balanceSchema = z
  .strictObject({
    kind: z.enum(BALANCE_KINDS),
    /** The endpoint read; default derived from base_url (required for json). */
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL like https://router.example/v1/balance' }).optional(),
    /** The bearer key; default the provider's api_key_env (json: none unless given). */
    key_env: envName('FLATKEY_API_KEY').optional(),
    field: z.string().regex(BALANCE_FIELD_PATTERN, 'expected a dot path like data.balance').optional(),
    currency: z.string().regex(/^[A-Z]{3}$/, 'expected a three-letter currency code like USD or CNY').optional(),
    access_key_id_env: envName('ALIBABA_CLOUD_ACCESS_KEY_ID').optional(),
    access_key_secret_env: envName('ALIBABA_CLOUD_ACCESS_KEY_SECRET').optional(),
    management_key_env: envName('OPENROUTER_MANAGEMENT_KEY').optional(),
  })
  .superRefine((b, ctx) => {
    const only = (key: keyof typeof b, kinds: readonly BalanceKind[], what: string) => {
      if (b[key] !== undefined && !kinds.includes(b.kind)) ctx.addIssue({ code: 'custom', path: [key], message: `only for kind ${kinds.join(' or ')} (${what}); kind ${b.kind} does not use it` });
    };
    only('field', ['json'], 'the dot path of the amount in the reply');
    only('access_key_id_env', ['alibaba_bss'], 'the AccessKey pair that signs QueryAccountBalance');
    only('access_key_secret_env', ['alibaba_bss'], 'the AccessKey pair that signs QueryAccountBalance');
    only('management_key_env', ['openrouter'], 'the key that may read /api/v1/credits');
    only('key_env', ['deepseek', 'moonshot', 'openrouter', 'json'], 'the bearer key');
    only('currency', ['deepseek', 'moonshot', 'json'], 'the currency of the amount; the other kinds say it themselves');
    if (b.kind === 'json') {
      if (b.url === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'kind json needs the url of the endpoint to read' });
      if (b.field === undefined) ctx.addIssue({ code: 'custom', path: ['field'], message: 'kind json needs the dot path of the amount, like data.balance' });
      if (b.currency === undefined) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'kind json needs the currency of the amount, like USD' });
    }
    if (b.kind === 'alibaba_bss') {
      if (b.access_key_id_env === undefined) ctx.addIssue({ code: 'custom', path: ['access_key_id_env'], message: 'kind alibaba_bss needs the variable holding the AccessKey id (a RAM user with AliyunBSSReadOnlyAccess)' });
      if (b.access_key_secret_env === undefined) ctx.addIssue({ code: 'custom', path: ['access_key_secret_env'], message: 'kind alibaba_bss needs the variable holding the AccessKey secret' });
    }
  });
export type BalanceConfig = z.infer<typeof balanceSchema>;
