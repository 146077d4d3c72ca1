// A local Socket Mode endpoint: the WebSocket that apps.connections.open points at. It greets
// the client with `hello`, delivers envelopes and collects the client's acks, as Slack does.
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';

export interface FakeSocketMode {
  url: string;
  /** Resolves once a client has connected and been greeted. */
  connected(): Promise<void>;
  /** Sends an envelope and resolves with the client's ack message. */
  deliver(type: string, payload: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const events = new EventEmitter();
  let client: WebSocket | undefined;
  let envelopes = 0;
  wss.on('connection', (ws) => {
    client = ws;
    ws.on('message', (data: Buffer) => events.emit('ack', JSON.parse(data.toString()) as Record<string, unknown>));
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0ROUTEOPS' }, debug_info: { host: 'fake', approximate_connection_time: 3600 } }));
    events.emit('connected');
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link/?ticket=fake`,
    connected: () => (client ? Promise.resolve() : new Promise((resolve) => events.once('connected', () => resolve()))),
    deliver(type, payload) {
      const envelopeId = `env-${++envelopes}`;
      return new Promise((resolve) => {
        const onAck = (msg: Record<string, unknown>) => {
          if (msg.envelope_id === envelopeId) {
            events.off('ack', onAck);
            resolve(msg);
          }
        };
        events.on('ack', onAck);
        client!.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' }));
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
