// A TCP forwarder in front of a server whose link the test can cut and restore: a database
// "briefly unreachable" (a restart, a failover) without stopping the shared test server. Cut,
// every open connection is reset and new ones are reset at once; restored, it forwards again.
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { CleanupOwner } from './temp.js';

export interface TcpCut {
  /** `url` with its host and port replaced by the forwarder's. */
  via(url: string): string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function tcpCut(target: { host: string; port: number }, owner?: CleanupOwner): Promise<TcpCut> {
  let up = true;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (!up) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      open.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    });
  owner?.after(close);
  return {
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      up = false;
      for (const s of open) s.resetAndDestroy();
    },
    restore() {
      up = true;
    },
    close,
  };
}
