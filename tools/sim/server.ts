// A local OpenAI-compatible provider simulator (node:http). It imitates the five providers' wire
// formats from docs/PROVIDERS.md §1 so the provider client can be tested with the real openai
// SDK, and so a user can point routeops at it (`routeops sim`). Deterministic: answers, token
// counts and cache hits are derived from the request text. When /ask offers its ops tools, a
// question that asks for our data ("what did we spend on qwen yesterday?", "which routes serve
// kimi?", "what retires this month?") gets a call of the tool it names, by a fixed word rule
// (tool-rule.ts, no model), and the answer reads the tool's result back (tool-summary.ts).
// Profiles are named deepseek, qwen, kimi, glm and openrouter; the routeops provider names they
// stand for (qwen-intl, moonshot, zai) are accepted wherever a profile name is taken.
//
// DeepSeek, Kimi and OpenRouter also keep a prepaid balance that every answered call is charged
// to, served at their documented balance endpoints (docs/PROVIDERS.md §6).
//
// This file serves and routes requests; the rest: chat.ts (a chat request checked and answered),
// plan.ts (the answer; tool-rule.ts and tool-summary.ts for tools), respond.ts and chunks.ts
// (sending it), faults.ts and control.ts (faults on demand), state.ts (what is kept between
// requests), profiles.ts (each provider's shapes); balances.ts, prices.ts and amounts.ts (the
// accounts and what calls cost), balance-http.ts (the balance endpoints), balance-ops.ts and
// balance-control.ts (changing the accounts).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { balanceControl } from './balance-control.js';
import { balanceEndpointOf, serveBalance } from './balance-http.js';
import { billOutside, setBalance, setBalanceFaults, setPrice, type BalanceSet, type OutsideCharge, type PriceSet } from './balance-ops.js';
import type { BalanceFaults } from './balances.js';
import { handleChat } from './chat.js';
import { CONTROL_PREFIX, control } from './control.js';
import { statusCategory } from './faults.js';
import { readBody, sendError, sendJson } from './http-io.js';
import { isBalanceProfile, type BalanceProfile } from './prices.js';
import { isProfileName, type ErrorCategory, type ProfileName } from './profile.js';
import { PROFILES } from './profiles.js';
import { SimState, profileOf, type ProfileArg, type Script } from './state.js';
import { SimTimers } from './timers.js';
import type { Faults } from './faults.js';

export { PROFILE_NAMES, type ProfileName } from './profile.js';
export { CONTROL_PREFIX } from './control.js';
export { FAULT_NAMES, type Faults } from './faults.js';
export type { ProfileArg, Script } from './state.js';
export { SIM_MANAGEMENT_KEY, type BalanceFaults } from './balances.js';
export { BALANCE_FAULT_NAMES, type BalanceSet, type OutsideCharge, type PriceSet } from './balance-ops.js';
export { BALANCE_PROFILES, type BalanceProfile } from './prices.js';

export interface RecordedRequest {
  method: string;
  path: string;
  profile: ProfileName | null;
  body: unknown;
  /** Request headers without `authorization`. */
  headers: Record<string, string>;
  /** Whether an `Authorization: Bearer …` header was present (its value is not kept). */
  hasBearer: boolean;
}

