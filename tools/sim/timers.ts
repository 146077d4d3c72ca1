// The simulator's timers, all cleared when it closes, so a closed simulator keeps nothing alive.
export class SimTimers {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /** Resolves after ms; never resolves once the simulator is closed (the server is gone). */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.closed) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /** Calls fn every ms until it returns false or the simulator closes. */
  every(ms: number, fn: () => boolean): void {
    const t = setInterval(() => {
      if (this.closed || !fn()) {
        clearInterval(t);
        this.timers.delete(t);
      }
    }, ms);
    this.timers.add(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
