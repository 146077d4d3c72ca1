// The HTTP surface of docs/ARCHITECTURE.md §3.3: /healthz, the usage ingest endpoint (rows parsed
// and recorded by src/features/ledger/import-usage.ts), and (in HTTP mode) Slack's events
// delegated to routeops' Slack receiver (src/adapters/slack/receiver.ts). One server on PORT in
// both modes.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { LedgerStore } from '../../store/ledger.js';
import { importUsageText } from '../../features/ledger/import-usage.js';

export interface HttpDeps {
  ledger: LedgerStore;
  log: Logger;
  ingestToken?: string;
  /** Bolt's listener for /slack/events in HTTP mode. */
  slackListener?: http.RequestListener;
  /** False until migrations ran and the app started. */
  isReady: () => boolean;
}

const INGEST_MAX_BYTES = 20 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Constant-time comparison of bearer tokens (hashing first equalises lengths). */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handleIngest(req: IncomingMessage, res: ServerResponse, deps: HttpDeps): Promise<void> {
  if (!deps.ingestToken) return sendJson(res, 404, { ok: false, error: 'ingest is off: set ROUTEOPS_INGEST_TOKEN to enable POST /v1/usage' });
  const auth = req.headers.authorization ?? '';
  const match = /^Bearer (.+)$/.exec(auth);
  if (!match || !tokenMatches(match[1]!, deps.ingestToken)) {
    res.setHeader('www-authenticate', 'Bearer');
    return sendJson(res, 401, { ok: false, error: 'missing or wrong bearer token' });
  }
  const body = await readBody(req, INGEST_MAX_BYTES);
  if (body === null) return sendJson(res, 413, { ok: false, error: `body over ${INGEST_MAX_BYTES} bytes: split it into smaller batches` });
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  // A JSON array or JSONL; the content type decides, else the first character does.
  const filename = type === 'application/json' || body.trimStart().startsWith('[') ? 'body.json' : 'body.jsonl';
  const result = await importUsageText(deps.ledger, filename, body, 'ingest');
  if (!result.ok) return sendJson(res, 400, { ok: false, error: 'bad rows: nothing was written', lines: result.errors });
  deps.log.info({ inserted: result.inserted, skipped: result.skipped }, 'usage ingested');
  return sendJson(res, 200, { ok: true, inserted: result.inserted, skipped: result.skipped });
}

export function createHttpServer(deps: HttpDeps): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      return deps.isReady() ? sendJson(res, 200, { ok: true }) : sendJson(res, 503, { ok: false, error: 'starting' });
    }
    if (path === '/v1/usage') {
      if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: 'use POST' });
      handleIngest(req, res, deps).catch((err: unknown) => {
        deps.log.error({ err }, 'ingest failed');
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'ingest failed on our side; nothing was written' });
      });
      return;
    }
    if (deps.slackListener && path === '/slack/events') return deps.slackListener(req, res);
    sendJson(res, 404, { ok: false, error: 'not found' });
  });
}
