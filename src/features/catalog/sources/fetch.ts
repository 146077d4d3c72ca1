// Reading the price/model sources: http(s) URLs, file: URLs and plain paths, gzip or not, each
// read bounded by a timeout. Every failure becomes a CatalogSourceError with a short message
// (no stack, no query string or credentials of the URL) that can be shown to users as is.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Config } from '../../../config/load.js';
import { CATALOG_SOURCES, type CatalogMapRule } from '../../../config/schema.js';
import type { ProviderClient } from '../../../upstream/providers/types.js';
import { NORMALIZERS, normalizeProviderModels, type NormalizeContext } from './normalize.js';
import { CatalogSourceError, newestCheckedAt, type CatalogSourceName, type Snapshot } from './types.js';

export const DEFAULT_SOURCE_TIMEOUT_MS = 30_000;
/** Larger documents are refused (LiteLLM's full map is about 1.5 MB; OpenRouter's about 0.5 MB). */
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;

export interface ReadSourceOptions {
  /** Whole read (connect, body, file read). Default 30 s. */
  timeoutMs?: number;
  /** fetch to use (tests, proxies). Default: global fetch. */
  fetch?: typeof fetch;
  /** Aborts the read early (shutdown). */
  signal?: AbortSignal;
}

/** What a location looks like in messages: URLs without credentials, query or fragment. */
export function displayLocation(location: string): string {
  try {
    const u = new URL(location);
    if (u.protocol === 'http:' || u.protocol === 'https:') return `${u.origin}${u.pathname}`;
    if (u.protocol === 'file:') return fileURLToPath(u);
  } catch {
    // a plain path
  }
  return location;
}

const isHttp = (loc: string) => /^https?:\/\//i.test(loc);

function errCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message.split('\n')[0]!.slice(0, 120) : 'error';
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || (err.name === 'AbortError' && /timeout/i.test(String((err as { cause?: unknown }).cause ?? ''))));
}

/**
 * The body, stopped as soon as it passes MAX_SOURCE_BYTES: a server that streams without a
 * Content-Length (or lies in it) must not fill the bot's memory before the timeout.
 */
async function readCapped(res: Response, shown: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_SOURCE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new CatalogSourceError(`${shown} is too large (more than ${MAX_SOURCE_BYTES} bytes)`, shown);
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks, total);
}

