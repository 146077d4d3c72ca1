// What the rest of routeops sees of a provider: one OpenAI-compatible chat API, with usage
// normalised from each provider's shape (docs/PROVIDERS.md §1) and errors classified into kinds.

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  id: string;
  name: string;
  /** Raw JSON text as the model produced it (may be malformed: callers validate). */
  arguments: string;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** Assistant turns that called tools. */
  tool_calls?: ToolCall[];
  /** Tool result turns. */
  tool_call_id?: string;
  /** DeepSeek and Kimi require it back on assistant turns that made tool calls. */
  reasoning_content?: string;
}

export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  tools?: ToolDefinition[];
  /** 'auto' (default when tools are given), 'none', or a tool name to force. */
  toolChoice?: 'auto' | 'none' | { name: string };
  responseFormat?: 'json_object';
  /** Ask for thinking on/off where the provider has a switch; undefined = provider default. */
  thinking?: boolean;
  temperature?: number;
  signal?: AbortSignal;
  /**
   * Streaming: fail `timeout` when no content, reasoning or tool-call delta arrives within this
   * time from the start of the call (SDK retries included). Keep-alive comments do not count.
   */
  firstTokenTimeoutMs?: number;
  /** The most this call may take (e.g. what is left of an answer's deadline): past it, it fails `timeout`. */
  timeoutMs?: number;
  /**
   * routeops' own id of this call (its ledger row's call_id), sent as `X-Client-Request-Id`
   * (docs/PROVIDERS.md §1), so a provider's logs, and the simulator, can be matched to our rows.
   */
  clientRequestId?: string;
  /** Told each time the client retries the call, with the status the failed attempt got (null: no response). */
  onRetry?(after: number | null): void;
}

/** Usage in one shape whatever the provider sent. */
export interface NormalizedUsage {
  /** All prompt tokens, cached included. */
  input_tokens: number;
  cached_input_tokens: number;
  /** Prompt tokens written to the provider's cache (part of input, apart from the cached ones). */
  cache_write_tokens: number;
  /** All completion tokens, reasoning included. */
  output_tokens: number;
  reasoning_tokens: number;
  /** What the provider billed, if it said (OpenRouter's usage.cost), as a decimal string. */
  provider_cost_usd: string | null;
}

export type StreamDelta = { type: 'content'; text: string } | { type: 'reasoning'; text: string } | { type: 'tool_call'; index: number };

export interface ChatResult {
  content: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  /** null when the provider sent none, or none that could be used (a finding in itself for routecheck). */
  usage: NormalizedUsage | null;
  /** Set when usage arrived but was beyond any real request (e.g. prompt_tokens 1e300): why. usage is then null. */
  usageInvalid?: string;
  /** Upstream request id: x-request-id header, else the body's id / request_id. */
  requestId: string | null;
  /** Model id the provider says answered. */
  model: string | null;
  latencyMs: number;
  /** Time to first content or reasoning token (streaming only). */
  ttftMs: number | null;
  /** Number of SSE chunks seen (streaming only). */
  chunks: number;
  /** Adjustments made to fit the provider's rules (e.g. GLM could not force a tool). */
  notes?: string[];
  /** Upstream HTTP attempts for this call, SDK retries included. */
  attempts?: number;
  /** The status each retried attempt failed with, in order (null: no response); empty when none was retried. */
  retriedAfter?: Array<number | null>;
}

/** A call forwarded with the client's own body (the gateway: forward.ts). */
export interface ForwardRequest {
  /** The client's body (validated by the caller); `model` is replaced by the route's. */
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** Thinking on/off set by the route (a retired model's mode kept on its replacement). */
  thinking?: boolean;
  /** Retries of this call (default: the provider's max_retries); 0 when another route can take it at once. */
  maxRetries?: number;
  signal?: AbortSignal;
  /** routeops' id of the call, sent as X-Client-Request-Id. */
  clientRequestId?: string;
  timeoutMs?: number;
  firstTokenTimeoutMs?: number;
  /** Provider fields allowed beyond the dialect's own (config). */
  extraFields?: readonly string[];
  /** Each streamed event's data as it arrives, with the parsed chunk. Throwing stops the call. */
  onEvent?(data: string, chunk: Record<string, unknown>): void;
}

export interface ForwardResult extends ChatResult {
  /** A plain call's reply as the provider sent it (JSON text); null when streamed. */
  text: string | null;
  /** The fixes made for the provider (forward-body.ts). */
  notes?: string[];
}

export const ERROR_KINDS = [
  'auth',
  'balance',
  'model_not_found',
  'rate_limited',
  'overloaded',
  'timeout',
  'connection',
  'bad_request',
  'server',
  'missing_key',
  'malformed',
  /** The prompt is longer than the model's context window (a route with a larger one may take it). */
  'context_length',
  /** The caller stopped the call (e.g. shutting down): no other route is tried. */
  'aborted',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/**
 * Which of a call's timers ended it (kind `timeout`): no first token in time (keep-alives do not
 * count), no data for too long, the whole call's own limit, or the caller's deadline (the time
 * left for an answer, ChatRequest.timeoutMs).
 */
export type TimeoutPhase = 'first_token' | 'silence' | 'total' | 'deadline';

export interface ProviderClient {
  /** Provider name as configured (deepseek, qwen-intl, …). */
  readonly name: string;
  readonly hasKey: boolean;
  chat(req: ChatRequest): Promise<ChatResult>;
  chatStream(req: ChatRequest, onDelta: (d: StreamDelta) => void): Promise<ChatResult>;
  /** GET {base}/models ids; throws ProviderError. */
  listModels(signal?: AbortSignal): Promise<string[]>;
  /** The client's own body sent on with the route's fixes, the reply passed back as sent (forward.ts); throws ProviderError. */
  forward(req: ForwardRequest): Promise<ForwardResult>;
}
