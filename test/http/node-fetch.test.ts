import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeFetch, rawBodyOf } from '../../src/upstream/http/node-fetch.js';

/** A local server; `handle` answers each request. */
async function serve(handle: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const readAll = (req: http.IncomingMessage) =>
  new Promise<string>((r) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (s += d));
    req.on('end', () => r(s));
  });

test('node fetch: method, headers and body reach the server; status, headers and body come back', async (t) => {
  const srv = await serve(async (req, res) => {
    const body = await readAll(req);
    res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req-9', 'set-cookie': ['a=1', 'b=2'] });
    res.end(JSON.stringify({ method: req.method, path: req.url, auth: req.headers.authorization, type: req.headers['content-type'], length: req.headers['content-length'], body }));
  });
  t.after(srv.close);
  const f = createNodeFetch();
  const res = await f(`${srv.url}/v1/x?y=1`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"q":"日本"}' });
  assert.equal(res.status, 201);
  assert.equal(res.ok, true);
  assert.equal(res.headers.get('x-request-id'), 'req-9');
  assert.deepEqual(await res.json(), { method: 'POST', path: '/v1/x?y=1', auth: 'Bearer k', type: 'application/json', length: String(Buffer.byteLength('{"q":"日本"}')), body: '{"q":"日本"}' });
  // A form body (Slack's WebClient) gets its content type.
  const form = await f(`${srv.url}/api/chat.update`, { method: 'POST', body: new URLSearchParams({ channel: 'C1', text: 'a&b' }) });
  const seen = (await form.json()) as { type: string; body: string };
  assert.equal(seen.body, 'channel=C1&text=a%26b');
  assert.match(seen.type, /^application\/x-www-form-urlencoded/);
});

test('node fetch: a streamed body is readable straight from node:http, untouched by the Response', async (t) => {
  const srv = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: 1\n\n');
    setImmediate(() => res.end('data: 2\n\n'));
  });
  t.after(srv.close);
  const res = await createNodeFetch()(`${srv.url}/s`);
  const raw = rawBodyOf(res);
  assert.ok(raw);
  let text = '';
  raw.setEncoding('utf8');
  for await (const piece of raw) text += piece as string;
  assert.equal(text, 'data: 1\n\ndata: 2\n\n');
  assert.equal(rawBodyOf(new Response('x')), undefined);

  // The same bytes through a WHATWG stream, made when `.body` is asked for.
  const viaStream = await createNodeFetch()(`${srv.url}/s`);
  const reader = viaStream.body!.getReader();
  let streamed = '';
  const decoder = new TextDecoder();
  for (let r = await reader.read(); !r.done; r = await reader.read()) streamed += decoder.decode(r.value, { stream: true });
  assert.equal(streamed, 'data: 1\n\ndata: 2\n\n');
});

test('node fetch: abort before the headers rejects with the reason; after them it ends the body', async (t) => {
  let arrived!: () => void;
  const slowArrived = new Promise<void>((r) => (arrived = r));
  const srv = await serve((req, res) => {
    if (req.url === '/slow') return arrived(); // never answers
    res.writeHead(200);
    res.write('first');
  });
  t.after(srv.close);
  const f = createNodeFetch();
  const early = new AbortController();
  const pending = f(`${srv.url}/slow`, { signal: early.signal });
  await slowArrived;
  early.abort(new Error('gave up'));
  await assert.rejects(pending, /gave up/);

  const late = new AbortController();
  const res = await f(`${srv.url}/hang`, { signal: late.signal });
  const raw = rawBodyOf(res)!;
  const ended = new Promise<unknown>((r) => raw.once('error', r));
  late.abort(new Error('silence'));
  assert.match(String(await ended), /silence/);

  const already = new AbortController();
  already.abort();
  await assert.rejects(f(`${srv.url}/x`, { signal: already.signal }), { name: 'AbortError' });
});

test('node fetch: a refused connection is a TypeError with its cause (as undici reports it, so the SDK retries); redirect: error refuses a redirect', async (t) => {
  const srv = await serve((_req, res) => {
    res.writeHead(302, { location: 'http://elsewhere.invalid/' });
    res.end();
  });
  t.after(srv.close);
  const f = createNodeFetch();
  const dead = await serve(() => {});
  const deadUrl = dead.url;
  await dead.close();
  await assert.rejects(f(`${deadUrl}/x`), (err: unknown) => err instanceof TypeError && /ECONNREFUSED/.test(String((err as { cause?: { code?: string } }).cause?.code)));
  await assert.rejects(f(`${srv.url}/r`, { redirect: 'error' }), /fetch failed/);
  const plain = await f(`${srv.url}/r`);
  assert.equal(plain.status, 302);
});

test('node fetch: a status fetch cannot represent is a failed fetch, not a crash; a body nobody reads is let go', async (t) => {
  const srv = await serve((req, res) => {
    if (req.url === '/odd') {
      res.writeHead(999);
      res.end('?');
      return;
    }
    res.writeHead(429, { 'retry-after': '1' });
    res.write('slow down');
  });
  t.after(srv.close);
  const f = createNodeFetch({ unreadBodyMs: 20 });
  await assert.rejects(f(`${srv.url}/odd`), (err: unknown) => err instanceof TypeError && /fetch failed/.test((err as Error).message));
  const res = await f(`${srv.url}/limited`);
  assert.equal(res.status, 429);
  // The caller looked at the status only: the body (and its socket) is dropped after a while.
  await new Promise<void>((resolve) => rawBodyOf(res)!.once('close', resolve));
  assert.equal(rawBodyOf(res)!.destroyed, true);
});

test('node fetch: with idleTimeoutMs, a server that goes silent fails the request, before or after the headers', async (t) => {
  const srv = await serve((req, res) => {
    if (req.url === '/headers-then-silence') {
      res.writeHead(200);
      res.write('{"ok":');
    }
    // otherwise: never answers
  });
  t.after(srv.close);
  const f = createNodeFetch({ idleTimeoutMs: 30 });
  await assert.rejects(f(`${srv.url}/silent`), (err: unknown) => err instanceof TypeError && /no traffic for 30 ms/.test(String((err as { cause?: Error }).cause?.message)));
  const res = await f(`${srv.url}/headers-then-silence`);
  await assert.rejects(res.json(), /no traffic|terminated|aborted/);
});
