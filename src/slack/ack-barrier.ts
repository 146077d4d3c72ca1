// Slack requests received but not yet answered (HTTP mode). Answer pipelines wait until there
// are none before they start: in a burst of commands every ack goes out first, and the work of
// the answers (Slack posts, provider requests) does not sit between one ack and the next. Under
// steady load that never empties, a pipeline waits at most `maxWaitMs`.

export interface AckBarrier {
  /** A request arrived; call the returned function once its response is done (idempotent). */
  begin(): () => void;
  /** Resolves when no request is waiting for its response, or after maxWaitMs. */
  idle(): Promise<void>;
  readonly pending: number;
}

export function createAckBarrier(maxWaitMs = 200): AckBarrier {
  let pending = 0;
  let waiters: Array<() => void> = [];

  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };

  return {
    begin() {
      pending++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        pending--;
        if (pending === 0) wake();
      };
    },
    idle() {
      if (pending === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        let settled = false;
        const settle = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(settle, maxWaitMs);
        timer.unref();
        waiters.push(settle);
      });
    },
    get pending() {
      return pending;
    },
  };
}
