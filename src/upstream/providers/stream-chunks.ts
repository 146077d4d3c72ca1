// Reading a streamed chat reply chunk by chunk, for chatStream (client.ts) and the gateway's
// forwarded calls (forward.ts): as the SDK's Stream does, [DONE] ends it, an `error` member is
// an APIError, anything not JSON is a SyntaxError (a malformed reply). Each chunk keeps the
// silence watch quiet and goes to the assembler; the first token clears the first-token timer.
// A 200 that carried no event (an HTML page, a JSON body) or ended before its last chunk (no
// [DONE], no finish_reason) is no answer, whatever part of one it held.
import { APIError } from 'openai';
import { isJsonObject } from '../../domain/json.js';
import type { StreamAssembler } from './assemble.js';
import type { Call, SilenceWatch } from './call.js';
import { MalformedReplyError } from './errors.js';
import { readEvents } from './read-events.js';
import type { StreamDelta } from './types.js';

export interface ChunkReading {
  asm: StreamAssembler;
  call: Call;
  watch: SilenceWatch;
  firstToken: NodeJS.Timeout | null;
  now(): number;
  /** A chunk that is not a JSON object is malformed (the gateway passes chunks on as objects). */
  objectsOnly?: boolean;
  /** Each chunk as it arrives: its event data, the parsed chunk and its deltas. */
  onChunk(data: string, chunk: unknown, deltas: StreamDelta[]): void;
}

export async function readChunks(response: Response, r: ChunkReading): Promise<void> {
  let gotToken = r.firstToken === null;
  let done = false;
  await readEvents(response, (events) => {
    for (const ev of events) {
      if (done) return true;
      if (ev.data.startsWith('[DONE]')) {
        done = true;
        return true;
      }
      if (ev.event !== null && ev.event.startsWith('thread.')) continue;
      const chunk = JSON.parse(ev.data) as unknown;
      if (r.objectsOnly && !isJsonObject(chunk)) throw new MalformedReplyError('a stream event was not a JSON object');
      if (isJsonObject(chunk) && chunk['error']) throw new APIError(undefined, chunk['error'] as object, undefined, response.headers);
      r.watch.touch();
      const deltas = r.asm.push(chunk, r.now());
      if (!gotToken && deltas.length) {
        gotToken = true;
        r.call.clear(r.firstToken);
      }
      r.onChunk(ev.data, chunk, deltas);
    }
    return false;
  });
  if (r.call.controller.signal.aborted) throw r.call.timedOut ?? new DOMException('aborted', 'AbortError');
  if (r.asm.chunks === 0) throw new MalformedReplyError(`the reply was not an event stream (${response.headers.get('content-type')?.split(';')[0] || 'no content type'})`);
  if (!done && r.asm.finishReason === null) throw new MalformedReplyError('the stream ended before its last chunk (no finish_reason, no [DONE])');
}
