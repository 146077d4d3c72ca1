// The prepaid accounts on demand for a simulator run by hand (`routeops sim`), in the style of
// /_sim/faults (control.ts). PROFILE is deepseek, kimi (or moonshot) or openrouter:
//   GET    /_sim/balance[/PROFILE]          the accounts in exact decimals
//   POST   /_sim/balance/PROFILE            {"topUp":"50.00"}, or amounts (balance-ops.ts BalanceSet)
//   POST   /_sim/balance/PROFILE/faults     {"unavailable":true} {"status":500} {"htmlBody":true}
//                                           {"missingField":true} {"hang":true} (+ "times")
//   DELETE /_sim/balance/PROFILE/faults     clears them
//   POST   /_sim/balance/PROFILE/outside    {"usd":"1.25"}: spend routeops never sees
//   POST   /_sim/balance/PROFILE/prices     {"model","input","cached_input","output"} per million tokens
//   DELETE /_sim/balance[/PROFILE]          fresh accounts, no faults, the shipped price list
import type { ServerResponse } from 'node:http';
import { BALANCE_FAULT_NAMES, billOutside, setBalance, setBalanceFaults, setPrice } from './balance-ops.js';
import { notAnObject } from './control.js';
import { sendJson } from './http-io.js';
import { BALANCE_PROFILES, isBalanceProfile, type BalanceProfile } from './prices.js';
import { PROVIDER_OF, resolveProfileName } from './profile.js';
import type { SimState } from './state.js';

/** The names the balance control takes, e.g. "deepseek, kimi or moonshot, openrouter". */
export const BALANCE_PROFILE_NAMES = BALANCE_PROFILES.map((p) => (PROVIDER_OF[p] === p ? p : `${p} or ${PROVIDER_OF[p]}`)).join(', ');

const USAGE =
  'GET or DELETE /_sim/balance[/PROFILE]; POST /_sim/balance/PROFILE {"topUp":"50.00"}; POST or DELETE /_sim/balance/PROFILE/faults; ' +
  `POST /_sim/balance/PROFILE/outside {"usd":"1.25"}; POST /_sim/balance/PROFILE/prices (PROFILE: ${BALANCE_PROFILE_NAMES})`;

/** Handles /_sim/balance…; `rest` is the path after `/_sim/balance`, `raw` the body as sent. */
export function balanceControl(state: SimState, res: ServerResponse, method: string, rest: string, raw: string): void {
  const book = state.balances;
  const [, name, what, ...extra] = rest.split('/');
  if (extra.length || (what !== undefined && what !== 'faults' && what !== 'outside' && what !== 'prices')) {
    return sendJson(res, 404, { error: `unknown control path; use ${USAGE}` });
  }
  const resolved = name ? resolveProfileName(name) : null;
  if (name && !resolved) return sendJson(res, 404, { error: `unknown simulator profile "${name.slice(0, 100)}"; balances are kept for ${BALANCE_PROFILE_NAMES}` });
  if (resolved && !isBalanceProfile(resolved)) {
    return sendJson(res, 404, { error: `simulator profile "${resolved}" keeps no balance (its provider has no balance API the simulator imitates); balances are kept for ${BALANCE_PROFILE_NAMES}` });
  }
  const profile = resolved as BalanceProfile | null;
  const profiles: BalanceProfile[] = profile ? [profile] : [...BALANCE_PROFILES];
  const view = (p: BalanceProfile) => ({ ok: true, profile: p, provider: PROVIDER_OF[p], balance: book.view(p) });

  if (what === undefined && method === 'GET') {
    return profile ? sendJson(res, 200, view(profile)) : sendJson(res, 200, { ok: true, balances: Object.fromEntries(profiles.map((p) => [p, book.view(p)])) });
  }
  if (what === undefined && method === 'DELETE') {
    for (const p of profiles) book.reset(p);
    return sendJson(res, 200, { ok: true, cleared: profiles });
  }
  if (what === 'faults' && method === 'DELETE' && profile) {
    book.setFaults(profile, null);
    return sendJson(res, 200, { ok: true, cleared: [profile] });
  }
  if (method !== 'POST' || !profile) return sendJson(res, 405, { error: USAGE });
  // Checked before the schema, as for /_sim/faults: zod would say "expected object, received string" of a body that is no JSON.
  const problem = notAnObject(raw);
  if (problem) return sendJson(res, 400, { error: `bad ${what ?? 'balance'}: expected a JSON object; ${problem}`, usage: USAGE });
  const body: unknown = JSON.parse(raw);

  if (what === 'faults') {
    const err = setBalanceFaults(book, profile, body);
    if (err) return sendJson(res, 400, { error: err, accepted: BALANCE_FAULT_NAMES });
    return sendJson(res, 200, { ok: true, profile, provider: PROVIDER_OF[profile], faults: book.faultsOf(profile) });
  }
  if (what === 'outside') {
    const out = billOutside(book, profile, body);
    if ('error' in out) return sendJson(res, 400, { error: out.error });
    return sendJson(res, 200, { ...view(profile), charged: out.charged });
  }
  const err = what === 'prices' ? setPrice(book, profile, body) : setBalance(book, profile, body);
  if (err) return sendJson(res, 400, { error: err });
  return sendJson(res, 200, view(profile));
}
