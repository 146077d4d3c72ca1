// POST /v1/usage off the bot's event loop: bodies go to one worker thread (ingest-worker.ts) with
// its own SQLite connection, which parses and writes them one at a time. Parsing 20 MB of JSONL
// and writing its rows takes a second or more, and waiting for a write lock held elsewhere
// longer; on the bot's thread either would hold every Slack ack behind it. The worker starts
// with the first ingest, and a worker that dies is replaced at the next one (its bodies in hand
// fail with an error: nothing of them was committed).
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { IngestOutcome, UsageIngest } from '../features/ledger/ingest.js';

/** How long the worker waits for a write lock held by another connection before answering `busy`. */
export const INGEST_LOCK_WAIT_MS = 1000;

export interface IngestWorkerData {
  dbPath: string;
  config: Config;
  lockWaitMs: number;
}
export interface IngestRequest {
  id: number;
  body: Uint8Array[];
}
export type IngestReply = { id: number; outcome: IngestOutcome } | { id: number; error: string };

export interface IngestWorker extends UsageIngest {
  /** Lets the bodies in hand finish, then stops the worker (closing its connection). */
  close(): Promise<void>;
}

export interface IngestWorkerOptions {
  dbPath: string;
  config: Config;
  log: Logger;
  lockWaitMs?: number;
}

interface Waiting {
  /** The worker the body went to. */
  worker: Worker;
  resolve: (o: IngestOutcome) => void;
  reject: (e: Error) => void;
}

export function createIngestWorker(opts: IngestWorkerOptions): IngestWorker {
  let worker: Worker | null = null;
  let seq = 0;
  const waiting = new Map<number, Waiting>();
  let drained: (() => void) | null = null;

  /** Fails the bodies in hand of worker `w` (a replacement may already hold others). */
  const failAll = (w: Worker, err: Error) => {
    for (const [id, at] of waiting) {
      if (at.worker !== w) continue;
      waiting.delete(id);
      at.reject(err);
    }
    if (waiting.size === 0) drained?.();
  };

  const start = (): Worker => {
    const data: IngestWorkerData = { dbPath: opts.dbPath, config: opts.config, lockWaitMs: opts.lockWaitMs ?? INGEST_LOCK_WAIT_MS };
    const w = new Worker(new URL('./ingest-worker.js', import.meta.url), { workerData: data });
    // An idle worker never keeps the process alive (stop() closes it); one with bodies in hand does.
    w.unref();
    w.on('message', (r: IngestReply) => {
      const at = waiting.get(r.id);
      if (!at) return;
      waiting.delete(r.id);
      if ('error' in r) at.reject(new Error(`ingest worker: ${r.error}`));
      else at.resolve(r.outcome);
      if (![...waiting.values()].some((other) => other.worker === w)) w.unref();
      if (waiting.size === 0) drained?.();
    });
    w.on('error', (err: unknown) => {
      // What the worker threw comes back cloned: a database error may arrive as a plain object.
      const e = err as { message?: unknown; code?: unknown };
      const message = `ingest worker failed: ${String(e.message ?? err)}${typeof e.code === 'string' ? ` (${e.code})` : ''}`;
      opts.log.error(message);
      if (worker === w) worker = null;
      failAll(w, new Error(message));
    });
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      failAll(w, new Error(`ingest worker exited (${code})`));
    });
    return w;
  };

  return {
    ingest(body) {
      worker ??= start();
      const w = worker;
      const id = ++seq;
      return new Promise<IngestOutcome>((resolve, reject) => {
        waiting.set(id, { worker: w, resolve, reject });
        w.ref();
        // A piece that owns its whole buffer (as Node's HTTP parser hands them over) moves to the
        // worker without a copy; a view into a larger one (Node's pool) is copied.
        const sent = body.map((b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b : new Uint8Array(b)));
        const request: IngestRequest = { id, body: sent };
        w.postMessage(request, sent.map((b) => b.buffer as ArrayBuffer));
      });
    },
    async close() {
      const w = worker;
      worker = null;
      if (!w) return;
      if (waiting.size > 0) await new Promise<void>((resolve) => (drained = resolve));
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.ref();
      w.postMessage('close');
      await exited;
    },
  };
}
