// What a simulated provider is (the Profile each of profiles.ts fills in) and the helpers the
// profiles share: ids, the thinking switch. Facts come from docs/PROVIDERS.md §1; where those are
// silent and a choice had to be made, the comment says "(assumed)".

export const PROFILE_NAMES = ['deepseek', 'qwen', 'kimi', 'glm', 'openrouter'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export function isProfileName(s: string): s is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(s);
}

/** The routeops provider (src/config/defaults.ts) each profile stands for. */
export const PROVIDER_OF: Record<ProfileName, string> = {
  deepseek: 'deepseek',
  qwen: 'qwen-intl',
  kimi: 'moonshot',
  glm: 'zai',
  openrouter: 'openrouter',
};

/** Every name a profile is taken by, e.g. "deepseek, qwen or qwen-intl, kimi or moonshot, …". */
export const ACCEPTED_PROFILE_NAMES = PROFILE_NAMES.map((p) => (PROVIDER_OF[p] === p ? p : `${p} or ${PROVIDER_OF[p]}`)).join(', ');

/**
 * The profile a name stands for: a profile name (`qwen`) or the routeops provider name it
 * stands for (`qwen-intl`), so the names `routeops sim` prints in its providers block work too.
 */
export function resolveProfileName(name: string): ProfileName | null {
  if (isProfileName(name)) return name;
  return PROFILE_NAMES.find((p) => PROVIDER_OF[p] === name) ?? null;
}

/** What a request's usage looked like, before it is dressed in a profile's shape. */
export interface SimUsage {
  prompt: number;
  cached: number;
  completion: number;
  reasoning: number;
}

export type ErrorCategory = 'auth' | 'forbidden' | 'balance' | 'model_not_found' | 'rate_limited' | 'server' | 'bad_gateway' | 'overloaded' | 'bad_request' | 'payment';

export interface Profile {
  name: ProfileName;
  /** Path prefixes served, longest first. The first is the one baseUrl() returns. */
  bases: string[];
  models: string[];
  /** Thinking on for this request? (docs/PROVIDERS.md §1 "Thinking on by default for …") */
  thinks(model: string, body: Record<string, unknown>): boolean;
  /** Sends an x-request-id header (assumed per profile; docs/PROVIDERS.md only says the SDK reads it). */
  requestIdHeader: boolean;
  newId(): string;
  /** Dresses a usage in this provider's fields. */
  usage(u: SimUsage, cost: number): Record<string, unknown>;
  /** HTTP status and JSON body of an error. */
  error(cat: ErrorCategory, ctx: { model?: string; message?: string; requestId: string; status?: number }): { status: number; body: unknown };
}

// Ids differ between runs (a random start), as real ones do: a ledger kept across simulator
// restarts must not take new calls for ones it already holds.
let counter = Math.floor(Math.random() * 2 ** 32);
/** n hex digits that change with the id sequence. */
export const hex = (n: number) => Array.from({ length: n }, (_, i) => ((counter * 7 + i * 13) % 16).toString(16)).join('');
/** The next number of the id sequence. */
export const nextSeq = () => ++counter;
/** A UUID-shaped id. */
export const uuidish = () => {
  const s = nextSeq().toString(16).padStart(12, '0');
  return `5e1a0000-0000-4000-8000-${s}`;
};

/** The `thinking:{type:"enabled"|"disabled"}` switch of a request, if set. */
export function thinkingSwitch(body: Record<string, unknown>): boolean | undefined {
  const t = body['thinking'];
  if (t && typeof t === 'object' && 'type' in t) {
    const type = (t as { type: unknown }).type;
    if (type === 'disabled') return false;
    if (type === 'enabled') return true;
  }
  return undefined;
}

export function isKimiThinkingModel(model: string): boolean {
  // docs/PROVIDERS.md §1: "Kimi k2.5+"
  const m = /^kimi-k(\d+)\.(\d+)/.exec(model);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 2 || (major === 2 && minor >= 5);
}
