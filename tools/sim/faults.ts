// Faults the simulator can be told to inject, per profile: error statuses, slow or cut streams,
// malformed data. Tests set them in process (Simulator.setFaults); a simulator run by hand takes
// them over HTTP (control.ts), checked against the schema here.
import { z } from 'zod';
import type { ErrorCategory } from './profile.js';

export interface Faults {
  /** Answer with this status in the provider's error body shape (429, 500, 502, 503, 402, 401, 403; any other 4xx/5xx is sent as-is in the same shape). */
  status?: number;
  /** Adds `Retry-After: N` to status faults. */
  retryAfterSeconds?: number;
  /** How many requests the fault applies to (default: all). */
  times?: number;
  /** Delay before the first token; DeepSeek/OpenRouter send their SSE comments meanwhile. */
  slowFirstTokenMs?: number;
  /** Destroy the socket after this many data chunks (non-stream: after part of the body). */
  cutAfterChunks?: number;
  /** A non-JSON `data:` line after the first chunk (non-stream: a non-JSON body). */
  malformedChunk?: boolean;
  /** Send headers, then nothing. */
  hang?: boolean;
  /** OpenRouter style: a `data:` event with an `error` field on HTTP 200 after two chunks. */
  midStreamError?: boolean;
  /** No usage anywhere. */
  omitUsage?: boolean;
  /** This id on every reply (x-request-id and the body's id), as a gateway that reuses request ids. */
  fixedRequestId?: string;
  /** Stream the content, then only keep-alive comments: no final chunk, no [DONE]. */
  neverEnd?: boolean;
  /** Tool-call arguments that are not valid JSON. */
  toolArgsNotJson?: boolean;
  /** JSON mode answered with prose. */
  jsonModeProse?: boolean;
  /** Status for the model-not-found error instead of the provider's documented one. */
  unknownModelStatus?: number;
  /** The provider's out-of-balance error. */
  balanceExhausted?: boolean;
  /** Fields laid over the usage sent, e.g. `{"prompt_tokens": 1e300}`, `-5`, `"NaN"`; null sends null. */
  usagePatch?: Record<string, number | string | null>;
  /** HTTP 200 with an HTML page instead of the reply (a captive proxy or login portal). */
  htmlBody?: boolean;
  /** The body ends cleanly part-way: half the JSON; a stream without its last chunk or [DONE]. */
  truncatedBody?: boolean;
  /** A UTF-8 byte order mark before the body. */
  bom?: boolean;
  /** Send headers, then keep-alive comments (blank lines when not streamed) and nothing else, forever. */
  hangWithKeepAlives?: boolean;
}

const status = z.number().int().min(400).max(599);
const ms = z.number().int().min(0).max(600_000);
export const faultsSchema = z.strictObject({
  status: status.optional(),
  retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  times: z.number().int().min(1).optional(),
  slowFirstTokenMs: ms.optional(),
  cutAfterChunks: z.number().int().min(0).optional(),
  malformedChunk: z.boolean().optional(),
  hang: z.boolean().optional(),
  midStreamError: z.boolean().optional(),
  omitUsage: z.boolean().optional(),
  fixedRequestId: z.string().min(1).max(200).optional(),
  neverEnd: z.boolean().optional(),
  toolArgsNotJson: z.boolean().optional(),
  jsonModeProse: z.boolean().optional(),
  unknownModelStatus: status.optional(),
  balanceExhausted: z.boolean().optional(),
  usagePatch: z.record(z.string(), z.union([z.number(), z.string(), z.null()])).optional(),
  htmlBody: z.boolean().optional(),
  truncatedBody: z.boolean().optional(),
  bom: z.boolean().optional(),
  hangWithKeepAlives: z.boolean().optional(),
}) satisfies z.ZodType<Faults>;
// Every fault can be set over HTTP: a field added to Faults but not here fails to compile.
const FAULT_FIELDS: Record<keyof Faults, unknown> = faultsSchema.shape;
/** The faults a simulator run by hand takes over HTTP. */
export const FAULT_NAMES = Object.keys(FAULT_FIELDS);

/** The error a status fault is answered with, in the profile's shape. */
export function statusCategory(status: number): ErrorCategory {
  switch (status) {
    case 401: return 'auth';
    case 403: return 'forbidden';
    case 402: return 'payment';
    case 429: return 'rate_limited';
    case 500: return 'server';
    case 502: return 'bad_gateway';
    case 503: return 'overloaded';
    default: return status >= 500 ? 'server' : 'bad_request';
  }
}
