// Wire profiles of the provider simulator, one per provider. Every behaviour here imitates a fact
// in docs/PROVIDERS.md §1 (the comments quote the line it comes from). Where those facts are
// silent and a choice had to be made (error type strings, some error codes), the comment says
// "(assumed)" so nobody mistakes it for a captured fact.
import { hex, isKimiThinkingModel, nextSeq, thinkingSwitch, uuidish, type Profile, type ProfileName } from './profile.js';

// The names, for code that lists the profiles without serving them (bench/ask-load.ts).
export { PROFILE_NAMES, type ProfileName } from './profile.js';

// docs/PROVIDERS.md §1 error body shapes:
//  DeepSeek `{"error":{"message","type","param":null,"code"}}`
//  Qwen "OpenAI shape plus top-level `request_id`"
//  Kimi `{"error":{"message","type"}}` (no code)
//  GLM `{"error":{"code":"<string>","message"}}`
//  OpenRouter `{"error":{"code":<number>,"message","metadata"}}`

const deepseek: Profile = {
  name: 'deepseek',
  // docs/PROVIDERS.md §1: base `https://api.deepseek.com` (also `/v1`)
  bases: ['/deepseek', '/deepseek/v1'],
  models: ['deepseek-flash', 'deepseek-v4-flash', 'deepseek-v4-pro', 'deepseek-chat', 'deepseek-reasoner'],
  thinks(model, body) {
    // docs/PROVIDERS.md §3: deepseek-chat / deepseek-reasoner = v4-flash non-thinking / thinking.
    if (model === 'deepseek-chat') return false;
    if (model === 'deepseek-reasoner') return true;
    // docs/PROVIDERS.md §1: "Thinking on by default for DeepSeek V4 (`thinking:{type:"enabled"|"disabled"}`)"
    return thinkingSwitch(body) ?? true;
  },
  requestIdHeader: true,
  newId: uuidish,
  usage(u) {
    // docs/PROVIDERS.md §1: "`usage.prompt_cache_hit_tokens` and `usage.prompt_cache_miss_tokens` at the top level
    // (2026 responses also carry `prompt_tokens_details.cached_tokens`); `completion_tokens_details.reasoning_tokens`"
    const out: Record<string, unknown> = {
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      total_tokens: u.prompt + u.completion,
      prompt_tokens_details: { cached_tokens: u.cached },
      prompt_cache_hit_tokens: u.cached,
      prompt_cache_miss_tokens: u.prompt - u.cached,
    };
    if (u.reasoning > 0) out['completion_tokens_details'] = { reasoning_tokens: u.reasoning };
    return out;
  },
  error(cat, ctx) {
    const e = (status: number, message: string, type: string, code: string) => ({
      status,
      body: { error: { message, type, param: null, code } },
    });
    switch (cat) {
      case 'auth': return e(401, 'Authentication Fails, Your api key is invalid', 'authentication_error', 'invalid_request_error');
      case 'forbidden': return e(403, 'Permission denied', 'permission_error', 'invalid_request_error'); // (assumed)
      // docs/PROVIDERS.md §1: out of balance 402 "Insufficient Balance"
      case 'balance': return e(402, 'Insufficient Balance', 'unknown_error', 'invalid_request_error');
      case 'payment': return e(402, 'Insufficient Balance', 'unknown_error', 'invalid_request_error');
      // docs/PROVIDERS.md §1: model-not-found 400 "Model Not Exist"
      case 'model_not_found': return e(ctx.status ?? 400, 'Model Not Exist', 'invalid_request_error', 'invalid_request_error');
      // docs/PROVIDERS.md §1: "DeepSeek: 429 when an account exceeds its concurrency …, 500 server error, 503 overloaded"
      case 'rate_limited': return e(429, 'Rate Limit Reached', 'rate_limit_error', 'rate_limit_reached');
      case 'server': return e(500, 'Server Error', 'server_error', 'internal_error');
      case 'bad_gateway': return e(502, 'Bad Gateway', 'server_error', 'bad_gateway');
      case 'overloaded': return e(503, 'Server Overloaded', 'server_error', 'server_overloaded');
      case 'bad_request': return e(ctx.status ?? 400, ctx.message ?? 'Invalid request', 'invalid_request_error', 'invalid_request_error');
    }
  },
};

