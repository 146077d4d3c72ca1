// Reading request bodies and writing responses: JSON, a profile's error body, raw text.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCategory, Profile } from './profile.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** An error in the profile's body shape (and its request-id header, if it sends one). */
export function sendError(
  res: ServerResponse,
  profile: Profile,
  cat: ErrorCategory,
  ctx: { model?: string; message?: string; status?: number },
  reqId: string,
  extraHeaders: Record<string, string> = {},
): void {
  const r = profile.error(cat, { ...ctx, requestId: reqId });
  const headers: Record<string, string> = { ...extraHeaders };
  if (profile.requestIdHeader) headers['x-request-id'] = reqId;
  sendJson(res, ctx.status ?? r.status, r.body, headers);
}

/** Writes unless the response is gone; false if it is. */
export function write(res: ServerResponse, text: string): boolean {
  if (res.destroyed || res.writableEnded) return false;
  res.write(text);
  return true;
}
