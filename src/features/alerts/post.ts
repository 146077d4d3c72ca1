// The AlertPost over a Slack Web API client: chat.postMessage with the rendered blocks. Errors
// are the client's own (WebAPIPlatformError, WebAPIRateLimitedError with retryAfter, …), which
// the outbox classifies for its retry time. Build the client with `rejectRateLimitedCalls: true`
// (or few retries) if a rate limit should go to the outbox instead of blocking the job.
import { webApi } from '@slack/bolt';
import type { SlackMessage } from '../../adapters/slack/blocks.js';
import type { AlertPost } from './types.js';

/** The one client method used (so any WebClient, Bolt's app.client included, fits). */
export interface ChatPoster {
  chat: { postMessage(args: { channel: string; text: string; blocks: SlackMessage['blocks']; unfurl_links?: boolean; unfurl_media?: boolean }): Promise<unknown> };
}

export function slackPoster(client: ChatPoster): AlertPost {
  return (channel, message) => client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
}

/**
 * The poster routeops uses: its own Web API client with few retries and rate limits raised as
 * errors, so a slow or limited Slack sends the alert to the outbox instead of blocking the job.
 */
export function alertPoster(botToken: string, apiUrl?: string): AlertPost {
  const client = new webApi.WebClient(botToken, { ...(apiUrl ? { slackApiUrl: apiUrl } : {}), retryConfig: { retries: 1 }, rejectRateLimitedCalls: true });
  return slackPoster(client);
}