const qwen: Profile = {
  name: 'qwen',
  // docs/PROVIDERS.md §1: region bases `…/compatible-mode/v1`
  bases: ['/qwen/compatible-mode/v1'],
  models: ['qwen-plus', 'qwen-flash', 'qwen3.5-plus'],
  thinks(model, body) {
    // docs/PROVIDERS.md §1: "Qwen3.5+/3.6 (`enable_thinking`); off by default for qwen-plus/flash"
    const sw = body['enable_thinking'];
    const explicit = typeof sw === 'boolean' ? sw : undefined;
    if (model === 'qwen-plus' || model === 'qwen-flash') return explicit ?? false;
    return explicit ?? true;
  },
  requestIdHeader: true,
  newId: () => `chatcmpl-${uuidish()}`,
  usage(u) {
    // docs/PROVIDERS.md §1 Qwen: `prompt_tokens_details.cached_tokens` (no reasoning detail documented: none sent)
    return {
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      total_tokens: u.prompt + u.completion,
      prompt_tokens_details: { cached_tokens: u.cached },
    };
  },
  error(cat, ctx) {
    // docs/PROVIDERS.md §1: "OpenAI shape plus top-level `request_id`"
    const e = (status: number, message: string, type: string, code: string) => ({
      status,
      body: { error: { message, type, param: null, code }, request_id: ctx.requestId },
    });
    switch (cat) {
      case 'auth': return e(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      case 'forbidden': return e(403, 'Access denied.', 'AccessDenied', 'AccessDenied'); // (assumed)
      // docs/PROVIDERS.md §1: out of balance 400 `Arrearage`
      case 'balance': return e(400, 'Access denied, please make sure your account is in good standing.', 'Arrearage', 'Arrearage');
      case 'payment': return e(402, 'Payment required.', 'invalid_request_error', 'payment_required'); // (assumed)
      // docs/PROVIDERS.md §1: model-not-found 404 `model_not_found`
      case 'model_not_found':
        return e(ctx.status ?? 404, `The model \`${ctx.model ?? ''}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
      case 'rate_limited': return e(429, 'Requests rate limit exceeded, please try again later.', 'limit_requests', 'limit_requests');
      case 'server': return e(500, 'An internal error has occured, please try again later.', 'internal_error', 'internal_error');
      case 'bad_gateway': return e(502, 'Bad gateway.', 'internal_error', 'bad_gateway');
      case 'overloaded': return e(503, 'Service is overloaded, please try again later.', 'internal_error', 'ServiceUnavailable');
      case 'bad_request': return e(ctx.status ?? 400, ctx.message ?? 'Invalid request.', 'invalid_request_error', 'invalid_parameter_error');
    }
  },
};

const kimi: Profile = {
  name: 'kimi',
  // docs/PROVIDERS.md §1: `https://api.moonshot.ai/v1`
  bases: ['/kimi/v1'],
  models: ['kimi-k2.5', 'kimi-k2.6', 'moonshot-v1-8k'],
  thinks(model, body) {
    // docs/PROVIDERS.md §1: "Thinking on by default for … Kimi k2.5+ … (`thinking:{type:...}`)"
    if (!isKimiThinkingModel(model)) return false;
    return thinkingSwitch(body) ?? true;
  },
  requestIdHeader: true,
  newId: () => `chatcmpl-${hex(24)}${nextSeq()}`,
  usage(u) {
    // docs/PROVIDERS.md §1 Kimi: "cached tokens as top-level `usage.cached_tokens`"
    return {
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      total_tokens: u.prompt + u.completion,
      cached_tokens: u.cached,
    };
  },
  error(cat, ctx) {
    // docs/PROVIDERS.md §1: `{"error":{"message","type"}}` (no code)
    const e = (status: number, message: string, type: string) => ({ status, body: { error: { message, type } } });
    switch (cat) {
      case 'auth': return e(401, 'Invalid Authentication', 'invalid_authentication_error');
      case 'forbidden': return e(403, 'The API key does not have permission', 'permission_denied_error'); // (assumed)
      // docs/PROVIDERS.md §1: out of balance 403 `exceeded_current_quota_error`
      case 'balance': return e(403, 'Your account is suspended, please check your plan and billing details', 'exceeded_current_quota_error');
      case 'payment': return e(402, 'Payment required', 'exceeded_current_quota_error'); // (assumed)
      // docs/PROVIDERS.md §1: model-not-found 404 `resource_not_found_error`
      case 'model_not_found': return e(ctx.status ?? 404, `Not found the model ${ctx.model ?? ''} or Permission denied`, 'resource_not_found_error');
      case 'rate_limited': return e(429, 'Your account reached max request rate limit', 'rate_limit_reached_error');
      case 'server': return e(500, 'Internal server error', 'server_error');
      case 'bad_gateway': return e(502, 'Bad gateway', 'server_error');
      case 'overloaded': return e(503, 'The engine is currently overloaded, please try again later', 'engine_overloaded_error');
      case 'bad_request': return e(ctx.status ?? 400, ctx.message ?? 'Invalid request', 'invalid_request_error');
    }
  },
};

const glm: Profile = {
  name: 'glm',
  // docs/PROVIDERS.md §1: `https://api.z.ai/api/paas/v4` (global); "a `/v1` base gives 404"
  bases: ['/glm/api/paas/v4'],
  models: ['glm-4.7', 'glm-5'],
  thinks(_model, body) {
    // docs/PROVIDERS.md §1: "Thinking on by default for … GLM 4.7/5 (`thinking:{type:...}`)"
    return thinkingSwitch(body) ?? true;
  },
  requestIdHeader: false,
  // docs/PROVIDERS.md §1: ids look like "202510181239034578873d49744455" (14-digit time + 16 hex)
  newId: () => {
    const d = new Date();
    const ts = d.toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
    return `${ts}${nextSeq().toString(16).padStart(16, '0')}`;
  },
  usage(u) {
    // docs/PROVIDERS.md §1 GLM: "reasoning is counted inside `completion_tokens`" (no reasoning detail).
    // Cached tokens: docs/PROVIDERS.md is silent; the OpenAI `prompt_tokens_details` field is used (assumed).
    return {
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      total_tokens: u.prompt + u.completion,
      prompt_tokens_details: { cached_tokens: u.cached },
    };
  },
  error(cat, ctx) {
    // docs/PROVIDERS.md §1: `{"error":{"code":"<string>","message"}}`
    const e = (status: number, code: string, message: string) => ({ status, body: { error: { code, message } } });
    switch (cat) {
      case 'auth': return e(401, '1000', 'Authentication failed'); // code (assumed)
      case 'forbidden': return e(403, '1220', 'You do not have permission to access this resource'); // (assumed)
      // docs/PROVIDERS.md §1: out of balance 429 code `1113`
      case 'balance': return e(429, '1113', 'Your account is in arrears, please recharge and try again');
      case 'payment': return e(402, '1113', 'Your account is in arrears, please recharge and try again'); // (assumed)
      // docs/PROVIDERS.md §1: model-not-found 400 code `1211`
      case 'model_not_found': return e(ctx.status ?? 400, '1211', 'Unknown Model, please check the model code.');
      case 'rate_limited': return e(429, '1302', 'Rate limit reached for requests'); // code (assumed)
      case 'server': return e(500, '500', 'Internal Error');
      case 'bad_gateway': return e(502, '502', 'Bad Gateway');
      case 'overloaded': return e(503, '503', 'Service Unavailable');
      case 'bad_request': return e(ctx.status ?? 400, '1210', ctx.message ?? 'Invalid API parameter');
    }
  },
};

const openrouter: Profile = {
  name: 'openrouter',
  // docs/PROVIDERS.md §1: `https://openrouter.ai/api/v1`
  bases: ['/openrouter/api/v1'],
  models: ['deepseek/deepseek-v4-flash', 'deepseek/deepseek-v4-pro', 'qwen/qwen-plus', 'moonshotai/kimi-k2.5', 'z-ai/glm-4.7'],
  thinks(model, body) {
    // The upstream model's default (docs/PROVIDERS.md §1 thinking defaults); OpenRouter's switch is
    // `reasoning:{enabled}` (OpenRouter docs; docs/PROVIDERS.md is silent — assumed).
    const r = body['reasoning'];
    if (r && typeof r === 'object' && 'enabled' in r && typeof (r as { enabled: unknown }).enabled === 'boolean') {
      return (r as { enabled: boolean }).enabled;
    }
    return model !== 'qwen/qwen-plus';
  },
  requestIdHeader: false,
  newId: () => `gen-${Math.floor(Date.now() / 1000)}-${hex(20)}${nextSeq()}`,
  usage(u, cost) {
    // docs/PROVIDERS.md §1 OpenRouter: "usage always sent (includes `cost`, `prompt_tokens_details.cached_tokens`,
    // `cache_write_tokens`, `reasoning_tokens`)"
    return {
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      total_tokens: u.prompt + u.completion,
      cost,
      is_byok: false,
      prompt_tokens_details: { cached_tokens: u.cached, cache_write_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: u.reasoning },
    };
  },
  error(cat, ctx) {
    // docs/PROVIDERS.md §1: `{"error":{"code":<number>,"message","metadata"}}`
    const e = (status: number, message: string, metadata?: Record<string, unknown>) => ({
      status,
      body: { error: { code: status, message, ...(metadata ? { metadata } : {}) } },
    });
    switch (cat) {
      case 'auth': return e(401, 'No auth credentials found');
      case 'forbidden': return e(403, 'Key is disabled or input was flagged', { reasons: [] });
      // docs/PROVIDERS.md §1: out of balance 402
      case 'balance':
      case 'payment': return e(402, 'Insufficient credits. Add more using https://openrouter.ai/settings/credits');
      // docs/PROVIDERS.md §1: model-not-found 400/404
      case 'model_not_found': return e(ctx.status ?? 400, `${ctx.model ?? ''} is not a valid model ID`);
      case 'rate_limited': return e(429, 'Rate limit exceeded', { provider_name: null });
      case 'server': return e(500, 'Internal Server Error');
      case 'bad_gateway': return e(502, 'Provider returned error', { provider_name: 'Upstream' });
      case 'overloaded': return e(503, 'No instances available', { provider_name: null });
      case 'bad_request': return e(ctx.status ?? 400, ctx.message ?? 'Invalid request');
    }
  },
};

export const PROFILES: Record<ProfileName, Profile> = { deepseek, qwen, kimi, glm, openrouter };
