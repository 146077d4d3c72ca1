// The balance sources of the configured providers (config.balances, src/config/balances.ts),
// built once with their keys read from the environment, as the provider clients are
// (src/upstream/providers/client.ts). Each source is one GET (Alibaba: one signed GET) parsed by
// its kind's pure parser; the poll (src/features/balances/poll.ts) reads them concurrently.
import type { BalanceSetting, BalanceSourceConfig } from '../../config/balances.js';
import { readAlibabaBalance } from './alibaba-bss.js';
import { parseDeepseekBalance } from './deepseek.js';
import { balanceFetch, getJson, shownUrl } from './http.js';
import { parseJsonBalance } from './json.js';
import { parseMoonshotBalance } from './moonshot.js';
import { parseOpenrouterCredits, parseOpenrouterKey } from './openrouter.js';
import { scrub } from '../providers/errors.js';
import { BalanceError, type BalanceReading, type BalanceSource, type ReadBalanceOptions } from './types.js';

export { BalanceError, DEFAULT_BALANCE_TIMEOUT_MS, type BalanceErrorReason, type BalanceSource, type ReadBalanceOptions } from './types.js';
export { parseDeepseekBalance } from './deepseek.js';
export { parseMoonshotBalance } from './moonshot.js';
export { parseOpenrouterCredits, parseOpenrouterKey } from './openrouter.js';
export { parseAlibabaBalance } from './alibaba-bss.js';
export { parseJsonBalance } from './json.js';

export interface BalanceSourceOptions {
  /** The transport (default: the shared node:http fetch). */
  fetch?: typeof fetch;
}

/** The variable's value, trimmed; empty counts as unset (as for the provider keys). */
const valueOf = (env: NodeJS.ProcessEnv, name: string | null | undefined): string => (name ? (env[name]?.trim() ?? '') : '');

/** One source over its resolved config and the environment its keys are read from. */
export function createBalanceSource(cfg: BalanceSourceConfig, env: NodeJS.ProcessEnv, opts: BalanceSourceOptions = {}): BalanceSource {
  const doFetch = opts.fetch ?? balanceFetch();
  const { provider } = cfg;
  // The management key reads /credits in place of the key's /key (src/config/balances.ts picks the url).
  const bearerEnv = cfg.management_key_env ?? cfg.key_env;
  const bearer = valueOf(env, bearerEnv);
  const needed = [bearerEnv, cfg.access_key_id_env, cfg.access_key_secret_env].filter((n): n is string => typeof n === 'string');
  const missing = [...new Set(needed)].filter((n) => valueOf(env, n) === '');

  const get = (o: ReadBalanceOptions): Promise<unknown> =>
    getJson({
      provider,
      url: cfg.url,
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      secrets: bearer ? [bearer] : [],
      authHint: bearerEnv ? `check ${bearerEnv}` : 'the endpoint wants a key: set balance.key_env',
      fetch: doFetch,
    });

  const read = async (o: ReadBalanceOptions): Promise<BalanceReading> => {
    const at = o.now.toISOString();
    switch (cfg.kind) {
      case 'deepseek':
        return parseDeepseekBalance(await get(o), { provider, at, ...(cfg.currency ? { currency: cfg.currency } : {}) });
      case 'moonshot':
        return parseMoonshotBalance(await get(o), { provider, at, currency: cfg.currency ?? 'USD' });
      case 'openrouter':
        return cfg.management_key_env
          ? parseOpenrouterCredits(await get(o), { provider, at, keyEnv: cfg.management_key_env })
          : parseOpenrouterKey(await get(o), { provider, at, fix: `set providers.${provider}.balance.management_key_env (a management key reads /api/v1/credits), or balance: null` });
      case 'json':
        return parseJsonBalance(await get(o), { provider, at, field: cfg.field!, currency: cfg.currency! });
      case 'alibaba_bss':
        return readAlibabaBalance(
          {
            provider,
            url: cfg.url,
            idEnv: cfg.access_key_id_env!,
            secretEnv: cfg.access_key_secret_env!,
            id: valueOf(env, cfg.access_key_id_env),
            secret: valueOf(env, cfg.access_key_secret_env),
            fetch: doFetch,
          },
          o,
        );
    }
  };
  // Every key this source holds is scrubbed from whatever it throws: a parser may quote the
  // provider's own message, which may echo the key (an auth failure answered 200).
  const secrets = [bearer, valueOf(env, cfg.access_key_id_env), valueOf(env, cfg.access_key_secret_env)].filter((s) => s !== '');
  const scrubbed = async (o: ReadBalanceOptions): Promise<BalanceReading> => {
    try {
      return await read(o);
    } catch (err) {
      if (err instanceof BalanceError && secrets.some((k) => err.why.includes(k))) throw new BalanceError(err.provider, err.reason, scrub(err.why, secrets), err.status);
      throw err;
    }
  };
  return { provider, kind: cfg.kind, url: shownUrl(cfg.url), missing, read: scrubbed };
}

/** A source per provider that has one (providers whose balance is off are left out), in config order. */
export function createBalanceSources(settings: Record<string, BalanceSetting>, env: NodeJS.ProcessEnv, opts: BalanceSourceOptions = {}): Map<string, BalanceSource> {
  const out = new Map<string, BalanceSource>();
  for (const [name, setting] of Object.entries(settings)) if (setting.source) out.set(name, createBalanceSource(setting.source, env, opts));
  return out;
}
