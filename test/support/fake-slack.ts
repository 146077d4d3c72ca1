// A local fake of the Slack Web API (reached through SLACK_API_URL) and of response_url
// endpoints. It answers the methods routeops calls the way Slack documents them and records
// every call, so tests can assert on exactly what Slack would have received.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import type { CleanupOwner } from './temp.js';
import { parseMultipart } from './multipart.js';

export interface RecordedCall {
  /** Web API method ("chat.postMessage"), "response_url", or "upload". */
  method: string;
  /** Request path, e.g. /respond/<id> for response_url posts. */
  path: string;
  body: Record<string, unknown>;
  raw: string;
  /** The body as received, byte for byte (an uploaded PNG is not UTF-8). */
  bytes: Buffer;
  headers: http.IncomingHttpHeaders;
}

/**
 * A file as files.uploadV2 leaves it: announced by files.getUploadURLExternal (name, length),
 * its bytes posted to the upload URL, then shared by files.completeUploadExternal.
 */
export interface UploadedFile {
  id: string;
  filename: string;
  /** The length getUploadURLExternal was told. */
  length: number;
  alt_text?: string;
  /** What reached the upload URL (the file part of a multipart body, or the raw body); null until then. */
  data: Buffer | null;
  /** Set by completeUploadExternal. */
  completed?: { channel_id?: string; thread_ts?: string; initial_comment?: string; title?: string };
}

/** A message as the fake workspace holds it (posted by the bot, or added by a test as a user). */
export interface StoredMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  text: string;
  blocks?: unknown[];
  metadata?: unknown;
  /** True while a chat stream is open on it. */
  streaming?: boolean;
  updates: number;
}

