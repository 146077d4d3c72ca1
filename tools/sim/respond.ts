// Sending a planned answer: as server-sent events (with the profile's keep-alive comments) or
// as one JSON body, and with the stream faults applied: slow first token, hang (silent or with
// keep-alives), cut, truncated, malformed data, an error event mid-stream, a stream that never
// ends, an HTML page instead of the reply, a byte order mark.
import type { ServerResponse } from 'node:http';
import { buildChunks, chunkBase, usageBody } from './chunks.js';
import type { Faults } from './faults.js';
import { write } from './http-io.js';
import type { Plan } from './plan.js';
import type { Profile } from './profile.js';
import type { SimTimers } from './timers.js';

function commentFor(profile: Profile): string | null {
  // docs/PROVIDERS.md §1: "DeepSeek sends `: keep-alive` while waiting under load …; OpenRouter sends `: OPENROUTER PROCESSING`."
  if (profile.name === 'deepseek') return ': keep-alive\n\n';
  if (profile.name === 'openrouter') return ': OPENROUTER PROCESSING\n\n';
  return null;
}

/** How often a hung provider sends its keep-alive (hangWithKeepAlives). */
const KEEP_ALIVE_EVERY_MS = 100;

/** What a captive proxy or login portal answers in place of the provider (htmlBody). */
const CAPTIVE_PAGE = '<!DOCTYPE html>\n<html><head><title>Network login required</title></head><body><h1>Sign in to continue</h1><form method="post" action="/login"><input name="user"></form></body></html>\n';

/** A 200 with an HTML page in place of the provider's answer (also balance-http.ts). */
export function sendCaptivePage(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(CAPTIVE_PAGE)) });
  res.end(CAPTIVE_PAGE);
}

/** Waits for what was written to reach the socket, lets the client read it, then destroys it. */
function cut(timers: SimTimers, res: ServerResponse) {
  res.write('', () => {
    void timers.wait(20).then(() => res.socket?.destroy());
  });
}

/**
 * Streams the plan as server-sent events, with the stream faults applied. True when the answer
 * was sent to its end (the call is billed: chat.ts).
 */
