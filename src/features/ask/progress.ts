// What an /ask answer is waiting for, told to the asker before its first words (config
// `ask.progress_interval_ms`, docs/ARCHITECTURE.md §3.4): a hung provider is up to
// first_token_timeout_ms of silence per route, so the shell and Slack say which route is being
// waited for and for how long, which one was given up and which one is tried next.
import type { PlannedRoute } from '../routing/plan.js';
import type { StreamDelta } from '../../upstream/providers/types.js';

/**
 * `waiting`: a tick while a route has sent no answer text ("waiting for deepseek… 5 s"), replaced
 * by the next one; `fallback`: a route was given up and the next is called ("… — trying …").
 */
export interface AskStatus {
  kind: 'waiting' | 'fallback';
  text: string;
}

/** "retried once after 429", "retried 2× after 429, 503"; null statuses are attempts that got no response. */
export function retriedPhrase(after: ReadonlyArray<number | null>): string {
  const causes = [...new Set(after.map((s) => (s === null ? 'no response' : String(s))))].join(', ');
  return `retried ${after.length === 1 ? 'once' : `${after.length}×`} after ${causes}`;
}

/**
 * Ticks every `intervalMs` from the start of each route until its answer text begins, and says
 * so when a route the asker saw being waited for is given up for the next. Reasoning counts as a first token for the deadline
 * but shows nothing: the tick then says the model is thinking.
 */
export class RouteWatch {
  private timer: NodeJS.Timeout | undefined;
  private route: PlannedRoute | null = null;
  private startedAt = 0;
  private thinking = false;
  private answering = false;
  private retried: Array<number | null> = [];
  private lastTick = '';
  /** Whether the asker was told anything yet: a route given up at once needs no notice, its footer says it. */
  private told = false;

  constructor(
    private readonly intervalMs: number,
    private readonly tell: ((status: AskStatus | null) => void) | undefined,
  ) {}

  /** A route is called; `fallbackFrom` says why the one before was given up (told if the asker saw it wait). */
  start(route: PlannedRoute, fallbackFrom?: string): void {
    this.stop();
    this.route = route;
    this.startedAt = Date.now();
    this.thinking = false;
    this.answering = false;
    this.retried = [];
    this.lastTick = '';
    if (!this.tell) return;
    if (fallbackFrom && this.told) this.tell({ kind: 'fallback', text: `${fallbackFrom} — trying ${route.provider}/${route.model}` });
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    // A tick never keeps routeops running.
    this.timer.unref();
  }

  /** The client retried the route's call after a failed attempt. */
  retry(after: number | null): void {
    this.retried.push(after);
  }

  delta(d: StreamDelta): void {
    if (d.type === 'reasoning') this.thinking = true;
    if (d.type !== 'content' || this.answering) return;
    this.answering = true;
    this.stop();
    this.tell?.(null);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (!this.route || this.answering) return;
    const seconds = Math.round((Date.now() - this.startedAt) / 1000);
    const who = this.route.provider;
    let text = this.thinking ? `${who} is thinking… ${seconds} s` : `waiting for ${who}… ${seconds} s`;
    if (this.retried.length) text += ` (${retriedPhrase(this.retried)})`;
    // Told when it changes: a short interval does not repeat the same second.
    if (text === this.lastTick) return;
    this.lastTick = text;
    this.told = true;
    this.tell?.({ kind: 'waiting', text });
  }
}
