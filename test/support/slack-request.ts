// Builds slash-command requests signed the way Slack signs them (docs/PROVIDERS.md §5).
import { createHmac } from 'node:crypto';

export function slackSignature(secret: string, timestamp: number | string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SlashCommandFields {
  command: string;
  text: string;
  user_id?: string;
  channel_id?: string;
  response_url: string;
}

export function slashCommandBody(f: SlashCommandFields): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    team_domain: 'routeops-test',
    channel_id: f.channel_id ?? 'C0FINANCE',
    channel_name: 'finance',
    user_id: f.user_id ?? 'U0CFO',
    user_name: 'cfo',
    command: f.command,
    text: f.text,
    api_app_id: 'A0ROUTEOPS',
    is_enterprise_install: 'false',
    response_url: f.response_url,
    trigger_id: '398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  }).toString();
}

/** Posts a signed request to the app; `tamper` changes the body after signing. */
export async function postSigned(url: string, secret: string, body: string, opts: { timestamp?: number; tamper?: (b: string) => string } = {}): Promise<Response> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = slackSignature(secret, ts, body);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signature,
    },
    body: opts.tamper ? opts.tamper(body) : body,
  });
}

let eventCounter = 0;

/** An Events API callback body (app_mention, message, …) as Slack sends it. */
export function eventBody(event: Record<string, unknown>, eventId = `Ev0TEST${++eventCounter}`): string {
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0ROUTEOPS',
    event: { event_ts: event.ts, ...event },
    type: 'event_callback',
    event_id: eventId,
    event_time: 1_763_900_000,
    authorizations: [{ team_id: 'T0TEST', user_id: 'U0BOT', is_bot: true }],
  });
}

/** Posts a signed JSON event; `retryNum` marks it as one of Slack's retries. */
export async function postEvent(url: string, secret: string, body: string, retryNum?: number): Promise<Response> {
  const ts = Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': slackSignature(secret, ts, body),
      ...(retryNum !== undefined ? { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' } : {}),
    },
    body,
  });
}
