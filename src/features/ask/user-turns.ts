// One question at a time per user, in arrival order. With a per-user daily budget, a question is
// checked against what the user's earlier questions cost; questions asked at once would all pass
// the check before any of them is metered, and together overshoot the budget. Taking turns keeps
// the overshoot to the one question under way when the budget runs out. Across processes and
// replicas sharing the store a turn also holds the lease `ask:<user>` (src/features/lease.ts):
// a question asked on another replica meanwhile waits for it.
import { whenLeased, type LeaseDeps } from '../lease.js';

/** A turn's lease lasts this long without renewal (an answer renews it while it streams). */
const TURN_LEASE_MS = 60_000;

export interface UserTurnsOptions {
  /** Turns across processes; none: this process only. */
  lease?: LeaseDeps;
  /** How often a question waiting for another process's turn looks again. Default 250 ms. */
  pollMs?: number;
}

export class UserTurns {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly opts: UserTurnsOptions = {}) {}

  /** Runs `fn` after every earlier call for `user` has settled, here and (with a lease) elsewhere; `onWait` when it must wait. */
  run<T>(user: string, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
    const previous = this.tails.get(user) ?? Promise.resolve();
    if (this.tails.has(user)) onWait?.();
    let waited = this.tails.has(user);
    let finished!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (finished = resolve)));
    this.tails.set(user, tail);
    const { lease } = this.opts;
    const turn = lease
      ? () =>
          whenLeased(lease, `ask:${user}`, TURN_LEASE_MS, this.opts.pollMs ?? 250, fn, () => {
            if (!waited) onWait?.();
            waited = true;
          })
      : fn;
    return previous.then(turn).finally(() => {
      finished();
      if (this.tails.get(user) === tail) this.tails.delete(user);
    });
  }

  /** Whether `user` has a question under way in this process (a new one would wait). */
  busy(user: string): boolean {
    return this.tails.has(user);
  }

  /** Users with a question under way or waiting (tests). */
  get users(): number {
    return this.tails.size;
  }
}
