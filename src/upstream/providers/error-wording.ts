// How each kind of provider failure is worded, in one place: as a label in ProviderError
// messages ("deepseek: out of balance (HTTP 402): …") and as what a route did in an answer's
// failure note ("deepseek/deepseek-v4-pro is out of balance (402)"), and which timer a timeout was.
import type { ErrorKind, TimeoutPhase } from './types.js';

export interface ErrorWording {
  /** Follows "provider: " in an error message. */
  label: string;
  /** Follows "provider/model " in a note on a failed route. */
  route: string;
}

export const ERROR_WORDING: Record<ErrorKind, ErrorWording> = {
  auth: { label: 'authentication failed', route: 'rejected the API key' },
  balance: { label: 'out of balance', route: 'is out of balance' },
  model_not_found: { label: 'model not found', route: 'does not know the model' },
  rate_limited: { label: 'rate limited', route: 'was rate limited' },
  overloaded: { label: 'overloaded', route: 'was overloaded' },
  timeout: { label: 'timed out', route: 'timed out' },
  connection: { label: 'connection failed', route: 'dropped the connection' },
  bad_request: { label: 'bad request', route: 'rejected the request' },
  server: { label: 'server error', route: 'had a server error' },
  missing_key: { label: 'missing API key', route: 'has no API key set' },
  malformed: { label: 'malformed response', route: 'sent a malformed reply' },
  context_length: { label: 'prompt over the context window', route: 'could not fit the conversation in its context window' },
  aborted: { label: 'stopped', route: 'was stopped' },
};

/**
 * What a route that timed out did, by the timer that ended it, given that timer's time ("20 s");
 * for the caller's deadline, the time the whole answer had.
 */
export const TIMEOUT_WORDING: Record<TimeoutPhase, (time: string) => string> = {
  first_token: (t) => `timed out: no first token within ${t}`,
  silence: (t) => `timed out: no data for ${t}`,
  total: (t) => `timed out: no complete answer within ${t}`,
  deadline: (t) => `had not finished when the ${t} answer deadline passed`,
};
