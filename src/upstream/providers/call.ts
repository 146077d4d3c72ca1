// The state of one provider call while it runs: its attempts and error body (filled in by the
// fetch wrapper, sdk-fetch.ts), its abort controller and its timers: the whole-call limit or the
// caller's deadline (whichever comes first), the first-token deadline and the silence watch of a
// streamed body. Every timer dies with the call (done()).
import { SilenceTimeoutError } from './errors.js';

/** Per-call state shared by the fetch wrapper and the call. */
export class Call {
  attempts = 0;
  /** Each failed attempt's HTTP status, in order (null: no response, e.g. the connection failed). */
  readonly failures: Array<number | null> = [];
  /** Told when the SDK retries the call, with the status the attempt before failed with. */
  onRetry: ((after: number | null) => void) | undefined = undefined;
  errorBody: unknown = undefined;
  timedOut: SilenceTimeoutError | null = null;
  /** Streamed calls time silence in their chunk loop; others get their body watched in fetch. */
  streamed = false;
  readonly controller = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unlink: (() => void) | null = null;
  readonly deadline: number;

  /** callerMs: the caller's deadline for this call (ChatRequest.timeoutMs), when sooner than totalMs. */
  constructor(
    readonly now: () => number,
    totalMs: number,
    signal: AbortSignal | undefined,
    callerMs?: number,
  ) {
    const byCaller = callerMs !== undefined && callerMs < totalMs;
    const limit = byCaller ? Math.max(0, callerMs) : totalMs;
    this.deadline = Date.now() + limit;
    this.timer(limit, () => this.timeout(new SilenceTimeoutError(limit, byCaller ? 'deadline' : 'total')));
    if (signal) {
      const onAbort = () => this.controller.abort(signal.reason);
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.unlink = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  timeout(err: SilenceTimeoutError) {
    if (this.controller.signal.aborted) return;
    this.timedOut = err;
    this.controller.abort(err);
  }

  timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  /** The statuses of the attempts that were retried (all failures but a last failed attempt's own). */
  retriedAfter(): Array<number | null> {
    return this.failures.slice(0, Math.max(0, this.attempts - 1));
  }

  clear(t: NodeJS.Timeout | null) {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  done() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.unlink?.();
  }
}

/**
 * Silence timeout for a streamed call, driven from the chunk loop: one timer per call that,
 * when it fires, re-arms for the rest of the window if a chunk came meanwhile (no timer churn
 * per chunk). Keep-alive comments never become chunks, so they do not count as data.
 */
export class SilenceWatch {
  private last = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly call: Call,
    private readonly ms: number,
  ) {
    this.arm(ms);
  }

  private arm(wait: number) {
    this.timer = this.call.timer(wait, () => {
      this.timer = null;
      if (this.stopped) return;
      const quiet = Date.now() - this.last;
      if (quiet >= this.ms) this.call.timeout(new SilenceTimeoutError(this.ms, 'silence'));
      else this.arm(this.ms - quiet);
    });
  }

  /** A chunk arrived. */
  touch() {
    this.last = Date.now();
  }

  stop() {
    this.stopped = true;
    this.call.clear(this.timer);
    this.timer = null;
  }
}