export interface Simulator {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The base URL to give the openai SDK for a profile, e.g. http://127.0.0.1:PORT/kimi/v1 */
  baseUrl(profile: ProfileArg): string;
  setFaults(profile: ProfileArg, faults: Faults | null): void;
  setScript(profile: ProfileArg, script: Script | null): void;
  /** The models a profile serves from now on (its GET /models listing; chat takes only these); null = its own. */
  setModels(profile: ProfileArg, models: readonly string[] | null): void;
  /** A prepaid account in exact decimals (what GET /_sim/balance/PROFILE answers under `balance`). */
  balance(profile: ProfileArg): Record<string, unknown>;
  /** Sets amounts or tops up, e.g. `{ topUp: '50.00' }`, `{ voucher: '0', cash: '-1.5', currency: 'CNY' }`; throws on bad input. */
  setBalance(profile: ProfileArg, set: BalanceSet): void;
  /** Faults of the profile's balance endpoint (null clears them); throws on bad input. */
  balanceFault(profile: ProfileArg, faults: BalanceFaults | null): void;
  /** Bills spend routeops never sees: an amount in the account's currency ("1.25") or tokens of a model; returns the amount charged. */
  billOutside(profile: ProfileArg, charge: string | OutsideCharge): string;
  /** Charges a model at this price per million tokens from now on; throws on bad input. */
  setPrice(profile: ProfileArg, price: PriceSet): void;
  /** Clears every profile's faults, script and model listing, and gives back fresh accounts and prices (between tests). */
  reset(): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** The key the simulator rejects (any other non-empty bearer is accepted). */
export const SIM_BAD_KEY = 'bad-key';

interface Sim {
  state: SimState;
  timers: SimTimers;
  requests: RecordedRequest[];
}

/** The profile as one that keeps a balance; throws naming those that do. */
function balanceProfileOf(p: string): BalanceProfile {
  const name = profileOf(p);
  if (!isBalanceProfile(name)) throw new Error(`simulator profile "${name}" keeps no balance (only deepseek, kimi and openrouter do)`);
  return name;
}

function orThrow(err: string | null): void {
  if (err) throw new Error(err);
}

/** `now`: the clock for OpenRouter's usage_daily/weekly/monthly (default: the system's). */
export async function startSimulator(opts: { port?: number; host?: string; now?: () => number } = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  const sim: Sim = { state: new SimState(opts.now), timers: new SimTimers(), requests: [] };
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    handle(sim, req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('simulator error');
      } else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;

  return {
    url,
    baseUrl: (p) => `${url}${PROFILES[profileOf(p)].bases[0]}`,
    setFaults: (p, faults) => sim.state.setFaults(profileOf(p), faults ? { ...faults } : null),
    setScript(p, script) {
      sim.state.of(profileOf(p)).script = script ? { ...script } : null;
    },
    setModels(p, models) {
      sim.state.of(profileOf(p)).models = models ? [...models] : null;
    },
    balance: (p) => sim.state.balances.view(balanceProfileOf(p)),
    setBalance: (p, set) => orThrow(setBalance(sim.state.balances, balanceProfileOf(p), set)),
    balanceFault(p, faults) {
      if (faults) orThrow(setBalanceFaults(sim.state.balances, balanceProfileOf(p), faults));
      else sim.state.balances.setFaults(balanceProfileOf(p), null);
    },
    billOutside(p, charge) {
      const out = billOutside(sim.state.balances, balanceProfileOf(p), typeof charge === 'string' ? { amount: charge } : charge);
      if ('error' in out) throw new Error(out.error);
      return out.charged;
    },
    setPrice: (p, price) => orThrow(setPrice(sim.state.balances, balanceProfileOf(p), price)),
    reset: () => sim.state.reset(),
    requests: sim.requests,
    close: () =>
      new Promise<void>((resolve) => {
        sim.timers.close();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Parses and records a request, then routes it: control, models, chat, or 404. */
async function handle(sim: Sim, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim.local');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const firstSeg = path.split('/')[1] ?? '';
  const profileName = isProfileName(firstSeg) ? firstSeg : null;
  const rawBody = method === 'POST' ? await readBody(req) : '';
  let body: unknown = rawBody;
  try {
    if (rawBody) body = JSON.parse(rawBody);
  } catch {
    /* kept as text */
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k === 'authorization' || v === undefined) continue;
    headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  const auth = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(.*)$/i.exec(auth)?.[1]?.trim() ?? '';
  sim.requests.push({ method, path, profile: profileName, body: rawBody ? body : null, headers, hasBearer: bearer !== '' });
  if (path === `${CONTROL_PREFIX}/balance` || path.startsWith(`${CONTROL_PREFIX}/balance/`)) {
    return balanceControl(sim.state, res, method, path.slice(CONTROL_PREFIX.length + '/balance'.length), rawBody);
  }
  if (path.startsWith(`${CONTROL_PREFIX}/`)) return control(sim.state, res, method, path.slice(CONTROL_PREFIX.length + 1), rawBody);
  const balance = balanceEndpointOf(method, path);
  if (balance) {
    return serveBalance(sim.state.balances, res, balance, bearer, bearer !== '' && bearer !== SIM_BAD_KEY, `sim-${balance.profile}-${sim.state.nextSeq()}`);
  }

  // Route: {base}/chat/completions and {base}/models; anything else (e.g. GLM's "a `/v1` base
  // gives 404", docs/PROVIDERS.md §1) is a 404.
  const profile = profileName ? PROFILES[profileName] : null;
  const base = profile?.bases.filter((b) => path.startsWith(`${b}/`)).sort((a, b) => b.length - a.length)[0];
  const endpoint = base ? path.slice(base.length) : null;
  const known = (endpoint === '/chat/completions' && method === 'POST') || (endpoint === '/models' && method === 'GET');
  if (!profile || !known) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found');
    return;
  }
  const reqId = `sim-${profile.name}-${sim.state.nextSeq()}`;

  // Auth: no bearer or the bad key -> 401 in the provider's error body shape.
  if (!bearer || bearer === SIM_BAD_KEY) return sendError(res, profile, 'auth', {}, reqId);

  const faults = sim.state.takeFaults(profile.name);
  // A gateway that reuses request ids (fixedRequestId) sends the same one on every reply.
  const replyId = faults?.fixedRequestId ?? reqId;
  if (faults?.status !== undefined || faults?.balanceExhausted) {
    const extra: Record<string, string> = {};
    // docs/PROVIDERS.md §1: "some send `Retry-After` (OpenRouter on 429/503)": OpenRouter always
    // (1 s unless the fault names a wait; the value is ours), any profile on demand.
    const retryAfter = faults.retryAfterSeconds ?? (profile.name === 'openrouter' && (faults.status === 429 || faults.status === 503) ? 1 : undefined);
    if (retryAfter !== undefined) extra['retry-after'] = String(retryAfter);
    const cat: ErrorCategory = faults.balanceExhausted ? 'balance' : statusCategory(faults.status!);
    return sendError(res, profile, cat, faults.balanceExhausted ? {} : { status: faults.status! }, replyId, extra);
  }

  // An account that cannot pay gets the provider's out-of-balance refusal (DeepSeek 402, Kimi 403,
  // OpenRouter 402: docs/PROVIDERS.md §1 and §6), as the balanceExhausted fault does.
  if (endpoint === '/chat/completions' && sim.state.balances.refuses(profile.name)) return sendError(res, profile, 'balance', {}, replyId);

  if (endpoint === '/models') {
    const data = sim.state.modelsOf(profile.name).map((id) => ({ id, object: 'model', created: 1767225600, owned_by: profile.name }));
    return sendJson(res, 200, { object: 'list', data }, profile.requestIdHeader ? { 'x-request-id': replyId } : {});
  }
  return handleChat(sim.state, sim.timers, res, profile, body, replyId, faults);
}
