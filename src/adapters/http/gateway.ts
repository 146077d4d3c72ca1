// The gateway's HTTP endpoints (docs/ARCHITECTURE.md §3.3 gateway): POST /v1/chat/completions
// and GET /v1/models on the server of PORT. Here: the key, the body (under a cap, JSON), the
// client going away (its upstream call is aborted); the rest is src/features/gateway. Errors are
// OpenAI-shaped; nothing secret (keys, upstream bodies) is echoed or logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { isStoreUnavailable } from '../../store/unavailable.js';
import { errorBody, gatewayError, type GatewayError } from '../../features/gateway/errors.js';
import type { GatewayKeyInfo, GatewayKeys } from '../../features/gateway/keys.js';
import { knownFields, parseChatBody } from '../../features/gateway/request.js';
import { aliasesOf, resolveRoutes } from '../../features/gateway/resolve.js';
import { serveChat, type GatewayDeps, type GatewaySink } from '../../features/gateway/serve.js';
import { drainBody, readBodyCapped, refuseTooLarge } from './body.js';

/** A refused body up to this size is read to its end and dropped, so the client reads the 413 (larger: the connection is closed). */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024;

export interface GatewayHttpDeps extends GatewayDeps {
  keys: GatewayKeys;
  log: Logger;
  /** A key exists or gateway.enabled: else the endpoints answer 404. */
  enabled(): Promise<boolean>;
}

export interface GatewayHandler {
  chat(req: IncomingMessage, res: ServerResponse): Promise<void>;
  models(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Requests under way (their upstream calls too) are stopped: a stream ends with an error event, each row says aborted. */
  abortAll(reason: string): void;
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
  const underWay = new Set<AbortController>();

  async function authenticated(req: IncomingMessage, res: ServerResponse): Promise<GatewayKeyInfo | null> {
    const check = await deps.keys.authenticate(req.headers.authorization, deps.now());
    if (check.ok) return check.key;
    // A key that was revoked or expired is told so (401), even when it was the last one.
    if ((check.code === 'missing_api_key' || check.code === 'invalid_api_key') && !(await deps.enabled())) {
      sendError(res, gatewayError(404, 'not_found_error', 'gateway_off', 'the gateway is off: create a key with `routeops keys create NAME` (or set gateway.enabled)'));
      return null;
    }
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
        if (await drainBody(req, DRAIN_MAX_BYTES)) return sendError(res, e);
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
      underWay.add(gone);
      res.on('close', () => {
        underWay.delete(gone);
        if (!res.writableFinished) gone.abort(new Error('the client closed the connection'));
      });
      let cost: bigint | null = null;
      const charge = (nano: bigint | null) => {
        if (nano !== null) cost = (cost ?? 0n) + nano;
      };
      try {
        const outcome = await serveChat(deps, call, routes.plan, { keyName: key.name, signal: gone.signal, charge }, sinkOf(res));
        if (!outcome.ok) deps.log.warn({ key: key.name, alias: routes.plan.alias, attempts: outcome.attempts, aborted: gone.signal.aborted }, 'gateway request failed');
      } finally {
        void admission.settle(cost);
      }
    },

    abortAll(reason) {
      for (const c of underWay) c.abort(new Error(reason));
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

/**
 * An unexpected failure inside the gateway: a short 500, the details in the log only; the store
 * out of reach (the key cannot be checked) is a 503 with Retry-After, which clients retry.
 */
export function gatewayCrashed(res: ServerResponse, log: Logger, err: unknown): void {
  if (isStoreUnavailable(err)) {
    log.warn({ err: (err as Error).message }, 'gateway request refused: the database cannot be reached');
    if (!res.headersSent) return sendError(res, gatewayError(503, 'api_error', 'database_unavailable', "the gateway's database cannot be reached right now; retry in a few seconds", null, { 'retry-after': '5' }));
    res.destroy();
    return;
  }
  log.error({ err }, 'gateway request failed on our side');
  if (!res.headersSent) sendError(res, gatewayError(500, 'api_error', 'internal_error', 'the gateway failed on its side; the request may be retried'));
  else res.destroy();
}