export interface FakeSlack {
  /** Every message in the fake workspace, in posting order. */
  messages: StoredMessage[];
  /** Each person's Home tab as views.publish last set it. */
  homeViews: Map<string, { type: string; blocks: unknown[] }>;
  /** Adds a user's message, as if typed in Slack; returns its ts. */
  addUserMessage(m: { channel: string; user: string; text: string; thread_ts?: string }): string;
  apiUrl: string;
  baseUrl: string;
  calls: RecordedCall[];
  /** Files announced through files.getUploadURLExternal, in order. */
  files: UploadedFile[];
  /** Resolves with the first file (already shared or shared later) that files.completeUploadExternal shared and that matches. */
  waitForFile(predicate?: (f: UploadedFile) => boolean): Promise<UploadedFile>;
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

/** Starts the fake on a free port; with `owner`, closed when the owner (a test) ends. */
export async function startFakeSlack(owner?: CleanupOwner): Promise<FakeSlack> {
  const calls: RecordedCall[] = [];
  const events = new EventEmitter();
  const failures = new Map<string, string>();
  const holds = new Map<string, Promise<void>>();
  let tsCounter = 1_700_000_000;
  const messages: StoredMessage[] = [];
  const files: UploadedFile[] = [];
  const homeViews = new Map<string, { type: string; blocks: unknown[] }>();
  const nextTs = () => `${tsCounter++}.000100`;
  const find = (channel: unknown, ts: unknown) => messages.find((m) => m.channel === channel && m.ts === ts);
  const chunkText = (body: Record<string, unknown>) =>
    (typeof body.markdown_text === 'string' ? body.markdown_text : '') +
    ((body.chunks as Array<{ type: string; text?: string }> | undefined) ?? []).map((c) => c.text ?? '').join('');
  let fileCounter = 0;
  let baseUrl = '';
  let socketUrl = '';

  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const raw = bytes.toString('utf8');
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

      const call: RecordedCall = { method, path: url.split('?')[0]!, body: method === 'upload' ? { content: raw } : parseBody(raw, req.headers['content-type']), raw, bytes, headers: req.headers };
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
      case 'upload': {
        // The URL getUploadURLExternal gave; the file arrives as the body or as a form's file part.
        const file = files.find((f) => call.path === `/upload/${f.id}`);
        if (!file) return reply(404, 'unknown upload URL');
        const parts = parseMultipart(call.bytes, call.headers['content-type']);
        file.data = parts ? (parts.find((p) => p.filename !== undefined)?.data ?? null) : call.bytes;
        if (!file.data) return reply(400, 'no file in the form');
        return reply(200, `OK - ${file.data.length}`);
      }
      case 'auth.test':
        return reply(200, { ok: true, url: 'https://routeops-test.slack.com/', team: 'Test', user: 'routeops', team_id: 'T0TEST', user_id: 'U0BOT', bot_id: 'B0BOT' });
      case 'chat.postMessage': {
        const b = call.body;
        const m: StoredMessage = { channel: String(b.channel), ts: nextTs(), user: 'U0BOT', bot_id: 'B0BOT', text: String(b.text ?? ''), blocks: b.blocks as unknown[], metadata: b.metadata, updates: 0 };
        if (b.thread_ts) m.thread_ts = String(b.thread_ts);
        messages.push(m);
        return reply(200, { ok: true, channel: m.channel, ts: m.ts, message: { text: m.text } });
      }
      case 'chat.postEphemeral':
        return reply(200, { ok: true, message_ts: nextTs() });
      case 'chat.update': {
        const m = find(call.body.channel, call.body.ts);
        if (!m) return reply(200, { ok: false, error: 'message_not_found' });
        m.text = String(call.body.text ?? '');
        m.blocks = call.body.blocks as unknown[];
        m.updates++;
        return reply(200, { ok: true, channel: m.channel, ts: m.ts });
      }
      case 'chat.delete': {
        const m = find(call.body.channel, call.body.ts);
        if (!m) return reply(200, { ok: false, error: 'message_not_found' });
        messages.splice(messages.indexOf(m), 1);
        return reply(200, { ok: true, channel: m.channel, ts: m.ts });
      }
      case 'chat.startStream': {
        const b = call.body;
        // Slack requires the recipient outside DMs (docs/PROVIDERS.md §5).
        if (!b.thread_ts) return reply(200, { ok: false, error: 'invalid_arguments' });
        if (!String(b.channel).startsWith('D') && (!b.recipient_user_id || !b.recipient_team_id)) return reply(200, { ok: false, error: 'missing_recipient' });
        const m: StoredMessage = { channel: String(b.channel), ts: nextTs(), thread_ts: String(b.thread_ts), user: 'U0BOT', bot_id: 'B0BOT', text: chunkText(b), streaming: true, updates: 0 };
        messages.push(m);
        return reply(200, { ok: true, channel: m.channel, ts: m.ts });
      }
      case 'chat.appendStream':
      case 'chat.stopStream': {
        const m = find(call.body.channel, call.body.ts);
        if (!m || !m.streaming) return reply(200, { ok: false, error: 'message_not_in_streaming_state' });
        m.text += chunkText(call.body);
        m.updates++;
        if (method === 'chat.stopStream') {
          m.streaming = false;
          if (call.body.blocks) m.blocks = call.body.blocks as unknown[];
        }
        return reply(200, { ok: true, channel: m.channel, ts: m.ts });
      }
      case 'conversations.replies': {
        const { channel, ts } = call.body;
        const thread = messages.filter((m) => m.channel === channel && (m.ts === ts || m.thread_ts === ts));
        if (!thread.length) return reply(200, { ok: false, error: 'thread_not_found' });
        // Pages oldest first, `limit` at a time (Slack caps it at 1000), with an opaque cursor.
        const limit = Math.min(1000, Math.max(1, Number(call.body.limit ?? 1000)));
        const from = call.body.cursor ? Number(Buffer.from(String(call.body.cursor), 'base64').toString('utf8').replace('offset:', '')) : 0;
        const page = thread.slice(from, from + limit);
        const more = from + limit < thread.length;
        return reply(200, {
          ok: true,
          messages: page.map(({ updates: _u, streaming: _s, channel: _c, ...m }) => m),
          has_more: more,
          ...(more ? { response_metadata: { next_cursor: Buffer.from(`offset:${from + limit}`).toString('base64') } } : {}),
        });
      }
      case 'views.publish': {
        // Slack wants the user and a view; a Home tab view is of type home with at most 100 blocks.
        const view = call.body.view as { type?: unknown; blocks?: unknown } | undefined;
        if (typeof call.body.user_id !== 'string' || !/^[UW][A-Z0-9]+$/.test(call.body.user_id)) return reply(200, { ok: false, error: 'invalid_arguments' });
        if (!view || view.type !== 'home' || !Array.isArray(view.blocks)) return reply(200, { ok: false, error: 'invalid_arguments' });
        if (view.blocks.length > 100) return reply(200, { ok: false, error: 'invalid_blocks' });
        homeViews.set(call.body.user_id, { type: 'home', blocks: view.blocks });
        return reply(200, { ok: true, view: { id: `V0${homeViews.size}`, type: 'home', blocks: view.blocks } });
      }
      // Slack's AI-app methods (scope assistant:write): an assistant thread lives in the user's DM with the app.
      case 'assistant.threads.setStatus':
      case 'assistant.threads.setTitle':
      case 'assistant.threads.setSuggestedPrompts': {
        const b = call.body;
        if (typeof b.channel_id !== 'string' || !b.channel_id.startsWith('D') || typeof b.thread_ts !== 'string' || !b.thread_ts) return reply(200, { ok: false, error: 'invalid_arguments' });
        if (method === 'assistant.threads.setStatus' && typeof b.status !== 'string') return reply(200, { ok: false, error: 'invalid_arguments' });
        if (method === 'assistant.threads.setTitle' && (typeof b.title !== 'string' || !b.title)) return reply(200, { ok: false, error: 'invalid_arguments' });
        if (method === 'assistant.threads.setSuggestedPrompts') {
          // At most 4 prompts, each a title and a message.
          const prompts = b.prompts as Array<{ title?: unknown; message?: unknown }> | undefined;
          if (!Array.isArray(prompts) || !prompts.length || prompts.length > 4 || prompts.some((p) => typeof p.title !== 'string' || !p.title || typeof p.message !== 'string' || !p.message)) {
            return reply(200, { ok: false, error: 'invalid_arguments' });
          }
        }
        return reply(200, { ok: true });
      }
      case 'conversations.open': {
        // A DM with one user: Slack answers with the IM channel's id (D…).
        const users = String(call.body.users ?? '');
        if (!/^[UW][A-Z0-9]+$/.test(users)) return reply(200, { ok: false, error: 'user_not_found' });
        return reply(200, { ok: true, channel: { id: `D${users.slice(1)}` } });
      }
      case 'files.getUploadURLExternal': {
        // Slack requires both: the name and the size in bytes.
        const length = Number(call.body.length);
        if (typeof call.body.filename !== 'string' || !call.body.filename || !Number.isInteger(length) || length <= 0) return reply(200, { ok: false, error: 'invalid_arguments' });
        const id = `F0FILE${++fileCounter}`;
        files.push({ id, filename: call.body.filename, length, ...(typeof call.body.alt_text === 'string' ? { alt_text: call.body.alt_text } : {}), data: null });
        return reply(200, { ok: true, upload_url: `${baseUrl}/upload/${id}`, file_id: id });
      }
      case 'files.completeUploadExternal': {
        const listed = (call.body.files as Array<{ id: string; title?: string }>) ?? [];
        const found = listed.map((l) => ({ l, f: files.find((f) => f.id === l.id) }));
        // A file never announced, or whose bytes never reached its URL (or not as many as announced), is not there to share.
        if (!listed.length || found.some(({ f }) => !f || !f.data || f.data.length !== f.length)) return reply(200, { ok: false, error: 'file_not_found' });
        const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
        for (const { l, f } of found) {
          f!.completed = { channel_id: str(call.body.channel_id), thread_ts: str(call.body.thread_ts), initial_comment: str(call.body.initial_comment), title: l.title };
          events.emit('file', f);
        }
        return reply(200, { ok: true, files: listed.map((f) => ({ id: f.id, title: f.title })) });
      }
      default:
        return reply(200, { ok: true });
    }
  }
  const server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeSlack = {
    messages,
    homeViews,
    addUserMessage(m) {
      const ts = nextTs();
      messages.push({ ...m, ts, updates: 0 });
      return ts;
    },
    apiUrl: `${baseUrl}/api/`,
    baseUrl,
    calls,
    files,
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
    waitForFile(predicate = () => true) {
      const found = files.find((f) => f.completed && predicate(f));
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => {
        const onFile = (f: UploadedFile) => {
          if (predicate(f)) {
            events.off('file', onFile);
            resolve(f);
          }
        };
        events.on('file', onFile);
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
  owner?.after(() => fake.close());
  return fake;
}