async function readBytes(location: string, opts: ReadSourceOptions): Promise<Buffer> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS;
  const shown = displayLocation(location);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const secs = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 100) / 10} s` : `${timeoutMs} ms`;

  if (isHttp(location)) {
    const doFetch = opts.fetch ?? fetch;
    try {
      const res = await doFetch(location, { signal, headers: { accept: 'application/json' }, redirect: 'follow' });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new CatalogSourceError(`HTTP ${res.status} from ${shown}`, shown);
      }
      const declared = Number(res.headers.get('content-length') ?? '0');
      if (declared > MAX_SOURCE_BYTES) {
        await res.body?.cancel().catch(() => undefined);
        throw new CatalogSourceError(`${shown} is too large (${declared} bytes)`, shown);
      }
      return await readCapped(res, shown);
    } catch (err) {
      if (err instanceof CatalogSourceError) throw err;
      if (timeout.aborted || isTimeout(err)) throw new CatalogSourceError(`timed out after ${secs} reading ${shown}`, shown, { cause: err });
      if (opts.signal?.aborted) throw new CatalogSourceError(`reading ${shown} was cancelled`, shown, { cause: err });
      throw new CatalogSourceError(`cannot read ${shown} (${errCode(err)})`, shown, { cause: err });
    }
  }

  let path = location;
  if (/^file:/i.test(location)) {
    try {
      path = fileURLToPath(location);
    } catch (err) {
      throw new CatalogSourceError(`not a usable file: URL: ${location}`, location, { cause: err });
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new CatalogSourceError(`unsupported URL scheme in ${shown}: use http, https, file or a path`, shown);
  }
  try {
    const buf = await readFile(path, { signal });
    if (buf.length > MAX_SOURCE_BYTES) throw new CatalogSourceError(`${path} is too large (${buf.length} bytes)`, path);
    return buf;
  } catch (err) {
    if (err instanceof CatalogSourceError) throw err;
    const code = errCode(err);
    if (timeout.aborted) throw new CatalogSourceError(`timed out after ${secs} reading ${path}`, path, { cause: err });
    if (code === 'ENOENT') throw new CatalogSourceError(`file not found: ${path}`, path, { cause: err });
    if (code === 'EISDIR') throw new CatalogSourceError(`${path} is a folder, not a file`, path, { cause: err });
    if (code === 'EACCES') throw new CatalogSourceError(`no permission to read ${path}`, path, { cause: err });
    throw new CatalogSourceError(`cannot read ${path} (${code})`, path, { cause: err });
  }
}

/** Bytes -> parsed JSON; gzip is recognised by its magic bytes (whatever the name says). */
export function parseSourceBytes(buf: Buffer, shown: string): unknown {
  let bytes = buf;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_SOURCE_BYTES });
    } catch (err) {
      throw new CatalogSourceError(`${shown} is not valid gzip (${errCode(err)})`, shown, { cause: err });
    }
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new CatalogSourceError(`${shown} is empty`, shown);
  // A login, error or captcha page served with status 200 instead of the document.
  if (/^\s*</.test(text)) throw new CatalogSourceError(`${shown} returned HTML, not JSON (an error or login page?)`, shown);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 100) : 'parse error';
    throw new CatalogSourceError(`${shown} is not valid JSON (${detail})`, shown, { cause: err });
  }
}

/** Reads and parses one JSON document (http(s) URL, file: URL or path; .gz or not). */
export async function readSourceJson(location: string, opts: ReadSourceOptions = {}): Promise<unknown> {
  if (location.trim() === '') throw new CatalogSourceError('empty source location');
  const buf = await readBytes(location, opts);
  return parseSourceBytes(buf, displayLocation(location));
}

/** Runs a normaliser, turning its errors into CatalogSourceError naming the location. */
function normalizeAt<T>(shown: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof CatalogSourceError) throw new CatalogSourceError(`${shown}: ${err.message}`, shown, { cause: err });
    throw new CatalogSourceError(`${shown}: cannot read the document (${errCode(err)})`, shown, { cause: err });
  }
}

/**
 * Reads and normalises one price catalog. A document that lists no model, or no model with a
 * price it can read, is refused: a source that changed its format must not look like one whose
 * every price was removed.
 */
export async function fetchSourceSnapshot(source: CatalogSourceName, location: string, now: Date, opts: ReadSourceOptions & { rules?: readonly CatalogMapRule[] } = {}): Promise<Snapshot> {
  const doc = await readSourceJson(location, opts);
  const shown = displayLocation(location);
  const fetched_at = now.toISOString();
  const ctx: NormalizeContext = { fetched_at };
  if (opts.rules) ctx.rules = opts.rules;
  const entries = normalizeAt(shown, () => NORMALIZERS[source](doc, ctx));
  if (entries.length === 0) throw new CatalogSourceError(`${shown}: lists no models`, shown);
  if (!entries.some((e) => e.priced)) throw new CatalogSourceError(`${shown}: no model has a price that can be read; the format may have changed`, shown);
  return { source, kind: source, fetched_at, checked_at: newestCheckedAt(entries), entries };
}

/** The minimum of a ProviderClient this needs. */
export type ModelLister = Pick<ProviderClient, 'name' | 'hasKey' | 'listModels'>;

export async function fetchProviderModelsSnapshot(client: ModelLister, now: Date, opts: Pick<ReadSourceOptions, 'timeoutMs' | 'signal'> = {}): Promise<Snapshot> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  let ids: string[];
  try {
    ids = await client.listModels(signal);
  } catch (err) {
    const why = timeout.aborted ? `timed out after ${Math.round(timeoutMs / 1000)} s` : errCode(err);
    throw new CatalogSourceError(`${client.name} /models: ${why}`, client.name, { cause: err });
  }
  const fetched_at = now.toISOString();
  return { source: `models:${client.name}`, kind: 'provider', fetched_at, checked_at: null, entries: normalizeProviderModels(client.name, ids, fetched_at) };
}

export interface FetchCatalogOptions {
  /** config.catalog: the sources to read, whether to read provider /models, the mapping rules. */
  catalog: Pick<Config['catalog'], 'sources' | 'provider_models'> & { map?: readonly CatalogMapRule[] };
  /** Provider clients by name; read only when catalog.provider_models is true. Clients without a key are skipped. */
  providers?: ReadonlyMap<string, ModelLister>;
  /** The fetch time given to every snapshot. */
  now: Date;
  timeoutMs?: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export interface FetchCatalogResult {
  snapshots: Snapshot[];
  /** One per source that failed: `source` as in Snapshot.source, `message` short and user-safe. */
  errors: { source: string; message: string }[];
}

/**
 * Fetches every configured source concurrently. A failing source is reported in `errors` and
 * simply absent from `snapshots` (the detection then keeps its state for that source as it was).
 */
export async function fetchCatalogSnapshots(opts: FetchCatalogOptions): Promise<FetchCatalogResult> {
  const readOpts: ReadSourceOptions = { timeoutMs: opts.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS };
  if (opts.fetch) readOpts.fetch = opts.fetch;
  if (opts.signal) readOpts.signal = opts.signal;
  const jobs: { source: string; run: () => Promise<Snapshot> }[] = [];
  for (const source of CATALOG_SOURCES) {
    const loc = opts.catalog.sources[source];
    if (!loc) continue;
    const rules = opts.catalog.map ?? [];
    jobs.push({ source, run: () => fetchSourceSnapshot(source, loc, opts.now, { ...readOpts, rules }) });
  }
  if (opts.catalog.provider_models && opts.providers) {
    for (const client of opts.providers.values()) {
      if (!client.hasKey) continue;
      jobs.push({ source: `models:${client.name}`, run: () => fetchProviderModelsSnapshot(client, opts.now, readOpts) });
    }
  }
  const settled = await Promise.allSettled(jobs.map((j) => j.run()));
  const result: FetchCatalogResult = { snapshots: [], errors: [] };
  settled.forEach((s, i) => {
    const source = jobs[i]!.source;
    if (s.status === 'fulfilled') result.snapshots.push(s.value);
    else result.errors.push({ source, message: s.reason instanceof CatalogSourceError ? s.reason.message : `${source}: ${errCode(s.reason)}` });
  });
  return result;
}
