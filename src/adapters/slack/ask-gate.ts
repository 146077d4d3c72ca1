// Admission for answer pipelines: each starts on a later turn of the event loop (after the
// handler that acked it has returned, so acks of commands already received go first), and at
// most `max` run at once; the rest wait their turn in arrival order. Work waiting here is still
// the caller's promise, so whatever tracks it for shutdown waits for it too.

export interface AskGate {
  /**
   * Runs `work` once a slot is free. `work` may hand its slot back early with `release()`
   * (idempotent); otherwise the slot is freed when it settles.
   */
  run<T>(work: (release: () => void) => Promise<T>): Promise<T>;
  /** Pipelines running / waiting (for tests and logs). */
  readonly running: number;
  readonly waiting: number;
}

/**
 * Default cap on answer pipelines starting at once, per Slack adapter: a safety valve above any
 * ordinary burst (acks no longer need it: the receiver acks first, see receiver.ts). Measured
 * with 200 /ask at once, a cap of 24 stretched the last answer from 2.3 to 5.7 s for nothing.
 */
export const DEFAULT_MAX_ASKS = 256;

export function createAskGate(max = DEFAULT_MAX_ASKS): AskGate {
  const limit = Math.max(1, Math.floor(max));
  let running = 0;
  const queue: Array<() => void> = [];

  const acquire = (): Promise<void> =>
    new Promise((resolve) => {
      // Always yield to the event loop first: the ack of this command, and of any received
      // alongside it, is written before this pipeline does any work.
      setImmediate(() => {
        if (running < limit) {
          running++;
          resolve();
        } else {
          queue.push(resolve);
        }
      });
    });

  const releaseSlot = () => {
    const next = queue.shift();
    // The slot passes straight to the next waiter, started on its own turn of the loop.
    if (next) setImmediate(next);
    else running--;
  };

  return {
    async run(work) {
      await acquire();
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        releaseSlot();
      };
      try {
        return await work(release);
      } finally {
        release();
      }
    },
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
  };
}
