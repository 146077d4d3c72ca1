// Builds slash-command requests signed the way Slack signs them (DOMAIN §5).
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
