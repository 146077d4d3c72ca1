// Posts a large body made as it is sent, through node:http, which (like Slack's and most HTTP
// clients) reads an answer that arrives while it is still sending. Used to check that a server
// refuses an oversized body with its answer, instead of reading it all or resetting the connection.
import http from 'node:http';

export interface LazyBodyAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Bytes of body handed to the socket before the answer ended (the rest was never made). */
  producedBytes: number;
}

export interface LazyBodyOptions {
  /** Bytes the body would have if sent to the end. */
  totalBytes: number;
  headers?: Record<string, string>;
  /** Send Content-Length (true) or a chunked body (false). */
  declareLength: boolean;
  /** The byte the body is made of (default "a"). */
  fill?: string;
}

const CHUNK = 64 * 1024;

export function postLazyBody(url: string, opts: LazyBodyOptions): Promise<LazyBodyAnswer> {
  const chunk = Buffer.alloc(CHUNK, opts.fill ?? 'a');
  return new Promise((resolve, reject) => {
    let produced = 0;
    let answered = false;
    const headers = { ...opts.headers, ...(opts.declareLength ? { 'content-length': String(opts.totalBytes) } : {}) };
    const req = http.request(url, { method: 'POST', headers, agent: false }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, producedBytes: produced });
        req.destroy();
      });
      res.on('error', reject);
    });
    // Once answered, a write into the closed connection fails (EPIPE, ECONNRESET): expected then.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const write = () => {
      while (!answered && produced < opts.totalBytes) {
        const piece = opts.totalBytes - produced >= CHUNK ? chunk : chunk.subarray(0, opts.totalBytes - produced);
        produced += piece.length;
        if (!req.write(piece)) {
          req.once('drain', write);
          return;
        }
      }
      if (!answered) req.end();
    };
    write();
  });
}
