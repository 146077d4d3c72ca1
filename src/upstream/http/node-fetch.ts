// The HTTP transport under the openai SDK and Slack's WebClient: a `fetch` over node:http/https
// with keep-alive agents. Node 20's global fetch (undici) costs about as much CPU per streamed
// answer as everything else routeops does for it (llhttp in WebAssembly, WHATWG streams per
// chunk); node:http parses in C and hands over Buffers. The SDK and the WebClient still build
// every request, add auth, retry and raise their errors; only the bytes travel here.
//
// A response keeps its node:http body on the side (rawBodyOf): a streamed chat reads the SSE
// bytes from it directly (src/upstream/providers/sse.ts). The Response's text()/json() read the same
// bytes into one Buffer, and its `.body` is a WHATWG stream over them made on demand
// (bodyFromNode): whichever reads first takes the bytes.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';

const RAW = Symbol('routeops.rawBody');

type WithRaw = Response & { [RAW]?: IncomingMessage };

/** The node:http body behind a Response made by nodeFetch (undefined for any other Response). */
export function rawBodyOf(res: Response): IncomingMessage | undefined {
  return (res as WithRaw)[RAW];
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** The request body as bytes or text; null for bodies this transport leaves to global fetch (forms, streams, blobs). */
function bodyOf(init: RequestInit | undefined): string | Uint8Array | undefined | null {
  const b = init?.body;
  if (b === undefined || b === null) return undefined;
  if (typeof b === 'string' || b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (b instanceof URLSearchParams) return b.toString();
  return null;
}

/** Bytes as text the way fetch's text() and json() decode them: UTF-8, a leading byte order mark dropped. */
function utf8(b: Buffer): string {
  const s = b.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/**
 * The Response's body comes from node:http: text(), json() and arrayBuffer() read it straight
 * into one Buffer (the WHATWG body mixin costs more than the JSON of a Slack reply or an error
 * body), and `.body` is a WHATWG stream over it made only if someone asks for one (a streamed
 * answer is read from rawBodyOf instead).
 */
function bodyFromNode(out: Response, res: IncomingMessage): void {
  const whole = (): Promise<Buffer> =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      res.once('error', reject);
      res.once('close', () => {
        if (!res.complete) reject(new TypeError('terminated'));
      });
    });
  let stream: ReadableStream<Uint8Array> | undefined;
  Object.defineProperties(out, {
    body: { get: () => (stream ??= lazyBody(res)) },
    text: { value: async () => utf8(await whole()) },
    json: { value: async (): Promise<unknown> => JSON.parse(utf8(await whole())) },
    arrayBuffer: {
      value: async () => {
        const b = await whole();
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
      },
    },
  });
}

/** Request headers as node:http takes them, without copying a Headers into another first. */
function headersOf(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (h === undefined) return out;
  if (h instanceof Headers) h.forEach((v, k) => (out[k] = v));
  else if (Array.isArray(h)) for (const [k, v] of h) out[k!.toLowerCase()] = v!;
  else for (const k of Object.keys(h)) out[k.toLowerCase()] = String((h as Record<string, string>)[k]);
  return out;
}

/** A WHATWG stream over a node:http body that starts reading only when pulled. */
function lazyBody(res: IncomingMessage): ReadableStream<Uint8Array> {
  let it: AsyncIterator<Buffer> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      it ??= res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const { value, done } = await it.next();
      if (done) ctrl.close();
      else ctrl.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    },
    cancel() {
      res.destroy();
    },
    // No read-ahead: pulled only when read, so a body nobody reads through here stays untouched.
  }, { highWaterMark: 0 });
}

export interface NodeFetchOptions {
  /** A response body nobody starts reading within this long is dropped. Default 30 s. */
  unreadBodyMs?: number;
  /** Idle keep-alive sockets kept per host. Default 256. */
  maxFreeSockets?: number;
  /**
   * Fail a request whose connection goes this long without any traffic (connecting, waiting for
   * the response, or between body chunks). Default off: callers time out through `signal`. A
   * timer on the socket costs less than an AbortSignal per call.
   */
  idleTimeoutMs?: number;
}

