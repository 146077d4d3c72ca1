// A local node:http server that replays balance replies as the providers document them
// (docs/PROVIDERS.md §6): each path answers what the test set last (status, JSON or raw body), or
// hangs, and every request is kept (path and headers) so a test can see what was sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CleanupOwner } from './temp.js';

export type BalanceReply =
  | { status?: number; json: unknown }
  | { status?: number; raw: string; contentType?: string }
  | { hang: true }
  /** Answer with what the function returns, given the request (e.g. checking a signature). */
  | { handle: (req: IncomingMessage) => { status: number; json: unknown } };

export interface BalanceServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Sets what `path` (e.g. /deepseek/user/balance) answers from now on. */
  set(path: string, reply: BalanceReply): void;
  /** The requests received, oldest first. */
  requests: Array<{ path: string; headers: IncomingMessage['headers'] }>;
  /** Called once per request before it is answered (a barrier, a counter). */
  onRequest?: (path: string) => Promise<void> | void;
  close(): Promise<void>;
}

export async function startBalanceServer(owner?: CleanupOwner): Promise<BalanceServer> {
  const replies = new Map<string, BalanceReply>();
  const requests: BalanceServer['requests'] = [];
  const hung: ServerResponse[] = [];
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path, headers: req.headers });
    await api.onRequest?.(path);
    const reply = replies.get(path);
    if (!reply) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    if ('hang' in reply) {
      hung.push(res);
      return;
    }
    if ('handle' in reply) {
      const out = reply.handle(req);
      res.writeHead(out.status, { 'content-type': 'application/json' }).end(JSON.stringify(out.json));
      return;
    }
    const status = reply.status ?? 200;
    if ('json' in reply) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.json));
    else res.writeHead(status, { 'content-type': reply.contentType ?? 'text/html' }).end(reply.raw);
  };
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const api: BalanceServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (path, reply) => void replies.set(path, reply),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  owner?.after(() => api.close());
  return api;
}

/** DeepSeek's documented reply: amounts as decimal strings. */
export function deepseekReply(o: { available?: boolean; infos: Array<{ currency: string; total: string; granted?: string; topped_up?: string }> }) {
  return {
    is_available: o.available ?? true,
    balance_infos: o.infos.map((i) => ({ currency: i.currency, total_balance: i.total, granted_balance: i.granted ?? '0.00', topped_up_balance: i.topped_up ?? i.total })),
  };
}

/** Kimi's documented reply: amounts as JSON numbers. */
export function kimiReply(available: number, voucher: number, cash: number) {
  return { code: 0, data: { available_balance: available, voucher_balance: voucher, cash_balance: cash }, scode: '0x0', status: true };
}
