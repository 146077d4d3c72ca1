// Messages between the /ask benchmark's two processes: bench/ask.ts (routeops only) and
// bench/ask-load.ts (simulator + pacing proxy + fake Slack + load driver).

export const BENCH_SIGNING_SECRET = 'bench-signing-secret-0123456789';
export const BENCH_MODEL = 'deepseek-v4-flash';

/** The question of the i-th /ask of a phase (about 100 characters, distinct per asker). */
export function benchQuestion(phase: string, i: number): string {
  return `how should a team of ${i + 1} engineers split LLM traffic between providers when one of them is overloaded (${phase})?`;
}

export interface LoadSettings {
  ttftMs: number;
  streamMs: number;
  repeat: number;
}

export type ToChild =
  /** ackOnly: count acks, do not wait for answers (the driver floor against a server that acks at once). */
  | { type: 'ask'; id: number; phase: string; n: number; url: string; ackOnly?: boolean }
  /** Opens n keep-alive connections to url (GET /healthz) for the next burst. */
  | { type: 'warm'; id: number; url: string; n: number }
  | { type: 'baseline'; id: number; phase: string; n: number }
  | { type: 'close'; id: number };

export interface AskResult {
  phase: string;
  n: number;
  /** Ack latency per /ask that got a 200 with the empty ack body, ms. */
  acks: number[];
  ackFailures: string[];
  /** /ask whose final message (footer) landed. */
  answered: number;
  /** Final messages that carry an error line instead of an answer. */
  errors: number;
  /** ms from the first request to the last final message. */
  lastAnswerMs: number;
  /** Per answered /ask: ms from its request to its final chat.update. */
  answerMs: number[];
  /** Per /ask: ms from its request to the first chat.update that shows answer text. */
  firstTextMs: number[];
  /** Slack Web API calls for this phase, by method. */
  slackCalls: Record<string, number>;
  /** Simulator (through the pacing proxy) streams for this phase. */
  upstreamStreams: number;
  /** SSE data events the simulator (through the proxy) sent per stream, on average. */
  eventsPerStream: number;
  /** Load process CPU over the phase (simulator + proxy + fake Slack + driver), ms. */
  childCpuMs: number;
  timedOut: boolean;
  /** Characters of the first final answer (to show how long answers are). */
  sampleAnswerChars: number;
  sampleFooter: string;
}

export interface BaselineResult {
  phase: string;
  n: number;
  completed: number;
  failures: string[];
  lastMs: number;
  perStreamMs: number[];
  childCpuMs: number;
  contentChars: number;
}

export type FromChild =
  | { type: 'ready'; bases: Record<string, string>; slackApiUrl: string; settings: LoadSettings }
  | { type: 'askResult'; id: number; result: AskResult }
  | { type: 'warmed'; id: number }
  | { type: 'baselineResult'; id: number; result: BaselineResult }
  | { type: 'error'; id: number; message: string };
