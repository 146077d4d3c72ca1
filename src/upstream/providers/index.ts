// Public surface of the provider layer.
export * from './types.js';
export { ProviderError, classifyError, kindOf, parseRetryAfter, scrub, type ClassifyContext, type ProviderErrorInit } from './errors.js';
export { ERROR_WORDING, type ErrorWording } from './error-wording.js';
export { normalizeUsage, toDecimalString } from './usage.js';
export { dialectOf, shapeRequest, thinksByDefault, type Dialect, type ShapedRequest } from './dialect.js';
export { StreamAssembler } from './assemble.js';
export { createProviderClient, createProviderClients, type ProviderClientOptions } from './client.js';