export async function streamPlan(timers: SimTimers, res: ServerResponse, profile: Profile, plan: Plan, b: Record<string, unknown>, faults: Faults | null, headers: Record<string, string>): Promise<boolean> {
  if (faults?.htmlBody) {
    sendCaptivePage(res);
    return false;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
  res.flushHeaders();
  if (faults?.bom) write(res, '\uFEFF');
  const comment = commentFor(profile);
  if (profile.name === 'openrouter') write(res, comment!);
  if (faults?.hang) return false;
  if (faults?.hangWithKeepAlives) {
    // docs/PROVIDERS.md §1: DeepSeek sends `: keep-alive` while it waits under load (up to 10 minutes).
    const ka = comment ?? ': keep-alive\n\n';
    write(res, ka);
    timers.every(KEEP_ALIVE_EVERY_MS, () => write(res, ka));
    return false;
  }
  const interval = (ms: number) => Math.max(20, Math.min(1000, Math.floor(ms / 4)));
  if (faults?.slowFirstTokenMs) {
    const ms = faults.slowFirstTokenMs;
    const start = Date.now();
    if (comment) {
      write(res, comment);
      timers.every(interval(ms), () => !res.destroyed && (Date.now() < start + ms) && write(res, comment));
    }
    await timers.wait(ms);
  }
  const { chunks, tail } = buildChunks(profile, plan, b, faults);
  const all = faults?.neverEnd ? chunks : [...chunks, ...tail];
  if (faults?.truncatedBody) {
    // The first half of the chunks, then part of the next line, and a clean end of the body.
    const keep = Math.max(1, Math.floor(chunks.length / 2));
    for (const c of chunks.slice(0, keep)) write(res, `data: ${JSON.stringify(c)}\n\n`);
    write(res, `data: ${JSON.stringify(all[keep]).slice(0, 24)}`);
    res.end();
    return false;
  }
  let sent = 0;
  for (const c of all) {
    if (faults?.cutAfterChunks !== undefined && sent >= faults.cutAfterChunks) {
      cut(timers, res);
      return false;
    }
    if (faults?.midStreamError && sent === 2) {
      // docs/PROVIDERS.md §1 OpenRouter: "after streaming starts, errors arrive as a `data:` event with an `error` field on an HTTP 200"
      const err = {
        ...chunkBase(profile, plan),
        error: { code: 502, message: 'Provider disconnected unexpectedly', metadata: { provider_name: 'Upstream' } },
        choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
      };
      write(res, `data: ${JSON.stringify(err)}\n\n`);
      write(res, 'data: [DONE]\n\n');
      res.end();
      return false;
    }
    write(res, `data: ${JSON.stringify(c)}\n\n`);
    sent++;
    if (faults?.malformedChunk && sent === 1) write(res, 'data: {"id": "oops", this is not json\n\n');
  }
  if (faults?.neverEnd) {
    const ka = comment ?? ': keep-alive\n\n';
    timers.every(interval(1000), () => write(res, ka));
    return false;
  }
  write(res, 'data: [DONE]\n\n');
  res.end();
  return true;
}

/**
 * Sends the plan as one JSON body (blank lines first while slow, where the profile sends them).
 * True when the body was sent whole (the call is billed: chat.ts).
 */
export async function sendPlan(timers: SimTimers, res: ServerResponse, profile: Profile, plan: Plan, faults: Faults | null, headers: Record<string, string>): Promise<boolean> {
  const message: Record<string, unknown> = { role: 'assistant', content: plan.content };
  if (plan.reasoning) message['reasoning_content'] = plan.reasoning;
  if (plan.toolCalls.length) {
    message['tool_calls'] = plan.toolCalls.map((t, index) => ({ index, id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
  }
  const out: Record<string, unknown> = {
    id: plan.id,
    object: 'chat.completion',
    created: plan.created,
    model: plan.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finish }],
  };
  if (faults?.htmlBody) {
    sendCaptivePage(res);
    return false;
  }
  const usage = usageBody(profile, plan, faults);
  if (usage) out['usage'] = usage;
  const text = (faults?.bom ? '\uFEFF' : '') + (faults?.malformedChunk ? '{"id": "oops", this is not json' : JSON.stringify(out));
  const slow = faults?.slowFirstTokenMs ?? 0;
  const blankLines = profile.name === 'deepseek' || faults?.neverEnd;
  if (faults?.hang || faults?.neverEnd || faults?.hangWithKeepAlives || (slow && blankLines) || faults?.cutAfterChunks !== undefined || faults?.truncatedBody) {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.flushHeaders();
    if (faults?.hang) return false;
    if (faults?.neverEnd || faults?.hangWithKeepAlives) {
      // docs/PROVIDERS.md §1: non-streaming requests get blank lines while DeepSeek waits under load.
      write(res, '\n');
      timers.every(faults.hangWithKeepAlives ? KEEP_ALIVE_EVERY_MS : 200, () => write(res, '\n'));
      return false;
    }
    if (faults?.cutAfterChunks !== undefined || faults?.truncatedBody) {
      write(res, text.slice(0, Math.floor(text.length / 2)));
      // A cut drops the connection; a truncated body ends cleanly (the proxy thought it was whole).
      if (faults.truncatedBody) {
        res.end();
        return false;
      }
      cut(timers, res);
      return false;
    }
    // docs/PROVIDERS.md §1: "non-streaming requests get blank lines before the JSON body" (DeepSeek under load).
    write(res, '\n');
    const until = Date.now() + slow;
    timers.every(Math.max(20, Math.min(1000, Math.floor(slow / 4))), () => Date.now() < until && write(res, '\n'));
    await timers.wait(slow);
    write(res, text);
    res.end();
    return true;
  }
  if (slow) await timers.wait(slow);
  if (res.destroyed) return false;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
  return true;
}
