// Shared setup for the alert tests: the services fixture (services.ts) with a settable clock,
// usage rows, and a post function that fails like @slack/web-api until told otherwise.
import type { UsageInput } from '../../src/store/ledger.js';
import type { AlertPost } from '../../src/features/alerts/types.js';
import type { SlackMessage } from '../../src/adapters/slack/blocks.js';
import { slackPoster } from '../../src/adapters/slack/alert-poster.js';
import type { ConfigObject } from './config.js';
import { makeServices, type ServicesFixture } from './services.js';

export const ALERTS_CHANNEL = 'C0ALERTS';
export const REPORTS_CHANNEL = 'C0FINANCE';

/** The services fixture as the alert tests use it: `clock.now` moves time, `restart()` reopens the file. */
export type AlertTestEnv = ServicesFixture;

/** Services for `config` with the clock at `now`; the test calls `cleanup()`. */
export function alertEnv(config: ConfigObject, now: string): AlertTestEnv {
  return makeServices(config, { now });
}

let seq = 0;
/** One usage row; cost_usd makes an unpriced model cost exactly that. */
export function row(ts: string, provider: string, model: string, extra: Partial<UsageInput> = {}): UsageInput {
  return {
    ts,
    provider,
    model,
    input_tokens: 1000,
    cached_input_tokens: 0,
    output_tokens: 1000,
    reasoning_tokens: 0,
    request_id: `t${++seq}`,
    ...extra,
  };
}

/** An error shaped like @slack/web-api's WebAPIPlatformError. */
export function platformError(error: string): Error {
  return Object.assign(new Error(`An API error occurred: ${error}`), { code: 'slack_webapi_platform_error', data: { ok: false, error } });
}

/** An error shaped like @slack/web-api's WebAPIRateLimitedError (retryAfter in seconds). */
export function rateLimitedError(retryAfter: number): Error {
  return Object.assign(new Error(`A rate-limit has been reached, you may retry this request in ${retryAfter} seconds`), { code: 'slack_webapi_rate_limited_error', retryAfter });
}

/**
 * A post function that records deliveries and throws `failWith` while it is set: the Slack
 * poster over a fake chat client, so what is recorded is the rendered Slack message.
 */
export function fakePost(): { post: AlertPost; delivered: Array<{ channel: string; message: SlackMessage }>; attempts: number; failWith: Error | null } {
  const state = {
    delivered: [] as Array<{ channel: string; message: SlackMessage }>,
    attempts: 0,
    failWith: null as Error | null,
    post: (async () => undefined) as AlertPost,
  };
  state.post = slackPoster({
    chat: {
      postMessage({ channel, text, blocks }) {
        state.attempts++;
        if (state.failWith) return Promise.reject(state.failWith);
        state.delivered.push({ channel, message: { text, blocks } });
        return Promise.resolve({ ok: true });
      },
    },
  });
  return state;
}
