// The HTTP surface of docs/ARCHITECTURE.md §3.3: /healthz, the usage ingest endpoint (bodies
// parsed and written off the event loop, src/features/ledger/ingest.ts), and (in HTTP mode)
// Slack's events delegated to routeops' Slack receiver (src/adapters/slack/receiver.ts). One
// server on PORT in both modes. Nothing here waits for the database: an ack must never queue
// behind an ingest.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { UsageIngest } from '../../features/ledger/ingest.js';
import { declaresMoreThan, readBodyCapped, refuseTooLarge } from './body.js';
import { SLACK_BODY_MAX_BYTES } from '../slack/request-check.js';
import { gatewayCrashed, type GatewayHandler } from './gateway.js';

export interface HttpDeps {
  /** Where posted usage bodies are parsed and written. */
  ingest: UsageIngest;
  log: Logger;
  ingestToken?: string;
  /** Bolt's listener for /slack/events in HTTP mode. */
  slackListener?: http.RequestListener;
  /** False until migrations ran and the app started. */
  isReady: () => boolean;
  /** The OpenAI-compatible gateway (src/adapters/http/gateway.ts); absent: its paths answer 404. */
  gateway?: GatewayHandler;
  /** gateway.body_max_bytes: a larger declared body gets no `100 Continue`. */
  gatewayBodyMax?: number;
}

export const INGEST_MAX_BYTES = 20 * 1024 * 1024;
/** Ingest bodies read or being written at once; more are answered 503 (each holds up to INGEST_MAX_BYTES). */
export const INGEST_MAX_IN_FLIGHT = 4;
/** Seconds an ingest answered 503 is told to wait (Retry-After). */
export const INGEST_RETRY_AFTER_S = 5;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Constant-time comparison of bearer tokens (hashing first equalises lengths). */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 7235 §2.1). */
export function bearerToken(header: string | undefined): string | null {
  const match = /^bearer +(\S.*)$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

const tooLarge = { contentType: 'application/json; charset=utf-8', text: JSON.stringify({ ok: false, error: `body over ${INGEST_MAX_BYTES} bytes (20 MiB): split it into smaller batches` }) };
const retryLater = (error: string) => ({ ok: false, error: `${error}: nothing was written; retry after ${INGEST_RETRY_AFTER_S} s` });

async function handleIngest(req: IncomingMessage, res: ServerResponse, deps: HttpDeps, inFlight: { n: number }): Promise<void> {
  if (!deps.ingestToken) return sendJson(res, 404, { ok: false, error: 'ingest is off: set ROUTEOPS_INGEST_TOKEN to enable POST /v1/usage' });
  const token = bearerToken(req.headers.authorization);
  if (token === null || !tokenMatches(token, deps.ingestToken)) {
    res.setHeader('www-authenticate', 'Bearer');
    return sendJson(res, 401, { ok: false, error: 'missing or wrong bearer token' });
  }
  if (declaresMoreThan(req, INGEST_MAX_BYTES)) return refuseTooLarge(res, tooLarge);
  const retryAfter = { 'retry-after': String(INGEST_RETRY_AFTER_S) };
  if (inFlight.n >= INGEST_MAX_IN_FLIGHT) return sendJson(res, 503, retryLater(`${inFlight.n} ingests are under way`), retryAfter);
  inFlight.n++;
  try {
    const body = await readBodyCapped(req, INGEST_MAX_BYTES);
    if (body === null) return refuseTooLarge(res, tooLarge);
    const outcome = await deps.ingest.ingest(body);
    switch (outcome.kind) {
      case 'bad_rows':
        return sendJson(res, 400, { ok: false, error: 'bad rows: nothing was written', lines: outcome.errors });
      case 'busy':
        deps.log.warn('ingest refused: the database is locked by another writer');
        return sendJson(res, 503, retryLater('the database is busy (another writer holds it)'), retryAfter);
      case 'written':
        deps.log.info({ inserted: outcome.inserted, skipped: outcome.skipped }, 'usage ingested');
        return sendJson(res, 200, { ok: true, inserted: outcome.inserted, skipped: outcome.skipped });
    }
  } finally {
    inFlight.n--;
  }
}

/** The largest body each path reads: a larger declared one is refused before `100 Continue`. */
const bodyLimitOf = (path: string | undefined, gatewayMax: number): number =>
  path === '/v1/usage' ? INGEST_MAX_BYTES : path === '/slack/events' ? SLACK_BODY_MAX_BYTES : path === '/v1/chat/completions' ? gatewayMax : Infinity;

export function createHttpServer(deps: HttpDeps): http.Server {
  const inFlight = { n: 0 };
  const handle: http.RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      return deps.isReady() ? sendJson(res, 200, { ok: true }) : sendJson(res, 503, { ok: false, error: 'starting' });
    }
    if (path === '/v1/usage') {
      if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: 'use POST' });
      handleIngest(req, res, deps, inFlight).catch((err: unknown) => {
        deps.log.error({ err }, 'ingest failed');
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'ingest failed on our side; nothing was written' });
      });
      return;
    }
    if (deps.slackListener && path === '/slack/events') return deps.slackListener(req, res);
    if (path === '/v1/chat/completions' || path === '/v1/models') {
      const openAi = (status: number, message: string, code: string) => sendJson(res, status, { error: { message, type: 'invalid_request_error', param: null, code } });
      if (!deps.gateway) return openAi(404, 'the gateway is off: create a key with `routeops keys create NAME` (or set gateway.enabled)', 'gateway_off');
      const chat = path === '/v1/chat/completions';
      if (req.method !== (chat ? 'POST' : 'GET')) return openAi(405, `use ${chat ? 'POST' : 'GET'} on ${path}`, 'method_not_allowed');
      (chat ? deps.gateway.chat(req, res) : deps.gateway.models(req, res)).catch((err: unknown) => gatewayCrashed(res, deps.log, err));
      return;
    }
    sendJson(res, 404, { ok: false, error: 'not found' });
  };
  const server = http.createServer(handle);
  // `Expect: 100-continue` (curl sends it for bodies over 1 MB): a body over the path's cap is
  // refused before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!declaresMoreThan(req, bodyLimitOf((req.url ?? '/').split('?')[0], deps.gatewayBodyMax ?? Infinity))) res.writeContinue();
    handle(req, res);
  });
  return server;
}
