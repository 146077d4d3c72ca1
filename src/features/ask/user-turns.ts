// One question at a time per user, in arrival order. With a per-user daily budget, a question is
// checked against what the user's earlier questions cost; questions asked at once would all pass
// the check before any of them is metered, and together overshoot the budget. Taking turns keeps
// the overshoot to the one question under way when the budget runs out.

export class UserTurns {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` after every earlier call for `user` has settled. */
  run<T>(user: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(user) ?? Promise.resolve();
    let finished!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (finished = resolve)));
    this.tails.set(user, tail);
    return previous.then(fn).finally(() => {
      finished();
      if (this.tails.get(user) === tail) this.tails.delete(user);
    });
  }

  /** Whether `user` has a question under way (a new one would wait). */
  busy(user: string): boolean {
    return this.tails.has(user);
  }

  /** Users with a question under way or waiting (tests). */
  get users(): number {
    return this.tails.size;
  }
}
