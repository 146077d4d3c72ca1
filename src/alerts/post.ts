// The AlertPost over a Slack Web API client: chat.postMessage with the rendered blocks. Errors
// are the client's own (WebAPIPlatformError, WebAPIRateLimitedError with retryAfter, …), which
// the outbox classifies for its retry time. Build the client with `rejectRateLimitedCalls: true`
// (or few retries) if a rate limit should go to the outbox instead of blocking the job.
import type { SlackMessage } from '../slack/blocks.js';
import type { AlertPost } from './types.js';

/** The one client method used (so any WebClient, Bolt's app.client included, fits). */
export interface ChatPoster {
  chat: { postMessage(args: { channel: string; text: string; blocks: SlackMessage['blocks']; unfurl_links?: boolean; unfurl_media?: boolean }): Promise<unknown> };
}

export function slackPoster(client: ChatPoster): AlertPost {
  return (channel, message) => client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
}
