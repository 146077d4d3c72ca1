// Reading a streamed response's server-sent events: from node:http's own stream when our
// transport made the response (src/upstream/http/node-fetch.ts), else from the web body.
import { rawBodyOf } from '../http/node-fetch.js';
import { SilenceTimeoutError, StreamCutError } from './errors.js';
import { SseDecoder, type SseEvent } from './sse.js';

/** How long a body that stays open after [DONE] is still read before its connection is dropped. */
const DONE_LINGER_MS = 5000;

/**
 * Reads a streamed response's SSE events, handing each arriving batch to `onEvents` (which may
 * throw to stop, or return true once the stream is complete: `[DONE]`). Resolves at the end of
 * the body or once complete; rejects when it is cut, errored or aborted before.
 */
export function readEvents(response: Response, onEvents: (events: SseEvent[]) => boolean): Promise<void> {
  const decoder = new SseDecoder();
  const batch: SseEvent[] = [];
  /** True once the stream said it is complete. */
  const take = (text: string): boolean => {
    decoder.push(text, batch);
    if (batch.length === 0) return false;
    try {
      return onEvents(batch);
    } finally {
      batch.length = 0;
    }
  };
  const raw = rawBodyOf(response);
  if (raw) {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        raw.destroy();
        reject(err);
      };
      raw.setEncoding('utf8');
      raw.on('data', (text: string) => {
        if (settled) return;
        try {
          if (!take(text)) return;
        } catch (err) {
          return fail(err);
        }
        // Complete: the answer is whole even if the server keeps the body open after [DONE]. The
        // rest is read and dropped (the connection stays reusable), for a while.
        settled = true;
        resolve();
        if (!raw.readableEnded) setTimeout(() => raw.readableEnded || raw.destroy(), DONE_LINGER_MS).unref();
      });
      raw.once('end', () => {
        if (settled) return;
        settled = true;
        decoder.end();
        resolve();
      });
      // Destroyed by an abort (its reason), or the connection dropped mid-body.
      raw.once('error', (err) => {
        if (!settled) fail(err instanceof SilenceTimeoutError || (err as { name?: string }).name === 'AbortError' ? err : new StreamCutError(err));
      });
      raw.once('close', () => {
        if (!settled) fail(new StreamCutError());
      });
    });
  }
  return (async () => {
    if (!response.body) throw new StreamCutError();
    const reader = response.body.getReader();
    const text = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (take(text.decode(value, { stream: true }))) {
          await reader.cancel().catch(() => {});
          return;
        }
      }
      take(text.decode());
      decoder.end();
    } catch (err) {
      await reader.cancel().catch(() => {});
      throw err;
    }
  })();
}

