import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { fetchCatalogSnapshots, readSourceJson, type ModelLister } from '../../src/features/catalog/sources/fetch.js';
import { CatalogSourceError } from '../../src/features/catalog/sources/types.js';
import { OPENROUTER_DIR, LITELLM_DIR, tempDir } from './helpers.js';

const OR_FILE = join(OPENROUTER_DIR, '2025-12-29T12-34Z.json.gz');
const LL_FILE = join(LITELLM_DIR, '2025-12-29T12-34Z.json.gz');
const NO_SOURCES = { openrouter: null, litellm: null, models_dev: null, genai_prices: null };

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
const close = (s: Server) =>
  new Promise<void>((r) => {
    s.closeAllConnections();
    s.close(() => r());
  });

async function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<CatalogSourceError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CatalogSourceError, `expected CatalogSourceError, got ${String(err)}`);
    assert.match(err.message, re);
    assert.doesNotMatch(err.message, /\n\s+at /, 'no stack in the message');
    return err;
  }
  assert.fail('expected a rejection');
}

void test('files: path, file: URL, gzip recognised by content, plain JSON', async () => {
  const t = tempDir();
  try {
    const doc = (await readSourceJson(OR_FILE)) as { data: unknown[] };
    assert.equal(doc.data.length, 353);
    const viaUrl = (await readSourceJson(pathToFileURL(OR_FILE).href)) as { data: unknown[] };
    assert.equal(viaUrl.data.length, 353);
    const plain = join(t.dir, 'plain.json');
    writeFileSync(plain, '\uFEFF{"data":[]}');
    assert.deepEqual(await readSourceJson(plain), { data: [] });
    const gzNoExt = join(t.dir, 'gz-without-extension.json');
    writeFileSync(gzNoExt, gzipSync('{"a":1}'));
    assert.deepEqual(await readSourceJson(gzNoExt), { a: 1 });
  } finally {
    t.cleanup();
  }
});

void test('files: errors are short CatalogSourceErrors', async () => {
  const t = tempDir();
  try {
    await rejectsWith(readSourceJson(join(t.dir, 'missing.json.gz')), /^file not found: .*missing\.json\.gz$/);
    await rejectsWith(readSourceJson(t.dir), /is a folder/);
    const broken = join(t.dir, 'broken.json');
    writeFileSync(broken, '{"data": [');
    await rejectsWith(readSourceJson(broken), /broken\.json is not valid JSON/);
    const badGz = join(t.dir, 'bad.json.gz');
    writeFileSync(badGz, Buffer.concat([gzipSync('{"data":[]}').subarray(0, 12)]));
    await rejectsWith(readSourceJson(badGz), /bad\.json\.gz is not valid gzip/);
    const empty = join(t.dir, 'empty.json');
    writeFileSync(empty, '');
    await rejectsWith(readSourceJson(empty), /is empty/);
    await rejectsWith(readSourceJson('ftp://example.com/x.json'), /unsupported URL scheme/);
  } finally {
    t.cleanup();
  }
});

void test('http: JSON, gzip bodies, HTTP errors without query strings, timeout', async () => {
  const gz = gzipSync('{"data":[{"id":"x/y","pricing":{"prompt":"0.000001","completion":"0.000002"}}]}');
  const { server, url } = await listen((req, res) => {
    if (req.url?.startsWith('/ok')) {
      res.setHeader('content-type', 'application/json');
      res.end('{"data":[]}');
    } else if (req.url === '/file.json.gz') {
      res.end(gz); // raw gzip bytes, no content-encoding
    } else if (req.url === '/encoded') {
      res.setHeader('content-encoding', 'gzip');
      res.end(gz);
    } else if (req.url === '/hang') {
      // never answers: the timeout must end the read
    } else {
      res.statusCode = 503;
      res.end('overloaded');
    }
  });
  try {
    assert.deepEqual(await readSourceJson(`${url}/ok?x=1`), { data: [] });
    assert.equal(((await readSourceJson(`${url}/file.json.gz`)) as { data: unknown[] }).data.length, 1);
    assert.equal(((await readSourceJson(`${url}/encoded`)) as { data: unknown[] }).data.length, 1);
    const err = await rejectsWith(readSourceJson(`${url}/down?token=secret123`), /^HTTP 503 from http:\/\/127\.0\.0\.1:\d+\/down$/);
    assert.doesNotMatch(err.message, /secret123/);
    await rejectsWith(readSourceJson(`${url}/hang`, { timeoutMs: 50 }), /^timed out after 50 ms reading http:\/\/127\.0\.0\.1:\d+\/hang$/);
  } finally {
    await close(server);
  }
  await rejectsWith(readSourceJson(url), /^cannot read http:\/\/127\.0\.0\.1:\d+\/ \([A-Z_]+\)$/);
});

void test('fetchCatalogSnapshots: every configured source; failures reported, not thrown', async () => {
  const ok: ModelLister = { name: 'deepseek', hasKey: true, listModels: () => Promise.resolve(['deepseek-v4-flash', 'deepseek-v4-pro']) };
  const failing: ModelLister = { name: 'zai', hasKey: true, listModels: () => Promise.reject(new Error('401 bad key')) };
  const noKey: ModelLister = { name: 'moonshot', hasKey: false, listModels: () => Promise.reject(new Error('must not be called')) };
  const now = new Date('2026-01-11T18:03:00.000Z');
  const r = await fetchCatalogSnapshots({
    catalog: { sources: { ...NO_SOURCES, openrouter: OR_FILE, litellm: join(LITELLM_DIR, 'missing.json.gz') }, provider_models: true },
    providers: new Map([
      ['deepseek', ok],
      ['zai', failing],
      ['moonshot', noKey],
    ]),
    now,
  });
  assert.deepEqual(r.snapshots.map((s) => [s.source, s.kind, s.fetched_at, s.entries.length]), [
    ['openrouter', 'openrouter', '2026-01-11T18:03:00.000Z', 353],
    ['models:deepseek', 'provider', '2026-01-11T18:03:00.000Z', 2],
  ]);
  assert.deepEqual(r.errors.map((e) => e.source), ['litellm', 'models:zai']);
  assert.match(r.errors[0]!.message, /^file not found: /);
  assert.equal(r.errors[1]!.message, 'zai /models: 401 bad key');

  const ll = await fetchCatalogSnapshots({ catalog: { sources: { ...NO_SOURCES, litellm: LL_FILE }, provider_models: false }, providers: new Map([['deepseek', ok]]), now });
  assert.deepEqual(ll.snapshots.map((s) => s.source), ['litellm']);
  assert.ok(ll.snapshots[0]!.entries.length > 2000);
});
