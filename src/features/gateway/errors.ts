// The gateway's errors in OpenAI's shape (`{"error":{"message","type","param","code"}}`), so the
// official SDKs raise their usual exceptions (docs/ARCHITECTURE.md §3.3 gateway). Pure.

export type OpenAiErrorType = 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'not_found_error' | 'rate_limit_error' | 'insufficient_quota' | 'api_error' | 'timeout_error';

export interface GatewayError {
  status: number;
  type: OpenAiErrorType;
  code: string | null;
  param: string | null;
  message: string;
  /** Extra response headers (Retry-After, WWW-Authenticate). */
  headers?: Record<string, string>;
}

export function gatewayError(status: number, type: OpenAiErrorType, code: string | null, message: string, param: string | null = null, headers?: Record<string, string>): GatewayError {
  return { status, type, code, param, message, ...(headers ? { headers } : {}) };
}

/** The JSON body of an error. */
export function errorBody(e: GatewayError): string {
  return JSON.stringify({ error: { message: e.message, type: e.type, param: e.param, code: e.code } });
}
