// Which balance source each provider has (docs/ARCHITECTURE.md §3.4 `balance`): the one written
// in the config, or one inferred from a known base URL (docs/PROVIDERS.md §6), with the URL it
// reads. A provider pointing anywhere else (the simulator, a proxy, a gateway) has none unless
// configured: its balance endpoint cannot be known from its URL.
import type { BalanceConfig, BalanceKind } from './balance-schema.js';

/** A provider's balance source, resolved: every URL and variable name it reads. */
export interface BalanceSourceConfig {
  provider: string;
  kind: BalanceKind;
  /** The endpoint read (openrouter: /key, or /credits with a management key; alibaba_bss: the BSS endpoint). */
  url: string;
  /** The variable holding the bearer key; null: none sent (json without key_env, alibaba_bss). */
  key_env: string | null;
  /** json: the dot path of the amount. */
  field?: string;
  /** The currency when the reply does not say it (deepseek: which of its balance_infos to take). */
  currency?: string;
  access_key_id_env?: string;
  access_key_secret_env?: string;
  management_key_env?: string;
  /** True when nothing was written: the kind came from the base URL's host. */
  inferred: boolean;
}

/** Per provider: its source (null = none) and, in words, where it came from or why there is none. */
export interface BalanceSetting {
  source: BalanceSourceConfig | null;
  reason: string;
}

/** QueryAccountBalance's international endpoint (docs/PROVIDERS.md §6); China's is https://business.aliyuncs.com. */
export const ALIBABA_BSS_INTL = 'https://business.ap-southeast-1.aliyuncs.com/';

/** The kind a known provider host has; undefined for every other host. */
function kindOfHost(host: string): BalanceKind | undefined {
  if (host === 'api.deepseek.com') return 'deepseek';
  if (host === 'api.moonshot.ai' || host === 'api.moonshot.cn') return 'moonshot';
  if (host === 'openrouter.ai') return 'openrouter';
  return undefined;
}

/** Why a host has no inferred source: what to write instead. */
function offReason(provider: string, host: string): string {
  if (/(^|\.)dashscope(-[a-z]+)?\.aliyuncs\.com$|\.maas\.aliyuncs\.com$/.test(host)) {
    return `no balance source: a DashScope key cannot read the balance; set providers.${provider}.balance to { kind: alibaba_bss, access_key_id_env, access_key_secret_env } (an AccessKey pair with AliyunBSSReadOnlyAccess)`;
  }
  if (host === 'api.z.ai' || host === 'open.bigmodel.cn') return 'no balance source: Z.ai documents no balance API';
  return `no balance source: none is known for ${host}; set providers.${provider}.balance (kind deepseek, moonshot, openrouter, alibaba_bss or json) to read one`;
}

/** `base` without a trailing slash, and without a last `/v1` when `dropV1`. */
function trimBase(base: string, dropV1: boolean): string {
  let b = base.replace(/\/+$/, '');
  if (dropV1) b = b.replace(/\/v1$/, '');
  return b;
}

/** The endpoint a kind reads under a provider's base URL (docs/PROVIDERS.md §6). */
export function defaultBalanceUrl(kind: BalanceKind, baseUrl: string, managementKey: boolean): string | null {
  switch (kind) {
    case 'deepseek':
      // https://api.deepseek.com (or …/v1) -> https://api.deepseek.com/user/balance
      return `${trimBase(baseUrl, true)}/user/balance`;
    case 'moonshot':
      // https://api.moonshot.ai/v1 -> https://api.moonshot.ai/v1/users/me/balance
      return `${trimBase(baseUrl, true)}/v1/users/me/balance`;
    case 'openrouter':
      // https://openrouter.ai/api/v1 -> …/api/v1/key (any key) or …/api/v1/credits (a management key)
      return `${trimBase(baseUrl, false)}/${managementKey ? 'credits' : 'key'}`;
    case 'alibaba_bss':
      return ALIBABA_BSS_INTL;
    case 'json':
      return null;
  }
}

/** The setting of one provider from its `balance` key (absent: inferred) and its base URL and key variable. */
export function resolveBalance(provider: string, cfg: { base_url: string; api_key_env: string; balance?: BalanceConfig | null | undefined }): BalanceSetting {
  if (cfg.balance === null) return { source: null, reason: `off: providers.${provider}.balance is null` };
  const host = new URL(cfg.base_url).hostname.toLowerCase();
  const written = cfg.balance;
  const kind = written?.kind ?? kindOfHost(host);
  if (kind === undefined) return { source: null, reason: offReason(provider, host) };
  const managementKey = written?.management_key_env !== undefined;
  const url = written?.url ?? defaultBalanceUrl(kind, cfg.base_url, managementKey);
  // The schema requires url for json, so a json source always has one here.
  if (url === null) return { source: null, reason: `off: providers.${provider}.balance has no url` };
  const keyEnv = kind === 'alibaba_bss' ? null : (written?.key_env ?? (kind === 'json' ? null : cfg.api_key_env));
  // Kimi's .cn service bills in CNY, .ai in USD (docs/PROVIDERS.md §6).
  const currency = written?.currency ?? (kind === 'moonshot' ? (new URL(url).hostname.endsWith('.cn') ? 'CNY' : 'USD') : undefined);
  const source: BalanceSourceConfig = {
    provider,
    kind,
    url,
    key_env: keyEnv,
    ...(written?.field !== undefined ? { field: written.field } : {}),
    ...(currency !== undefined ? { currency } : {}),
    ...(written?.access_key_id_env !== undefined ? { access_key_id_env: written.access_key_id_env } : {}),
    ...(written?.access_key_secret_env !== undefined ? { access_key_secret_env: written.access_key_secret_env } : {}),
    ...(written?.management_key_env !== undefined ? { management_key_env: written.management_key_env } : {}),
    inferred: written === undefined,
  };
  return { source, reason: written === undefined ? `${kind}, inferred from ${host}` : `${kind}, configured` };
}

/** Every provider's balance setting, by provider name. */
export function resolveBalances(providers: Record<string, { base_url: string; api_key_env: string; balance?: BalanceConfig | null | undefined }>): Record<string, BalanceSetting> {
  return Object.fromEntries(Object.entries(providers).map(([name, cfg]) => [name, resolveBalance(name, cfg)]));
}
