// The alerts' poster over Slack: renders an alert's Reply as Block Kit (blocks.ts) and sends it
// with chat.postMessage. Errors are the client's own (WebAPIPlatformError, WebAPIRateLimitedError
// with retryAfter, …), which the outbox classifies for its retry time. An alert recorded before
// the outbox kept replies carries the message rendered then, and is posted as it is.
import { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Reply } from '../../domain/reply.js';
import type { AlertPost } from '../../features/alerts/types.js';
import { renderBlocks, type SlackMessage } from './blocks.js';
import { uploadChart, type FileUploader } from './chart-upload.js';
import { clip, escapeMrkdwn } from './escape.js';

/** The client methods used (so any WebClient, Bolt's app.client included, fits); `files` to upload an alert's chart. */
export interface ChatPoster {
  chat: { postMessage(args: { channel: string; text: string; blocks: SlackMessage['blocks']; unfurl_links?: boolean; unfurl_media?: boolean }): Promise<unknown> };
  files?: FileUploader['files'];
}

/** The Slack message of an alert: its Reply as Block Kit, with the alert's text as the notification text. */
export function alertMessage(alert: { text: string; reply: Reply }): SlackMessage {
  const rendered = renderBlocks(alert.reply);
  return { ...rendered, text: clip(escapeMrkdwn(alert.text), 3000) };
}

/**
 * Posts the alert; an alert whose Reply carries a chart (the weekly spend report) then gets it as
 * a PNG in the posted message's thread. The chart never fails the post: what went wrong is
 * logged, and the outbox does not post the alert again for it.
 */
export function slackPoster(client: ChatPoster, log?: Logger): AlertPost {
  return async (alert) => {
    const message = 'reply' in alert ? alertMessage(alert) : (alert.prerendered as SlackMessage);
    const posted = await client.chat.postMessage({ channel: alert.channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
    const chart = 'reply' in alert ? alert.reply.chart : undefined;
    const ts = (posted as { ts?: unknown } | null)?.ts;
    if (chart && client.files && log) {
      await uploadChart(chart, { files: client.files }, { channel: alert.channel, ...(typeof ts === 'string' ? { thread_ts: ts } : {}) }, log);
    }
    return posted;
  };
}

/**
 * The poster routeops uses: its own Web API client with few retries and rate limits raised as
 * errors, so a slow or limited Slack sends the alert to the outbox instead of blocking the job.
 */
export function alertPoster(botToken: string, apiUrl?: string, log?: Logger): AlertPost {
  const client = new webApi.WebClient(botToken, { ...(apiUrl ? { slackApiUrl: apiUrl } : {}), retryConfig: { retries: 1 }, rejectRateLimitedCalls: true });
  return slackPoster(client, log);
}
