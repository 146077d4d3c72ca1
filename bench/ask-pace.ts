// A pacing proxy in front of the provider simulator, for the /ask load benchmark (bench/ask.ts).
// The simulator writes a whole stream at once and its answers are one short sentence; a real
// provider streams a few hundred tokens over a second or two. This proxy forwards every request
// to the simulator unchanged and re-times its SSE answers: headers at once, the first data event
// after `ttftMs`, the rest spread evenly over `streamMs`, `data: [DONE]` last. With `repeat` > 1
// the answer's content deltas are sent `repeat` times (paragraphs separated by a blank line) and
// the completion token count in the usage is raised to match, so answers are realistically long.
// One shared ticker writes whatever is due on every open stream, so 200 streams cost 200 writes
// per tick, not 200 timers per event. Listens on 127.0.0.1 only.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PaceOptions {
  /** The simulator, e.g. http://127.0.0.1:PORT */
  upstream: string;
  ttftMs: number;
  streamMs: number;
  repeat: number;
  tickMs?: number;
}

export interface PaceProxy {
  url: string;
  /** Streams re-timed so far. */
  streams: number;
  /** SSE data events sent on them so far. */
  events: number;
  close(): Promise<void>;
}

interface Paced {
  res: ServerResponse;
  startedAt: number;
  events: string[];
  /** Due time of each event, ms after startedAt. */
  due: number[];
  next: number;
}

type Chunk = { choices?: Array<{ delta?: { content?: unknown }; usage?: Record<string, unknown> }>; usage?: Record<string, unknown> | null };

function contentOf(c: Chunk): string | null {
  const d = c.choices?.[0]?.delta?.content;
  return typeof d === 'string' && d !== '' ? d : null;
}

/** Repeats the content deltas and raises completion tokens to match; other events pass as they are. */
function expand(events: string[], repeat: number): string[] {
  if (repeat <= 1) return events;
  const parsed = events.map((e) => {
    if (!e.startsWith('data: ') || e === 'data: [DONE]') return null;
    try {
      return JSON.parse(e.slice(6)) as Chunk;
    } catch {
      return null;
    }
  });
  const contentIdx = parsed.map((c, i) => (c && contentOf(c) !== null ? i : -1)).filter((i) => i >= 0);
  if (!contentIdx.length) return events;
  const first = contentIdx[0]!;
  const last = contentIdx[contentIdx.length - 1]!;
  const content = contentIdx.map((i) => events[i]!);
  const chars = contentIdx.reduce((n, i) => n + contentOf(parsed[i]!)!.length, 0);
  const sepChunk = structuredClone(parsed[first]!);
  sepChunk.choices![0]!.delta!.content = '\n\n';
  const sep = `data: ${JSON.stringify(sepChunk)}`;
  const extraTokens = Math.ceil(((chars + 2) * (repeat - 1)) / 4);
  const out = events.slice(0, first);
  for (let r = 0; r < repeat; r++) {
    if (r > 0) out.push(sep);
    out.push(...content);
  }
  for (let i = last + 1; i < events.length; i++) {
    const c = parsed[i];
    const usage = c?.usage ?? c?.choices?.[0]?.usage;
    if (c && usage && typeof usage['completion_tokens'] === 'number') {
      usage['completion_tokens'] += extraTokens;
      if (typeof usage['total_tokens'] === 'number') usage['total_tokens'] += extraTokens;
      out.push(`data: ${JSON.stringify(c)}`);
    } else out.push(events[i]!);
  }
  return out;
}

export async function startPaceProxy(opts: PaceOptions): Promise<PaceProxy> {
  const up = new URL(opts.upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const tickMs = opts.tickMs ?? 10;
  const open = new Set<Paced>();
  let streams = 0;
  let eventCount = 0;

  const tick = () => {
    const now = Date.now();
    for (const p of open) {
      if (p.res.destroyed) {
        open.delete(p);
        continue;
      }
      const at = now - p.startedAt;
      let out = '';
      while (p.next < p.events.length && p.due[p.next]! <= at) out += `${p.events[p.next++]}\n\n`;
      if (out) p.res.write(out);
      if (p.next >= p.events.length) {
        p.res.end();
        open.delete(p);
      }
    }
  };
  const ticker = setInterval(tick, tickMs);

  function pace(res: ServerResponse, startedAt: number, body: string) {
    const events = expand(
      body
        .split('\n\n')
        .map((e) => e.trim())
        .filter((e) => e && !e.startsWith(':')),
      opts.repeat,
    );
    // Event 0 at ttft, the last at ttft + streamMs, the others evenly in between.
    const span = Math.max(1, events.length - 1);
    const due = events.map((_, i) => opts.ttftMs + (opts.streamMs * i) / span);
    open.add({ res, startedAt, events, due, next: 0 });
    streams++;
    eventCount += events.length;
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const startedAt = Date.now();
    const headers = { ...req.headers, host: up.host };
    const upReq = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers, agent }, (upRes) => {
      const sse = upRes.statusCode === 200 && String(upRes.headers['content-type'] ?? '').includes('text/event-stream');
      if (!sse) {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        return;
      }
      const h = { ...upRes.headers };
      delete h['content-length'];
      res.writeHead(200, h);
      res.flushHeaders();
      const parts: Buffer[] = [];
      upRes.on('data', (c: Buffer) => parts.push(c));
      upRes.on('end', () => pace(res, startedAt, Buffer.concat(parts).toString('utf8')));
      upRes.on('error', () => res.destroy());
    });
    upReq.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('pace proxy: upstream error');
    });
    req.pipe(upReq);
  }

  const server = http.createServer(handle);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get streams() {
      return streams;
    },
    get events() {
      return eventCount;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(ticker);
        for (const p of open) p.res.destroy();
        open.clear();
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
