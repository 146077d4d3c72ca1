// Request bodies read under a cap, for the endpoints that take one (/slack/events and
// POST /v1/usage, docs/ARCHITECTURE.md §3.3). A body whose Content-Length is over the cap is
// refused before any of it is read; a chunked one stops being read when it passes the cap. The
// refusal (413) is written before the connection closes, with `Connection: close`: Node then ends
// the socket once the answer is flushed, so the client reads the 413 instead of a reset, and the
// rest of the body is never buffered.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** True when the request declares a body longer than `limit` bytes (Content-Length). */
export function declaresMoreThan(req: IncomingMessage, limit: number): boolean {
  const declared = req.headers['content-length'];
  return declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit;
}

/** Bytes read before the reader lets the event loop serve others. */
const YIELD_EVERY = 1024 * 1024;

/**
 * The whole body, as the pieces it arrived in, or null when it declares more than `limit` bytes
 * (then nothing is read) or once it passes `limit`: reading then stops (the request is paused,
 * what was read is dropped). Either way the caller answers with refuseTooLarge. Rejects when the
 * client goes away mid-body.
 *
 * Read in slices: after each YIELD_EVERY bytes the request waits for the next turn of the event
 * loop, so requests queued behind it (a Slack ack) are served in between. The pieces are kept as
 * they are, never copied here: Node's HTTP parser hands each one over in a buffer of its own, so
 * a large body can move to a worker thread without a copy (src/app/ingest.ts copies a piece that
 * does not own its memory). Copying 17 MB on this thread, page faults included, took 50-90 ms
 * on a shared VM (bench/ingest.ts).
 */
export function readBodyCapped(req: IncomingMessage, limit: number): Promise<Buffer[] | null> {
  if (declaresMoreThan(req, limit)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const pieces: Buffer[] = [];
    let size = 0;
    let sinceYield = 0;
    let settled = false;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        done();
        pieces.length = 0;
        req.pause();
        resolve(null);
        return;
      }
      pieces.push(c);
      sinceYield += c.length;
      if (sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        req.pause();
        setImmediate(() => {
          if (!settled) req.resume();
        });
      }
    };
    const onEnd = () => {
      done();
      resolve(pieces);
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const done = () => {
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * Answers `status` (413) with a short text and closes the connection after it: the unread rest
 * of the body is not read on (keep-alive would make Node read all of it to reach the next
 * request).
 */
export function refuseTooLarge(res: ServerResponse, body: { contentType: string; text: string }, status = 413): void {
  res.writeHead(status, { 'content-type': body.contentType, 'content-length': Buffer.byteLength(body.text), connection: 'close' });
  res.end(body.text);
}

/**
 * Reads and drops the rest of a refused body, up to `maxBytes`: true once it ended (the refusal
 * can then go out on a connection that stays open, and a client that writes its whole body
 * before reading, as the openai SDK does, reads it instead of a broken pipe); false when the body
 * is longer than that (the caller closes the connection). A client that waits for
 * `100 Continue` never sent the body: nothing to read.
 */
export function drainBody(req: IncomingMessage, maxBytes: number): Promise<boolean> {
  if (/100-continue/i.test(req.headers.expect ?? '') || declaresMoreThan(req, maxBytes)) return Promise.resolve(false);
  if (req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let size = 0;
    const done = (ok: boolean) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (!ok) req.pause();
      resolve(ok);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) done(false);
    };
    const onEnd = () => done(true);
    const onError = () => done(false);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.resume();
  });
}
