// classifyError over the SDK's error objects with each provider's error body (docs/PROVIDERS.md §1 table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ProviderError, SilenceTimeoutError, classifyError, parseRetryAfter, scrub } from '../../src/upstream/providers/errors.js';

const apiError = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  APIError.generate(status, body, undefined, new Headers(headers));

const cases: Array<[string, number, Record<string, unknown>, string]> = [
  ['deepseek 401', 401, { error: { message: 'Authentication Fails', type: 'authentication_error', param: null, code: 'invalid_request_error' } }, 'auth'],
  ['deepseek 402', 402, { error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' } }, 'balance'],
  ['deepseek 400 model', 400, { error: { message: 'Model Not Exist', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 'model_not_found'],
  ['deepseek 400 other', 400, { error: { message: 'max_tokens too large', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 'bad_request'],
  ['deepseek 429', 429, { error: { message: 'Rate Limit Reached', type: 'rate_limit_error', param: null, code: 'x' } }, 'rate_limited'],
  ['deepseek 500', 500, { error: { message: 'Server Error', type: 'server_error', param: null, code: 'x' } }, 'server'],
  ['deepseek 503', 503, { error: { message: 'Server Overloaded', type: 'server_error', param: null, code: 'x' } }, 'overloaded'],
  ['qwen 400 Arrearage', 400, { error: { message: 'Access denied, please make sure your account is in good standing.', type: 'Arrearage', param: null, code: 'Arrearage' }, request_id: 'q-1' }, 'balance'],
  ['qwen 404 model', 404, { error: { message: 'The model `Qwen-Plus` does not exist', type: 'invalid_request_error', param: null, code: 'model_not_found' }, request_id: 'q-2' }, 'model_not_found'],
  ['qwen 401', 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' }, request_id: 'q-3' }, 'auth'],
  ['kimi 403 quota', 403, { error: { message: 'Your account is suspended', type: 'exceeded_current_quota_error' } }, 'balance'],
  ['kimi 403 other', 403, { error: { message: 'permission denied', type: 'permission_denied_error' } }, 'auth'],
  ['kimi 404 model', 404, { error: { message: 'Not found the model x or Permission denied', type: 'resource_not_found_error' } }, 'model_not_found'],
  ['kimi 400 temperature', 400, { error: { message: 'invalid temperature', type: 'invalid_request_error' } }, 'bad_request'],
  ['glm 429 1113', 429, { error: { code: '1113', message: 'Your account is in arrears' } }, 'balance'],
  ['glm 429 rate', 429, { error: { code: '1302', message: 'Rate limit reached' } }, 'rate_limited'],
  ['glm 400 1211', 400, { error: { code: '1211', message: 'Unknown Model, please check the model code.' } }, 'model_not_found'],
  ['openrouter 402', 402, { error: { code: 402, message: 'Insufficient credits' } }, 'balance'],
  ['openrouter 400 model', 400, { error: { code: 400, message: 'foo/bar is not a valid model ID' } }, 'model_not_found'],
  ['openrouter 404 endpoints', 404, { error: { code: 404, message: 'No endpoints found for foo/bar.' } }, 'model_not_found'],
  ['openrouter 503', 503, { error: { code: 503, message: 'No instances available' } }, 'overloaded'],
  ['529', 529, { error: { message: 'overloaded' } }, 'overloaded'],
  ['502', 502, {}, 'server'],
  ['504', 504, {}, 'server'],
  ['422', 422, { error: { message: 'bad' } }, 'bad_request'],
  ['404 without a model hint', 404, {}, 'bad_request'],
];

for (const [name, status, body, kind] of cases) {
  test(`${name} -> ${kind}`, () => {
    const e = classifyError(apiError(status, body), 'p', { body });
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, kind);
    assert.equal(e.status, status);
    assert.equal(e.provider, 'p');
  });
}

test('request id: x-request-id header, else body request_id, else the last chunk id', () => {
  const body = { error: { message: 'x', code: 'Arrearage' }, request_id: 'from-body' };
  assert.equal(classifyError(apiError(400, body, { 'x-request-id': 'from-header' }), 'p', { body }).requestId, 'from-header');
  assert.equal(classifyError(apiError(400, body), 'p', { body }).requestId, 'from-body');
  assert.equal(classifyError(apiError(500, {}), 'p', { lastChunkId: 'chunk-1' }).requestId, 'chunk-1');
  assert.equal(classifyError(apiError(500, {}), 'p').requestId, null);
});

test('Retry-After: seconds, ms, HTTP date', () => {
  assert.equal(classifyError(apiError(429, {}, { 'retry-after': '7' }), 'p').retryAfterMs, 7000);
  assert.equal(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' })), 250);
  assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'Mon, 23 Nov 2026 12:00:10 GMT' }), () => Date.parse('2026-11-23T12:00:00Z')), 10_000);
  assert.equal(parseRetryAfter(new Headers({})), null);
});

test('mid-stream error event (status undefined): by its code', () => {
  const e = classifyError(new APIError(undefined, { code: 502, message: 'Provider disconnected' }, undefined, new Headers()), 'openrouter', { lastChunkId: 'gen-1' });
  assert.equal(e.kind, 'server');
  assert.equal(e.status, null);
  assert.equal(e.requestId, 'gen-1');
  assert.equal(classifyError(new APIError(undefined, { code: 429, message: 'slow down' }, undefined, new Headers()), 'p').kind, 'rate_limited');
  assert.equal(classifyError(new APIError(undefined, { code: 'server_error', message: 'x' }, undefined, new Headers()), 'p').kind, 'server');
});

test('connection, timeout, abort, malformed', () => {
  assert.equal(classifyError(new APIConnectionTimeoutError(), 'p').kind, 'timeout');
  assert.equal(classifyError(new APIConnectionError({ cause: new Error('ECONNREFUSED') }), 'p').kind, 'connection');
  assert.equal(classifyError(new APIUserAbortError(), 'p').kind, 'aborted');
  assert.equal(classifyError(new SyntaxError('Unexpected token'), 'p').kind, 'malformed');
  assert.equal(classifyError(new SilenceTimeoutError(100, 'silence'), 'p').kind, 'timeout');
  assert.equal(classifyError(new TypeError('terminated', { cause: new Error('other side closed') }), 'p').kind, 'connection');
  const t = classifyError(new APIUserAbortError(), 'p', { timedOut: new SilenceTimeoutError(50, 'first_token') });
  assert.equal(t.kind, 'timeout');
  assert.match(t.message, /first token/);
});

test('a ProviderError passes through; partial and attempts are kept', () => {
  const pe = new ProviderError({ kind: 'balance', provider: 'p', message: 'm' });
  assert.equal(classifyError(pe, 'p'), pe);
  const partial = { content: 'ab', reasoning: '', toolCalls: [], finishReason: null, usage: null, requestId: null, model: null, latencyMs: 0, ttftMs: null, chunks: 2 };
  const e = classifyError(new TypeError('terminated'), 'p', { partial, attempts: 1 });
  assert.equal(e.partial, partial);
  assert.equal(e.attempts, 1);
});

test('messages never carry the key or a bearer token', () => {
  const key = 'sk-live-0123456789abcdef';
  const e = classifyError(apiError(401, { error: { message: `Incorrect API key provided: ${key}. Authorization: Bearer ${key}` } }), 'p', { secrets: [key] });
  assert.ok(!e.message.includes(key));
  assert.ok(!scrub('Authorization: Bearer abc.def').includes('abc.def'));
  assert.ok(!scrub('key sk-abcdefghijklmnop used').includes('sk-abcdefghijklmnop'));
});
