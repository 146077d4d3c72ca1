import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidSlackRequest } from '@slack/bolt';
import { slackSignature } from '../support/slack-request.js';

// Slack's published example (docs/PROVIDERS.md §5).
const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const timestamp = 1531420618;
const body =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const published = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

test('our signing helper reproduces Slack published signature', () => {
  assert.equal(slackSignature(secret, timestamp, body), published);
});

test('Bolt accepts the published example at its own time', () => {
  const ok = isValidSlackRequest({
    signingSecret: secret,
    body,
    headers: { 'x-slack-signature': published, 'x-slack-request-timestamp': timestamp },
    nowMilliseconds: timestamp * 1000 + 1000,
  });
  assert.equal(ok, true);
});

test('a tampered body is rejected', () => {
  const ok = isValidSlackRequest({
    signingSecret: secret,
    body: body.replace('text=', 'text=%2Fspend'),
    headers: { 'x-slack-signature': published, 'x-slack-request-timestamp': timestamp },
    nowMilliseconds: timestamp * 1000 + 1000,
  });
  assert.equal(ok, false);
});

test('a stale timestamp (over 5 minutes) is rejected even with a correct signature', () => {
  const ok = isValidSlackRequest({
    signingSecret: secret,
    body,
    headers: { 'x-slack-signature': published, 'x-slack-request-timestamp': timestamp },
    nowMilliseconds: (timestamp + 5 * 60 + 1) * 1000,
  });
  assert.equal(ok, false);
});
