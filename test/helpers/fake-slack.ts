// A local fake of the Slack Web API (reached through SLACK_API_URL) and of response_url
// endpoints. It answers the methods routeops calls the way Slack documents them and records
// every call, so tests can assert on exactly what Slack would have received.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';

export interface RecordedCall {
  /** Web API method ("chat.postMessage"), "response_url", or "upload". */
  method: string;
  /** Request path, e.g. /respond/<id> for response_url posts. */
  path: string;
  body: Record<string, unknown>;
  raw: string;
  headers: http.IncomingHttpHeaders;
}

export interface FakeSlack {
  apiUrl: string;
  baseUrl: string;
  calls: RecordedCall[];
  /** Resolves with the first call (already made or future) that matches. */
  waitFor(method: string, predicate?: (c: RecordedCall) => boolean): Promise<RecordedCall>;
  /** Makes a method answer `{ok:false,error}` until cleared. */
  failMethod(method: string, error: string | null): void;
  /** Where apps.connections.open sends Socket Mode clients (see fake-socket-mode.ts). */
  setSocketUrl(url: string): void;
  /** Holds the next call of a method unanswered until the returned function is called. */
  holdNext(method: string): () => void;
  close(): Promise<void>;
}

function parseBody(raw: string, type: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (type?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  if (type?.includes('application/x-www-form-urlencoded')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw)) {
      // The web-api client JSON-encodes arrays and objects inside form posts.
      out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
    }
    return out;
  }
  return { content: raw };
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: RecordedCall[] = [];
  const events = new EventEmitter();
  const failures = new Map<string, string>();
  const holds = new Map<string, Promise<void>>();
  let tsCounter = 1_700_000_000;
  let fileCounter = 0;
  let baseUrl = '';
  let socketUrl = '';

  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '/';
      const reply = (status: number, body: unknown) => {
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
        res.end(text);
      };
      let method: string;
      if (url.startsWith('/api/')) method = url.slice(5).split('?')[0]!;
      else if (url.startsWith('/respond/')) method = 'response_url';
      else if (url.startsWith('/upload/')) method = 'upload';
      else return reply(404, { ok: false, error: 'unknown_method' });

      const call: RecordedCall = { method, path: url.split('?')[0]!, body: method === 'upload' ? { content: raw } : parseBody(raw, req.headers['content-type']), raw, headers: req.headers };
      calls.push(call);
      events.emit('call', call);

      const hold = holds.get(method);
      if (hold) {
        holds.delete(method);
        void hold.then(() => answer(method, call, reply));
        return;
      }
      answer(method, call, reply);
    });
  }

  function answer(method: string, call: RecordedCall, reply: (status: number, body: unknown) => void): void {
    const raw = call.raw;
    const failure = failures.get(method);
    if (failure) return reply(200, { ok: false, error: failure });
    const auth = String(call.headers.authorization ?? '');
    if (method === 'apps.connections.open') {
      // Socket Mode: only an app-level token may open a connection.
      if (!auth.startsWith('Bearer xapp-') || !socketUrl) return reply(200, { ok: false, error: 'invalid_auth' });
      return reply(200, { ok: true, url: socketUrl });
    }
    if (method !== 'response_url' && method !== 'upload' && !auth.startsWith('Bearer xoxb-')) {
      return reply(200, { ok: false, error: 'not_authed' });
    }
    switch (method) {
      case 'response_url':
        return reply(200, 'ok');
      case 'upload':
        return reply(200, `OK - ${raw.length}`);
      case 'auth.test':
        return reply(200, { ok: true, url: 'https://routeops-test.slack.com/', team: 'Test', user: 'routeops', team_id: 'T0TEST', user_id: 'U0BOT', bot_id: 'B0BOT' });
      case 'chat.postMessage':
      case 'chat.postEphemeral':
        return reply(200, { ok: true, channel: call.body.channel, ts: `${tsCounter++}.000100`, message: { text: call.body.text } });
      case 'chat.update':
        return reply(200, { ok: true, channel: call.body.channel, ts: call.body.ts });
      case 'files.getUploadURLExternal': {
        const id = `F0FILE${++fileCounter}`;
        return reply(200, { ok: true, upload_url: `${baseUrl}/upload/${id}`, file_id: id });
      }
      case 'files.completeUploadExternal': {
        const files = (call.body.files as Array<{ id: string; title?: string }>) ?? [];
        return reply(200, { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) });
      }
      default:
        return reply(200, { ok: true });
    }
  }
  const server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${baseUrl}/api/`,
    baseUrl,
    calls,
    waitFor(method, predicate = () => true) {
      const found = calls.find((c) => c.method === method && predicate(c));
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => {
        const onCall = (c: RecordedCall) => {
          if (c.method === method && predicate(c)) {
            events.off('call', onCall);
            resolve(c);
          }
        };
        events.on('call', onCall);
      });
    },
    setSocketUrl(url) {
      socketUrl = url;
    },
    holdNext(method) {
      let release!: () => void;
      holds.set(method, new Promise<void>((resolve) => (release = resolve)));
      return () => release();
    },
    failMethod(method, error) {
      if (error === null) failures.delete(method);
      else failures.set(method, error);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
