// One GET of a balance endpoint over the node:http transport the provider clients use
// (src/upstream/http/node-fetch.ts), bounded by a timeout and the caller's signal. Every failure
// becomes a BalanceError naming what happened (timeout, connection, HTTP status, HTML or other
// non-JSON body) with the URL shown without its query, and with the keys scrubbed out.
import { createNodeFetch } from '../http/node-fetch.js';
import { scrub } from '../providers/errors.js';
import { BalanceError, DEFAULT_BALANCE_TIMEOUT_MS } from './types.js';

/** Larger replies are refused: a balance is a few hundred bytes. */
export const MAX_BALANCE_BYTES = 1024 * 1024;

export interface GetJsonRequest {
  provider: string;
  url: string;
  headers: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Values that must never appear in a message (the keys sent). */
  secrets: string[];
  /** What to check when the endpoint refuses the credentials (401/403): "check DEEPSEEK_API_KEY". */
  authHint: string;
  fetch: typeof fetch;
  /** A kind's own reading of an error reply (Alibaba's codes); undefined: the generic wording. */
  describeError?: (status: number, body: unknown) => BalanceError | undefined;
}

let shared: typeof fetch | undefined;
/** The transport every balance source shares (keep-alive agents, idle sockets unref'd). */
export function balanceFetch(): typeof fetch {
  return (shared ??= createNodeFetch());
}

/** The URL as messages show it: origin and path, never the query (it may carry a key). */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'the configured url';
  }
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

function errCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  const code = e?.cause?.code ?? e?.code;
  if (typeof code === 'string') return code;
  const message = e?.cause?.message ?? (err instanceof Error ? err.message : undefined);
  return typeof message === 'string' ? message.split('\n')[0]!.slice(0, 80) : 'error';
}

/** The provider's own words from an error body, short: `error.message`, `message`, `Message`, `Code`. */
function errorDetail(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const inner = typeof b.error === 'object' && b.error !== null ? (b.error as Record<string, unknown>).message : b.error;
  const text = [inner, b.message, b.Message, b.Code].find((v) => typeof v === 'string' && v.trim() !== '');
  return typeof text === 'string' ? text.slice(0, 120) : undefined;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** GETs `url` and returns its JSON body; throws BalanceError for anything else. */
export async function getJson(req: GetJsonRequest): Promise<unknown> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_BALANCE_TIMEOUT_MS;
  const shown = shownUrl(req.url);
  const fail = (reason: ConstructorParameters<typeof BalanceError>[1], why: string, status: number | null = null) =>
    new BalanceError(req.provider, reason, scrub(why, req.secrets), status);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  let status: number;
  let text: string;
  try {
    const res = await req.fetch(req.url, { method: 'GET', headers: { accept: 'application/json', ...req.headers }, signal });
    status = res.status;
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_BALANCE_BYTES) {
      await res.body?.cancel().catch(() => undefined);
      throw fail('http', `${shown} sent ${declared} bytes, more than a balance reply (limit ${MAX_BALANCE_BYTES})`, status);
    }
    text = await res.text();
  } catch (err) {
    if (err instanceof BalanceError) throw err;
    if (timeout.aborted) throw fail('timeout', `timed out after ${seconds(timeoutMs)} (GET ${shown})`);
    if (req.signal?.aborted) throw fail('aborted', `stopped before ${shown} answered`);
    throw fail('connection', `cannot reach ${shown} (${errCode(err)})`);
  }
  if (text.length > MAX_BALANCE_BYTES) throw fail('http', `${shown} sent more than a balance reply (limit ${MAX_BALANCE_BYTES} bytes)`, status);
  const body = parseBody(text);
  if (status < 200 || status > 299) {
    const own = req.describeError?.(status, body);
    if (own) throw own;
    const detail = errorDetail(body);
    const said = detail ? `: ${detail}` : '';
    if (status === 401 || status === 403) throw fail('auth', `HTTP ${status} from ${shown}, the key was refused${said}; ${req.authHint}`, status);
    throw fail('http', `HTTP ${status} from ${shown}${said}`, status);
  }
  if (text.trim() === '') throw fail('not_json', `${shown} answered with an empty body`, status);
  // A login, error or captcha page served with status 200 instead of the JSON.
  if (/^\s*</.test(text)) throw fail('html', `${shown} returned HTML, not JSON (an error or login page? check the url)`, status);
  if (body === undefined) throw fail('not_json', `${shown} returned a body that is not JSON`, status);
  return body;
}
