// chat.postMessage and chat.update, the two Web API calls every answer makes (and chat.delete
// for a status line), sent straight as JSON over routeops' node:http fetch. Slack's WebClient
// (used for everything else) puts a request queue, a retry policy and debug serialisation of
// every body and result around each call: about a third of a millisecond of CPU per call, twice
// per answer. Failures take the WebClient's shape (`code` slack_webapi_platform_error,
// `data.error`), so callers treat both alike; a 429 is waited out (Retry-After, at most twice),
// as the WebClient would.

export interface ChatMessageArgs {
  channel: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  ts?: string;
  metadata?: { event_type: string; event_payload: Record<string, string> };
}

export interface ChatApi {
  postMessage(args: ChatMessageArgs): Promise<{ ts?: string; channel?: string }>;
  update(args: ChatMessageArgs & { ts: string }): Promise<unknown>;
  /** chat.delete of one of the bot's own messages (a streamed answer's status line, answer-status.ts). */
  delete(args: { channel: string; ts: string }): Promise<unknown>;
}

export interface ChatApiOptions {
  token: string;
  /** Web API base, ending in / (e.g. https://slack.com/api/). */
  apiUrl: string;
  /** A fetch that times out requests itself (createNodeFetch with idleTimeoutMs): no signal is passed. */
  fetch: typeof fetch;
}

const RATE_LIMIT_RETRIES = 2;

export class SlackCallError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  constructor(method: string, data: Record<string, unknown>, code = 'slack_webapi_platform_error') {
    super(`An API error occurred: ${String(data['error'] ?? 'unknown')} (${method})`);
    this.name = 'SlackCallError';
    this.code = code;
    this.data = data;
  }
}

export function createChatApi(opts: ChatApiOptions): ChatApi {
  const headers = { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json; charset=utf-8' };

  async function call(method: string, args: ChatMessageArgs | { channel: string; ts: string }): Promise<Record<string, unknown>> {
    const body = JSON.stringify(args);
    for (let attempt = 0; ; attempt++) {
      const res = await opts.fetch(`${opts.apiUrl}${method}`, { method: 'POST', headers, body });
      if (res.status === 429 && attempt < RATE_LIMIT_RETRIES) {
        const header = res.headers.get('retry-after');
        const seconds = header === null ? NaN : Number(header);
        await res.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, (Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 30) : 1) * 1000));
        continue;
      }
      if (res.status === 429) throw new SlackCallError(method, { ok: false, error: 'ratelimited' }, 'slack_webapi_rate_limited_error');
      let data: Record<string, unknown>;
      try {
        data = (await res.json()) as Record<string, unknown>;
      } catch {
        throw new SlackCallError(method, { ok: false, error: `http_${res.status}` }, 'slack_webapi_http_error');
      }
      if (data['ok'] !== true) throw new SlackCallError(method, data);
      return data;
    }
  }

  return {
    postMessage: async (args) => {
      const r = await call('chat.postMessage', args);
      return { ...(typeof r['ts'] === 'string' ? { ts: r['ts'] } : {}), ...(typeof r['channel'] === 'string' ? { channel: r['channel'] } : {}) };
    },
    update: (args) => call('chat.update', args),
    delete: (args) => call('chat.delete', args),
  };
}
