// The bad-input rules for every source (docs/ARCHITECTURE.md §3.4 catalog): a source that is
// down, returns HTML, is cut short, changes format or drops half its models gives no changes,
// and the run says which source and why; the others go on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { detectPriceChanges } from '../../src/features/catalog/price-changes.js';
import { fetchCatalogSnapshots, readSourceJson } from '../../src/features/catalog/sources/fetch.js';
import { normalizeModelsDev } from '../../src/features/catalog/sources/normalize.js';
import type { Snapshot } from '../../src/features/catalog/sources/types.js';
import { GENAI_DIR, MODELS_DEV_DIR, OPENROUTER_DIR, readGzJson, tempDir } from './helpers.js';

const MD_FILE = join(MODELS_DEV_DIR, '2026-07-02.json.gz');
const NOW = new Date('2026-08-21T06:00:00.000Z');
const none = { openrouter: null, litellm: null, models_dev: null, genai_prices: null };

async function htmlServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!DOCTYPE html><html><body>Please sign in</body></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api.json?key=secret` };
}

void test('each source fails alone, named, with a short reason: HTML, cut short, wrong format, no prices, nothing listed', async () => {
  const t = tempDir();
  const { server, url } = await htmlServer();
  try {
    const text = gunzipSync(readFileSync(join(GENAI_DIR, 'v2-2026-08-21.json.gz'))).toString('utf8');
    const truncated = t.file('litellm.json');
    writeFileSync(truncated, text.slice(0, text.length / 2));
    const r = await fetchCatalogSnapshots({
      catalog: { sources: { openrouter: MD_FILE, litellm: truncated, models_dev: MD_FILE, genai_prices: url }, provider_models: false },
      now: NOW,
    });
    assert.deepEqual(r.snapshots.map((s) => [s.source, s.kind, s.fetched_at, s.checked_at]), [['models_dev', 'models_dev', NOW.toISOString(), '2026-06-13']], 'provenance: the fetch, and the newest models.dev last_updated');
    const why = Object.fromEntries(r.errors.map((e) => [e.source, e.message]));
    assert.deepEqual(Object.keys(why).sort(), ['genai_prices', 'litellm', 'openrouter']);
    assert.match(why.genai_prices!, /^http:\/\/127\.0\.0\.1:\d+\/api\.json returned HTML, not JSON \(an error or login page\?\)$/);
    assert.doesNotMatch(why.genai_prices!, /secret/, 'no query string in messages');
    assert.match(why.litellm!, /litellm\.json is not valid JSON \(/);
    assert.match(why.openrouter!, /2026-07-02\.json\.gz: not an OpenRouter \/models response: no "data" array$/);

    // A models.dev whose cost field was renamed: every model would read as unpriced. Refused.
    const renamed = t.file('renamed.json');
    writeFileSync(renamed, JSON.stringify(readGzJson(MD_FILE), (k, v: unknown) => (k === 'cost' ? undefined : v)));
    const emptyGenai = t.file('genai.json');
    writeFileSync(emptyGenai, JSON.stringify([{ id: 'deepseek', models: [] }]));
    const r2 = await fetchCatalogSnapshots({ catalog: { sources: { ...none, models_dev: renamed, genai_prices: emptyGenai }, provider_models: false }, now: NOW });
    assert.deepEqual(r2.snapshots, []);
    assert.match(r2.errors.find((e) => e.source === 'models_dev')!.message, /renamed\.json: no model has a price that can be read; the format may have changed$/);
    assert.match(r2.errors.find((e) => e.source === 'genai_prices')!.message, /genai\.json: lists no models$/);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    t.cleanup();
  }
});

void test('a models.dev listing with half its models or half its prices gone is ignored, saying why; nothing becomes pending', () => {
  const full = readGzJson(MD_FILE) as Record<string, { models: Record<string, Record<string, unknown>> }>;
  const snap = (doc: unknown, at: string): Snapshot => ({ source: 'models_dev', kind: 'models_dev', fetched_at: at, entries: normalizeModelsDev(doc, { fetched_at: at }) });
  const base = detectPriceChanges(new Map(), [snap(full, '2026-07-02T00:00:00.000Z')], { watched: () => true });
  assert.deepEqual(base.baseline, ['models_dev']);

  const onlyCn = { 'alibaba-cn': full['alibaba-cn'] };
  const half = detectPriceChanges(base.state, [snap(onlyCn, '2026-07-02T06:00:00.000Z')], { watched: () => true });
  assert.deepEqual(half.skipped.map((s) => s.reason), ['incomplete: 83 models against 262 known']);
  assert.equal(half.pending, 0);
  assert.equal(half.alert, null);

  // Every model still listed, but two in three without their cost.
  let i = 0;
  const stripped = JSON.parse(JSON.stringify(full), (k, v: unknown) => (k === 'cost' && i++ % 3 !== 0 ? undefined : v)) as unknown;
  const unpriced = detectPriceChanges(base.state, [snap(stripped, '2026-07-02T06:00:00.000Z')], { watched: () => true });
  assert.deepEqual(unpriced.skipped.map((s) => s.reason), ['prices missing: 88 priced models against 262 known (has the format changed?)']);
  assert.equal(unpriced.pending, 0);
});

void test('OpenRouter and LiteLLM under the same rules: an HTML error page, another source\'s document', async () => {
  const t = tempDir();
  try {
    const html = t.file('or.json');
    writeFileSync(html, '\n  <html><head><title>502 Bad Gateway</title></head></html>');
    const r = await fetchCatalogSnapshots({ catalog: { sources: { ...none, openrouter: html, litellm: join(OPENROUTER_DIR, '2025-12-29T12-34Z.json.gz') }, provider_models: false }, now: NOW });
    assert.deepEqual(r.snapshots, []);
    assert.match(r.errors.find((e) => e.source === 'openrouter')!.message, /or\.json returned HTML, not JSON/);
    // An OpenRouter response where LiteLLM's map was expected has no model objects at its top level.
    assert.match(r.errors.find((e) => e.source === 'litellm')!.message, /2025-12-29T12-34Z\.json\.gz: lists no models$/);
  } finally {
    t.cleanup();
  }
});

void test('a source streaming without end (no Content-Length) is cut off at 64 MiB as too large, not read into memory until the timeout', async () => {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let sent = 0;
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    const more = () => {
      while (!res.destroyed && sent < 1024 * chunk.length) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end();
    };
    res.on('close', () => res.destroy());
    more();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models.json`;
    await assert.rejects(readSourceJson(url, { timeoutMs: 60_000 }), (err: Error) => {
      assert.match(err.message, /^http:\/\/127\.0\.0\.1:\d+\/models\.json is too large \(more than 67108864 bytes\)$/);
      return true;
    });
    // The server stopped soon after the cap: the body was not read to its end (1 GiB).
    assert.ok(sent < 128 * chunk.length, `${sent} bytes sent`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