/**
 * A fetch over node:http/https (see the top of this file) for the openai SDK and Slack's
 * WebClient: requests with a string, byte or URLSearchParams body (or none) to an http(s) URL.
 * Anything else (multipart forms, streamed bodies, Request objects) goes to global fetch.
 * Redirects are not followed (a 3xx is returned as is, or refused under redirect: 'error'):
 * provider base URLs and Slack's API answer directly. Timeouts are the caller's, through `signal`.
 */
export function createNodeFetch(opts: NodeFetchOptions = {}): typeof fetch {
  const unreadBodyMs = opts.unreadBodyMs ?? 30_000;
  const agentOpts = { keepAlive: true, maxFreeSockets: opts.maxFreeSockets ?? 256, scheduling: 'lifo' as const };
  const agents = { 'http:': new http.Agent(agentOpts), 'https:': new https.Agent(agentOpts) };

  return (input, init) => {
    const body = bodyOf(init);
    // Multipart uploads (Slack files) and the like: rare, and global fetch encodes them.
    if (body === null || (typeof input !== 'string' && !(input instanceof URL))) return globalThis.fetch(input, init);
    return new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        reject(new TypeError(`routeops transport: unsupported protocol ${url.protocol}`));
        return;
      }
      const signal = init?.signal ?? null;
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const headers = headersOf(init?.headers);
      if (typeof init?.body === 'object' && init.body instanceof URLSearchParams) headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
      if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
      const lib = url.protocol === 'https:' ? https : http;
      let response: IncomingMessage | null = null;
      const onAbort = () => {
        const reason = abortError(signal!);
        if (response) response.destroy(reason instanceof Error ? reason : new Error(String(reason)));
        req.destroy();
        reject(reason);
      };
      const req = lib.request(
        url,
        { method: init?.method ?? 'GET', headers, agent: agents[url.protocol] },
        (res) => {
          response = res;
          // The abort listener stays until the body is done: a timeout after the headers must end the read.
          res.once('close', () => signal?.removeEventListener('abort', onAbort));
          const h = new Headers();
          const raw = res.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) h.append(raw[i]!, raw[i + 1]!);
          const status = res.statusCode ?? 0;
          if (init?.redirect === 'error' && status >= 300 && status < 400 && res.headers.location) {
            res.destroy();
            reject(new TypeError('fetch failed', { cause: new Error(`unexpected redirect to ${res.headers.location}`) }));
            return;
          }
          // The Response constructor refuses a body for these statuses: drain it, the socket goes back to the pool.
          const noBody = status === 204 || status === 205 || status === 304 || init?.method === 'HEAD';
          if (noBody) res.resume();
          let out: WithRaw;
          try {
            out = new Response(null, { status, statusText: res.statusMessage ?? '', headers: h }) as WithRaw;
          } catch (err) {
            // A status fetch cannot represent (e.g. 999 from a broken proxy).
            res.destroy();
            reject(new TypeError('fetch failed', { cause: err }));
            return;
          }
          out[RAW] = res;
          if (!noBody) bodyFromNode(out, res);
          // A body nobody starts reading (a caller that looked only at the status) would hold its
          // socket until the server closes it: after a while it is let go.
          // Cleared once the body is done with: a pending timer holds the response and the whole
          // call behind it (30 s of calls at 200/s kept ~100 MB alive: bench/gateway.ts).
          const unread = setTimeout(() => {
            if (!res.readableDidRead && res.readableFlowing === null) res.destroy();
          }, unreadBodyMs).unref();
          res.once('close', () => clearTimeout(unread));
          resolve(out);
        },
      );
      if (opts.idleTimeoutMs) {
        const ms = opts.idleTimeoutMs;
        req.setTimeout(ms, () => req.destroy(new Error(`no traffic for ${ms} ms`)));
      }
      req.on('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        // As undici does: a network failure is a TypeError with the cause attached (the SDK retries it).
        if (!response) reject(new TypeError('fetch failed', { cause: err }));
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
  };
}
