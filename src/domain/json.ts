// Checks on values parsed from outside JSON (provider bodies and streams, price sources, usage
// files): one definition, so every reader agrees on what an object is.

/** An object with string keys: not null, not an array. */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
