// POST /v1/usage as docs/ARCHITECTURE.md §3.3 describes it: a database locked by another
// connection is a 503 with Retry-After and nothing written; a body over 20 MiB gets the 413 answer
// (received by the client, not a reset); the bearer scheme is case-insensitive; at most
// INGEST_MAX_IN_FLIGHT ingests at once. The real app over HTTP, real SQLite files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestApp, INGEST_TOKEN } from '../support/app.js';
import { postLazyBody } from '../support/big-body.js';
import { openDatabase } from '../../src/store/open.js';
import { INGEST_MAX_IN_FLIGHT } from '../../src/adapters/http/server.js';

const rows = [
  { ts: '2026-11-20T12:00:00Z', provider: 'deepseek', model: 'deepseek-v4-flash', input_tokens: 1000, output_tokens: 100, request_id: 'lock-1' },
  { ts: '2026-11-20T12:01:00Z', provider: 'deepseek', model: 'deepseek-v4-flash', input_tokens: 2000, output_tokens: 200, request_id: 'lock-2' },
];
const jsonl = rows.map((r) => JSON.stringify(r)).join('\n');
const MB = 1000 * 1000;

const post = (url: string, body: string | Buffer, authorization = `Bearer ${INGEST_TOKEN}`) =>
  fetch(`${url}/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization }, body });

test('ingest while another connection holds the write lock answers 503 with Retry-After and writes nothing, then succeeds once the lock is let go', async (t) => {
  const ta = await startTestApp({ owner: t });
  // As `routeops ledger import` does: another connection holds an IMMEDIATE transaction.
  const importer = openDatabase(ta.dbPath);
  t.after(() => importer.close());
  importer.prepare('BEGIN IMMEDIATE').run();

  const busy = await post(ta.url, jsonl);
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get('retry-after'), '5');
  const answer = (await busy.json()) as { ok: boolean; error: string };
  assert.equal(answer.ok, false);
  assert.match(answer.error, /busy.*nothing was written; retry after 5 s/);
  assert.equal(await ta.app.services.ledger.count(), 0, 'nothing of the batch was written');

  importer.prepare('ROLLBACK').run();
  const ok = await post(ta.url, jsonl);
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { ok: true, inserted: 2, skipped: 0 });
  assert.equal(await ta.app.services.ledger.count(), 2);
});

test('a 50 MB ingest body gets the 413 answer, declared or chunked, and the client receives it', async (t) => {
  const ta = await startTestApp({ owner: t });
  const headers = { 'content-type': 'application/x-ndjson', authorization: `Bearer ${INGEST_TOKEN}` };
  for (const declareLength of [true, false]) {
    const res = await postLazyBody(`${ta.url}/v1/usage`, { totalBytes: 50 * MB, declareLength, headers, fill: '\n' });
    assert.equal(res.status, 413, `declared length: ${declareLength}`);
    assert.equal(res.headers['connection'], 'close');
    assert.deepEqual(JSON.parse(res.text), { ok: false, error: 'body over 20971520 bytes (20 MiB): split it into smaller batches' });
  }
  // A client that asks first (`Expect: 100-continue`, as curl does over 1 MB) is refused before it sends anything.
  const asked = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
    let continued = false;
    const req = http.request(`${ta.url}/v1/usage`, { method: 'POST', agent: false, headers: { ...headers, expect: '100-continue', 'content-length': String(50 * MB) } });
    req.on('continue', () => (continued = true));
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, continued });
      req.destroy();
    });
    req.on('error', reject);
    req.flushHeaders();
  });
  assert.deepEqual(asked, { status: 413, continued: false });
  // fetch() with the whole body in hand: the answer arrives, not a reset.
  const viaFetch = await post(ta.url, Buffer.alloc(50 * MB, '\n'));
  assert.equal(viaFetch.status, 413);
  assert.match(((await viaFetch.json()) as { error: string }).error, /20 MiB/);
  assert.equal(await ta.app.services.ledger.count(), 0);
  // The server still answers afterwards.
  assert.equal((await post(ta.url, jsonl)).status, 200);
});

test('the bearer scheme is accepted in any case (RFC 7235); another scheme or token is not', async (t) => {
  const ta = await startTestApp({ owner: t });
  const lower = await post(ta.url, JSON.stringify(rows[0]), `bearer ${INGEST_TOKEN}`);
  assert.equal(lower.status, 200);
  assert.deepEqual(await lower.json(), { ok: true, inserted: 1, skipped: 0 });
  const upper = await post(ta.url, JSON.stringify(rows[1]), `BEARER ${INGEST_TOKEN}`);
  assert.deepEqual(await upper.json(), { ok: true, inserted: 1, skipped: 0 });
  for (const authorization of [`Basic ${INGEST_TOKEN}`, `bearer ${INGEST_TOKEN}x`, 'bearer', `Bearer${INGEST_TOKEN}`]) {
    const res = await post(ta.url, jsonl, authorization);
    assert.equal(res.status, 401, authorization);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  }
});

test(`at most ${INGEST_MAX_IN_FLIGHT} ingests are taken at once: another is answered 503 with Retry-After`, async (t) => {
  const ta = await startTestApp({ owner: t });
  const url = new URL(`${ta.url}/v1/usage`);
  // Ingests whose bodies are still coming. With `Expect: 100-continue`, the server sends
  // 100 Continue from the handler that counts the ingest in, so each is counted once it arrives.
  const open: http.ClientRequest[] = [];
  try {
    for (let i = 0; i < INGEST_MAX_IN_FLIGHT; i++) {
      const req = http.request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/x-ndjson', expect: '100-continue', 'content-length': String(jsonl.length) } });
      req.on('error', () => {});
      open.push(req);
      await new Promise<void>((resolve) => req.once('continue', resolve));
    }
    const refused = await post(ta.url, jsonl);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.match(((await refused.json()) as { error: string }).error, /4 ingests are under way: nothing was written/);

    // The first one finishes: its body is written, and the next ingest is taken again.
    const first = open.shift()!;
    const answered = new Promise<number>((resolve) => first.once('response', (res) => resolve(res.statusCode ?? 0)));
    first.end(jsonl);
    assert.equal(await answered, 200);
    assert.equal((await post(ta.url, jsonl)).status, 200);
  } finally {
    // Bodies never sent: the server would wait for them when the app stops.
    open.forEach((r) => r.destroy());
  }
});
