// What the Slack receiver refuses before Bolt sees a request (docs/ARCHITECTURE.md §3.3): bodies
// over 1 MiB (413, without reading them), timestamps more than 5 minutes off in either direction
// (401), and signed bodies that are no command, event or interaction (400 at once, not Bolt's 404
// after 3 s). The real app over HTTP, with requests signed as Slack signs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, SIGNING_SECRET } from '../support/app.js';
import { postEvent, postSigned, slackSignature, slashCommandBody } from '../support/slack-request.js';
import { postLazyBody } from '../support/big-body.js';
import { SLACK_READS_IN_FLIGHT_MAX } from '../../src/adapters/slack/request-check.js';

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

test('a /slack/events body over 1 MiB is refused with 413 before it is read, whether its length is declared or chunked', async (t) => {
  const ta = await startTestApp({ owner: t });
  const ts = String(Math.floor(Date.now() / 1000));
  // Unsigned, as an attacker would send it: the cap comes before the signature check.
  const headers = { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': 'v0=00' };
  for (const declareLength of [true, false]) {
    const res = await postLazyBody(`${ta.url}/slack/events`, { totalBytes: GiB, declareLength, headers });
    assert.equal(res.status, 413, `declared length: ${declareLength}`);
    assert.match(res.text, /body over 1048576 bytes/);
    // The client could only hand over what the socket buffers hold: the server stopped reading.
    assert.ok(res.producedBytes < 64 * MiB, `only ${(res.producedBytes / MiB).toFixed(1)} MiB of the 1 GiB body was sent (declared length: ${declareLength})`);
  }
});

test('a signed /slack/events body just under 1 MiB is still taken', async (t) => {
  const ta = await startTestApp({ owner: t });
  const body = JSON.stringify({ type: 'url_verification', challenge: 'big', token: 't', padding: 'x'.repeat(MiB - 200) });
  assert.ok(Buffer.byteLength(body) < MiB);
  const res = await postEvent(`${ta.url}/slack/events`, SIGNING_SECRET, body);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { challenge: 'big' });
});

test('a signed request timestamped more than 5 minutes ahead is refused, as one 5 minutes old is; within 5 minutes either way it is taken', async (t) => {
  const ta = await startTestApp({ owner: t });
  const events = `${ta.url}/slack/events`;
  const now = Math.floor(Date.now() / 1000);
  const help = () => slashCommandBody({ command: '/help', text: '', response_url: `${ta.slack.baseUrl}/respond/skew` });
  assert.equal((await postSigned(events, SIGNING_SECRET, help(), { timestamp: now + 6 * 60 })).status, 401, '6 minutes ahead');
  assert.equal((await postSigned(events, SIGNING_SECRET, help(), { timestamp: now + 3600 })).status, 401, 'an hour ahead');
  assert.equal((await postSigned(events, SIGNING_SECRET, help(), { timestamp: now - 6 * 60 })).status, 401, '6 minutes old');
  assert.equal((await postSigned(events, SIGNING_SECRET, help(), { timestamp: now + 4 * 60 })).status, 200, '4 minutes ahead');
  assert.equal((await postSigned(events, SIGNING_SECRET, help(), { timestamp: now - 4 * 60 })).status, 200, '4 minutes old');
  // A timestamp that is no number of seconds is refused too.
  const body = help();
  const odd = await fetch(events, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': `${now}.5`, 'x-slack-signature': slackSignature(SIGNING_SECRET, `${now}.5`, body) },
    body,
  });
  assert.equal(odd.status, 401);
});

test('a signed empty or malformed body gets 400 with a short message at once, not a 404', async (t) => {
  const ta = await startTestApp({ owner: t });
  const events = `${ta.url}/slack/events`;
  const cases: Array<[string, () => Promise<Response>]> = [
    ['empty form', () => postSigned(events, SIGNING_SECRET, '')],
    ['form without Slack fields', () => postSigned(events, SIGNING_SECRET, 'foo=bar')],
    ['form with a payload that is not JSON', () => postSigned(events, SIGNING_SECRET, 'payload=%7Bnot-json')],
    ['empty JSON body', () => postEvent(events, SIGNING_SECRET, '')],
    ['JSON object without a kind', () => postEvent(events, SIGNING_SECRET, '{}')],
    ['JSON null', () => postEvent(events, SIGNING_SECRET, 'null')],
    ['JSON array', () => postEvent(events, SIGNING_SECRET, '[]')],
    ['event_callback without its event', () => postEvent(events, SIGNING_SECRET, JSON.stringify({ type: 'event_callback', event_id: 'Ev0NOEVENT' }))],
    ['a command that is not a slash command', () => postSigned(events, SIGNING_SECRET, 'command=ask&text=hi')],
  ];
  for (const [what, send] of cases) {
    const res = await send();
    assert.equal(res.status, 400, what);
    const text = await res.text();
    assert.match(text, /^(malformed body|not a Slack request): /, what);
    assert.ok(text.length < 200, `${what}: a short message`);
  }
  assert.deepEqual(ta.slack.calls.map((c) => c.method).filter((m) => m !== 'auth.test'), [], 'none of them reached a listener');
});

test('Slack’s app_rate_limited notice is acked', async (t) => {
  const ta = await startTestApp({ owner: t });
  const res = await postEvent(`${ta.url}/slack/events`, SIGNING_SECRET, JSON.stringify({ token: 't', type: 'app_rate_limited', team_id: 'T0TEST', minute_rate_limited: 1_763_900_000, api_app_id: 'A0ROUTEOPS' }));
  assert.equal(res.status, 200);
});

test('at most 64 Slack bodies are read at once before their signature is checked; the next gets 503 and a signed request is served once they end', async (t) => {
  const { request } = await import('node:http');
  const ta = await startTestApp({ owner: t });
  const url = new URL(`${ta.url}/slack/events`);
  // 64 slow unsigned bodies: headers sent, the body never finished.
  const held = Array.from({ length: SLACK_READS_IN_FLIGHT_MAX }, () => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000' } });
    req.on('error', () => {});
    req.write('{"a":');
    return req;
  });
  // Never left open, even when an assertion fails (the server would wait for them at close).
  t.after(() => held.forEach((req) => req.destroy()));
  // The server has taken them all once a further one is refused.
  let refused: Response | undefined;
  for (let i = 0; i < 200 && refused?.status !== 503; i++) refused = await postSigned(`${ta.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/help', text: '', response_url: `${ta.slack.baseUrl}/respond/flood` }));
  assert.equal(refused?.status, 503);
  assert.equal(refused?.headers.get('retry-after'), '1');
  for (const req of held) req.destroy();
  let served: Response | undefined;
  for (let i = 0; i < 200 && served?.status !== 200; i++) served = await postSigned(`${ta.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/help', text: '', response_url: `${ta.slack.baseUrl}/respond/flood` }));
  assert.equal(served?.status, 200);
});
