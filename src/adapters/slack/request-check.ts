// What the Slack receiver (receiver.ts) checks of a request once its body is read, before Bolt
// sees it: the signature, the timestamp in both directions, and that the body is something Slack
// sends. docs/PROVIDERS.md §5 has the Slack facts these rest on.
import bolt from '@slack/bolt';

/**
 * The largest /slack/events body read, in bytes. Slack's requests are small: the largest this
 * app subscribes to is a message event, whose text Slack cuts at 40,000 characters, carried
 * twice (text and rich_text blocks); even with every character JSON-escaped that stays under
 * 1 MiB. A body over it is refused (413) before it is buffered.
 */
export const SLACK_BODY_MAX_BYTES = 1024 * 1024;

/**
 * Bodies read at once before their signature can be checked. Slack's own requests are small and
 * read in a moment; without a bound, a flood of slow unsigned 1 MiB bodies held ~1 GB. With it,
 * at most 64 MiB are held, and the rest get 503 at once.
 */
export const SLACK_READS_IN_FLIGHT_MAX = 64;

/** How far a request's timestamp may be from our clock, either way (Slack's SDKs: 5 minutes). */
export const SLACK_MAX_CLOCK_SKEW_S = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Checks a request's signature as Slack's SDKs do: the timestamp must be within 5 minutes of
 * `nowMs` in either direction (Bolt for JavaScript checks only the past), then Bolt's own check
 * of the v0 HMAC over `v0:<timestamp>:<body>`.
 */
export function checkSlackSignature(signingSecret: string, headers: Record<string, string | string[] | undefined>, body: string, nowMs: number): SignatureCheck {
  const signature = header(headers, 'x-slack-signature');
  const timestamp = header(headers, 'x-slack-request-timestamp');
  if (signature === undefined || timestamp === undefined) return { ok: false, reason: 'missing x-slack-signature or x-slack-request-timestamp' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'x-slack-request-timestamp is not a Unix time in seconds' };
  const skew = Math.floor(nowMs / 1000) - Number(timestamp);
  if (Math.abs(skew) > SLACK_MAX_CLOCK_SKEW_S) {
    return { ok: false, reason: `x-slack-request-timestamp is ${Math.abs(skew)} s ${skew > 0 ? 'old' : 'in the future'} (at most ${SLACK_MAX_CLOCK_SKEW_S} s either way)` };
  }
  try {
    bolt.verifySlackRequest({ signingSecret, body, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) }, nowMilliseconds: nowMs });
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

/** What a parsed, signed body is; null when it is nothing Slack sends (Bolt would drop it unanswered). */
export type SlackPayloadKind = 'url_verification' | 'app_rate_limited' | 'event' | 'command' | 'interaction';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Interaction payload types that carry no `actions` array (Bolt's getTypeAndConversation). */
const INTERACTION_TYPES = new Set(['block_suggestion', 'dialog_submission', 'shortcut', 'message_action', 'view_submission', 'view_closed']);

/**
 * The kind of a parsed body, by the fields Bolt routes on (its getTypeAndConversation): an
 * Events API callback with its event, a slash command, an interaction, or one of the two
 * requests answered without a listener (URL verification, the rate-limit notice).
 */
export function slackPayloadKind(body: unknown): SlackPayloadKind | null {
  if (!isObject(body)) return null;
  if (body['type'] === 'url_verification') return typeof body['challenge'] === 'string' ? 'url_verification' : null;
  if (body['type'] === 'app_rate_limited') return 'app_rate_limited';
  if (body['event'] !== undefined) return isObject(body['event']) && typeof body['event']['type'] === 'string' ? 'event' : null;
  if (body['command'] !== undefined) return typeof body['command'] === 'string' && body['command'].startsWith('/') ? 'command' : null;
  if (Array.isArray(body['actions']) || body['name'] !== undefined || INTERACTION_TYPES.has(body['type'] as string)) return 'interaction';
  return null;
}
