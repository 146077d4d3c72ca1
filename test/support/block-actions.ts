// A button click as Slack sends it: a signed block_actions payload (form field `payload=`) on
// /slack/events, for a message the fake Slack holds. Resolves once acked, with the path its
// response_url answers go to.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestApp } from './app.js';
import { SIGNING_SECRET } from './app.js';
import type { StoredMessage } from './fake-slack.js';
import { postSigned } from './slack-request.js';

export interface ClickedAction {
  id: string;
  blockId?: string;
  value: string;
  /** The element clicked: a `button` unless said (e.g. `feedback_buttons`, whose value names the half clicked). */
  type?: string;
}

/** Posts the click; resolves with the HTTP status and the path its response_url answers go to. `tamper` alters the body after signing. */
export async function postClick(app: TestApp, message: StoredMessage, user: string, action: ClickedAction, opts: { tamper?: (b: string) => string } = {}): Promise<{ status: number; respondPath: string }> {
  const respondPath = `/respond/${randomUUID()}`;
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0ROUTEOPS',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    trigger_id: '398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
    team: { id: 'T0TEST', domain: 'routeops-test' },
    channel: { id: message.channel, name: 'alerts' },
    message: { type: 'message', user: 'U0BOT', bot_id: 'B0BOT', ts: message.ts, text: message.text, blocks: message.blocks },
    response_url: `${app.slack.baseUrl}${respondPath}`,
    actions: [{ action_id: action.id, block_id: action.blockId ?? action.id, text: { type: 'plain_text', text: 'Button' }, value: action.value, type: action.type ?? 'button', action_ts: '1784548800.000100' }],
  };
  const res = await postSigned(`${app.url}/slack/events`, SIGNING_SECRET, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), opts);
  return { status: res.status, respondPath };
}

/** A click Slack's signature lets through: asserts it was acked (200). */
export async function clickButton(app: TestApp, message: StoredMessage, user: string, action: ClickedAction): Promise<string> {
  const { status, respondPath } = await postClick(app, message, user, action);
  assert.equal(status, 200);
  return respondPath;
}
