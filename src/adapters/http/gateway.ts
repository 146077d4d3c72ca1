// The gateway's HTTP endpoints (docs/ARCHITECTURE.md §3.3 gateway): POST /v1/chat/completions
// and GET /v1/models on the server of PORT. Here: the key, the body (under a cap, JSON), the
// client going away (its upstream call is aborted); the rest is src/features/gateway. Errors are
// OpenAI-shaped; nothing secret (keys, upstream bodies) is echoed or logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { errorBody, gatewayError, type GatewayError } from '../../features/gateway/errors.js';
import type { GatewayKeyInfo, GatewayKeys } from '../../features/gateway/keys.js';
import { knownFields, parseChatBody } from '../../features/gateway/request.js';
import { aliasesOf, resolveRoutes } from '../../features/gateway/resolve.js';
import { serveChat, type GatewayDeps, type GatewaySink } from '../../features/gateway/serve.js';
import { readBodyCapped, refuseTooLarge } from './body.js';

export interface GatewayHttpDeps extends GatewayDeps {
  keys: GatewayKeys;
  log: Logger;
  /** A key exists or gateway.enabled: else the endpoints answer 404. */
  enabled(): Promise<boolean>;
}

export interface GatewayHandler {
  chat(req: IncomingMessage, res: ServerResponse): Promise<void>;
  models(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function sendError(res: ServerResponse, e: GatewayError): void {
  const text = errorBody(e);
  res.writeHead(e.status, { ...e.headers, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sinkOf(res: ServerResponse): GatewaySink {
  return {
    send(status, headers, text) {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { ...headers, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
    open(headers) {
      if (res.destroyed) return;
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      res.flushHeaders();
    },
    write(text) {
      if (!res.destroyed) res.write(text);
    },
    end() {
      if (!res.destroyed) res.end();
    },
  };
}

export function createGatewayHandler(deps: GatewayHttpDeps): GatewayHandler {
  const known = knownFields(Object.values(deps.config.gateway.extra_fields).flat());

  async function authenticated(req: IncomingMessage, res: ServerResponse): Promise<GatewayKeyInfo | null> {
    if (!(await deps.enabled())) {
      sendError(res, gatewayError(404, 'not_found_error', 'gateway_off', 'the gateway is off: create a key with `routeops keys create NAME` (or set gateway.enabled)'));
      return null;
    }
    const check = await deps.keys.authenticate(req.headers.authorization, deps.now());
    if (check.ok) return check.key;
    sendError(res, gatewayError(401, 'authentication_error', check.code, check.message, null, { 'www-authenticate': 'Bearer' }));
    return null;
  }

  return {
    async chat(req, res) {
      const key = await authenticated(req, res);
      if (!key) return;
      const max = deps.config.gateway.body_max_bytes;
      const pieces = await readBodyCapped(req, max);
      if (pieces === null) {
        const e = gatewayError(413, 'invalid_request_error', 'body_too_large', `the body is over ${max} bytes (gateway.body_max_bytes)`);
        return refuseTooLarge(res, { contentType: JSON_TYPE, text: errorBody(e) });
      }
      let raw: unknown;
      try {
        raw = JSON.parse(Buffer.concat(pieces).toString('utf8'));
      } catch {
        return sendError(res, gatewayError(400, 'invalid_request_error', 'invalid_json', 'the body is not JSON: send a chat-completions request as application/json'));
      }
      const parsed = parseChatBody(raw, known);
      if (!parsed.ok) return sendError(res, parsed.error);
      const call = parsed.call;
      const routes = resolveRoutes(deps.config, deps.catalog(), key, call, deps.now());
      if (!routes.ok) return sendError(res, routes.error);
      const admission = await deps.keys.admit(key, deps.now());
      if (!admission.ok) return sendError(res, gatewayError(429, admission.type === 'insufficient_quota' ? 'insufficient_quota' : 'rate_limit_error', admission.code, admission.message, null, { 'retry-after': String(admission.retryAfterS) }));
      // The client going away stops the upstream call (its row keeps the usage seen so far).
      const gone = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) gone.abort(new Error('the client closed the connection'));
      });
      const budgeted = key.budgetDailyNano !== null || key.budgetMonthlyNano !== null;
      const charge = budgeted ? (nano: bigint) => deps.keys.charge(key.name, nano, deps.now()) : undefined;
      const outcome = await serveChat(deps, call, routes.plan, { keyName: key.name, signal: gone.signal, ...(charge ? { charge } : {}) }, sinkOf(res));
      if (!outcome.ok) deps.log.warn({ key: key.name, alias: routes.plan.alias, attempts: outcome.attempts, aborted: gone.signal.aborted }, 'gateway request failed');
    },

    async models(req, res) {
      const key = await authenticated(req, res);
      if (!key) return;
      const ids = aliasesOf(deps.config, key);
      if (key.providerModels) {
        const pairs = new Set<string>();
        for (const alias of ids) for (const r of deps.config.models[alias]!.routes) pairs.add(`${r.provider}/${r.model}`);
        ids.push(...[...pairs].sort());
      }
      const text = JSON.stringify({ object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'routeops' })) });
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
  };
}

/** An unexpected failure inside the gateway: a short 500, the details in the log only. */
export function gatewayCrashed(res: ServerResponse, log: Logger, err: unknown): void {
  log.error({ err }, 'gateway request failed on our side');
  if (!res.headersSent) sendError(res, gatewayError(500, 'api_error', 'internal_error', 'the gateway failed on its side; the request may be retried'));
  else res.destroy();
}
