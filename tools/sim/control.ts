// Faults on demand for a simulator run by hand (`routeops sim`): POST /_sim/faults/PROFILE with a
// JSON Faults object sets them, DELETE /_sim/faults/PROFILE (or /_sim/faults) clears them. PROFILE
// is a profile name or the routeops provider name it stands for (`qwen` or `qwen-intl`).
// POST /_sim/models/PROFILE with {"models":["deepseek-flash", …]} sets the models it serves (its
// GET /models listing, and the only ones chat takes: a provider renaming or retiring a model);
// DELETE /_sim/models[/PROFILE] gives back the profile's own. The prepaid accounts have their
// own control, /_sim/balance (balance-control.ts).
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { FAULT_NAMES, faultsSchema, type Faults } from './faults.js';
import { sendJson } from './http-io.js';
import { ACCEPTED_PROFILE_NAMES, PROFILE_NAMES, PROVIDER_OF, resolveProfileName, type ProfileName } from './profile.js';
import type { SimState } from './state.js';

/** Where a simulator run by hand takes its faults. */
export const CONTROL_PREFIX = '/_sim';

const EXAMPLE = '{"status":503}';

/** What a body that is not a JSON object was, for the 400 that says so. */
export function notAnObject(raw: string): string | null {
  if (raw.trim() === '') return 'the body is empty';
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return 'the body is not JSON';
  }
  if (body === null) return 'got null';
  if (Array.isArray(body)) return 'got a JSON array';
  return typeof body === 'object' ? null : `got a JSON ${typeof body}`;
}

const modelsSchema = z.strictObject({ models: z.array(z.string().min(1).max(200)).max(1000) });

/** POST/DELETE /_sim/models[/PROFILE]. */
function models(state: SimState, res: ServerResponse, method: string, profiles: ProfileName[], raw: string): void {
  if (method === 'DELETE') {
    for (const p of profiles) state.of(p).models = null;
    return sendJson(res, 200, { ok: true, cleared: profiles });
  }
  const usage = `POST ${CONTROL_PREFIX}/models/PROFILE with {"models":["id", …]}, or DELETE (PROFILE: ${ACCEPTED_PROFILE_NAMES})`;
  if (method !== 'POST' || profiles.length !== 1) return sendJson(res, 405, { error: usage });
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    body = undefined;
  }
  const parsed = modelsSchema.safeParse(body);
  if (!parsed.success) return sendJson(res, 400, { error: `bad models: expected {"models":["id", …]} (at most 1000 ids of 1 to 200 characters)` });
  const profile = profiles[0]!;
  state.of(profile).models = [...new Set(parsed.data.models)];
  return sendJson(res, 200, { ok: true, profile, provider: PROVIDER_OF[profile], models: state.modelsOf(profile) });
}

/** Handles a control request; `rest` is the path after `/_sim/`, `raw` the request body as sent. */
export function control(state: SimState, res: ServerResponse, method: string, rest: string, raw: string): void {
  const [what, name, ...extra] = rest.split('/');
  if ((what !== 'faults' && what !== 'models') || extra.length) {
    return sendJson(res, 404, { error: `unknown control path; use POST or DELETE ${CONTROL_PREFIX}/faults/PROFILE or ${CONTROL_PREFIX}/models/PROFILE (PROFILE: ${ACCEPTED_PROFILE_NAMES}), or ${CONTROL_PREFIX}/balance/PROFILE` });
  }
  const profile = name ? resolveProfileName(name) : null;
  if (name && !profile) {
    return sendJson(res, 404, { error: `unknown simulator profile "${name.slice(0, 100)}"; accepted: ${ACCEPTED_PROFILE_NAMES}` });
  }
  const profiles: ProfileName[] = profile ? [profile] : [...PROFILE_NAMES];
  if (what === 'models') return models(state, res, method, profiles, raw);
  if (method === 'DELETE') {
    for (const p of profiles) state.setFaults(p, null);
    return sendJson(res, 200, { ok: true, cleared: profiles });
  }
  if (method !== 'POST' || !profile) return sendJson(res, 405, { error: `POST ${CONTROL_PREFIX}/faults/PROFILE with a JSON object, or DELETE (PROFILE: ${ACCEPTED_PROFILE_NAMES})` });
  // Checked before the schema: zod would say "expected object, received string" of a body that is no JSON at all.
  const problem = notAnObject(raw);
  if (problem) return sendJson(res, 400, { error: `bad faults: expected a JSON object such as ${EXAMPLE}; ${problem}`, accepted: FAULT_NAMES });
  const parsed = faultsSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    return sendJson(res, 400, { error: `bad faults: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`, accepted: FAULT_NAMES });
  }
  state.setFaults(profile, parsed.data as Faults);
  return sendJson(res, 200, { ok: true, profile, provider: PROVIDER_OF[profile], faults: parsed.data });
}
