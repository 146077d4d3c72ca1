import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChatApi, SlackCallError } from '../../src/adapters/slack/chat-api.js';
import { createNodeFetch } from '../../src/upstream/http/node-fetch.js';

test('chat api: JSON posts with the bot token; ok:false and rate limits come back in the WebClient error shape', async (t) => {
  const seen: Array<{ path: string; auth: string | undefined; type: string | undefined; body: Record<string, unknown> }> = [];
  const script: Array<(res: http.ServerResponse) => void> = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(raw) as Record<string, unknown> });
      const next = script.shift();
      if (next) return next(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, channel: 'C1', ts: '111.222' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const { port } = server.address() as AddressInfo;
  const chat = createChatApi({ token: 'xoxb-test', apiUrl: `http://127.0.0.1:${port}/api/`, fetch: createNodeFetch() });

  assert.deepEqual(await chat.postMessage({ channel: 'C1', text: 'hi <b>', blocks: [{ type: 'section' }] }), { ts: '111.222', channel: 'C1' });
  assert.deepEqual(seen[0], { path: '/api/chat.postMessage', auth: 'Bearer xoxb-test', type: 'application/json; charset=utf-8', body: { channel: 'C1', text: 'hi <b>', blocks: [{ type: 'section' }] } });

  script.push((res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: 'msg_too_long' }));
  });
  await assert.rejects(chat.update({ channel: 'C1', ts: '111.222', text: 'x' }), (err: unknown) => err instanceof SlackCallError && err.code === 'slack_webapi_platform_error' && err.data['error'] === 'msg_too_long' && /chat\.update/.test(err.message));

  // Rate limited: waited out (Retry-After), then sent again.
  script.push((res) => {
    res.writeHead(429, { 'retry-after': '0' });
    res.end();
  });
  await chat.update({ channel: 'C1', ts: '111.222', text: 'again' });
  assert.deepEqual(seen.slice(-2).map((s) => s.body['text']), ['again', 'again']);

  // Still limited after the retries: a rate-limited error.
  for (let i = 0; i < 3; i++) script.push((res) => { res.writeHead(429, { 'retry-after': '0' }); res.end(); });
  await assert.rejects(chat.postMessage({ channel: 'C1', text: 'z' }), (err: unknown) => err instanceof SlackCallError && err.code === 'slack_webapi_rate_limited_error');
});
