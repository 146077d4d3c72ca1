import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, SIGNING_SECRET } from '../support/app.js';
import { slashCommandBody, postSigned, postEvent } from '../support/slack-request.js';

test('receiver: URL verification, SSL check, malformed bodies, wrong paths and unsigned requests', async (t) => {
  const ta = await startTestApp();
  t.after(() => ta.close());
  const events = `${ta.url}/slack/events`;

  const challenge = await postEvent(events, SIGNING_SECRET, JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 't' }));
  assert.equal(challenge.status, 200);
  assert.deepEqual(await challenge.json(), { challenge: 'abc123' });

  const ssl = await postSigned(events, SIGNING_SECRET, 'ssl_check=1&token=t');
  assert.equal(ssl.status, 200);

  assert.equal((await postEvent(events, SIGNING_SECRET, '{"type": "event_callback", ')).status, 400);
  assert.equal((await postEvent(events, 'not-the-signing-secret', JSON.stringify({ type: 'url_verification', challenge: 'x' }))).status, 401);
  assert.equal((await fetch(events)).status, 404);
  assert.equal((await postSigned(`${ta.url}/slack/other`, SIGNING_SECRET, 'ssl_check=1')).status, 404);
  assert.deepEqual(ta.slack.calls.map((c) => c.method).filter((m) => m !== 'auth.test'), [], 'nothing but the start-up auth.test reached the Web API');
});

test('receiver: /ask is acked (empty 200) before any of its work, which then still happens', async (t) => {
  const ta = await startTestApp();
  t.after(() => ta.close());
  // The answer's first Slack call is held: the ack must not wait for it.
  const release = ta.slack.holdNext('chat.postMessage');
  const res = await postSigned(`${ta.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/ask', text: 'what is routing?', response_url: `${ta.slack.baseUrl}/respond/1` }));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
  const posted = await ta.slack.waitFor('chat.postMessage');
  assert.equal(posted.body['channel'], 'C0FINANCE');
  release();
});
