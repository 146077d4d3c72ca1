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

/**
 * The whole body, or null once it passes `limit` bytes: reading then stops (the request is
 * paused, what was read is dropped) and the caller answers with refuseTooLarge. Rejects when the
 * client goes away mid-body.
 */
export function readBodyCapped(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        done();
        chunks.length = 0;
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const done = () => {
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
