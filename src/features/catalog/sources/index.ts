// Catalog sources: normalisers (pure) and fetchers.
export * from './types.js';
export * from './normalize.js';
export * from './fetch.js';
