// Faults on demand for a simulator run by hand (`routeops sim`): POST /_sim/faults/PROFILE with a
// JSON Faults object sets them, DELETE /_sim/faults/PROFILE (or /_sim/faults) clears them. PROFILE
// is a profile name or the routeops provider name it stands for (`qwen` or `qwen-intl`).
import type { ServerResponse } from 'node:http';
import { FAULT_NAMES, faultsSchema, type Faults } from './faults.js';
import { sendJson } from './http-io.js';
import { ACCEPTED_PROFILE_NAMES, PROFILE_NAMES, PROVIDER_OF, resolveProfileName, type ProfileName } from './profile.js';
import type { SimState } from './state.js';

/** Where a simulator run by hand takes its faults. */
export const CONTROL_PREFIX = '/_sim';

const EXAMPLE = '{"status":503}';

/** What a body that is not a JSON object was, for the 400 that says so. */
function notAnObject(raw: string): string | null {
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

/** Handles a control request; `rest` is the path after `/_sim/`, `raw` the request body as sent. */
export function control(state: SimState, res: ServerResponse, method: string, rest: string, raw: string): void {
  const [what, name, ...extra] = rest.split('/');
  if (what !== 'faults' || extra.length) {
    return sendJson(res, 404, { error: `unknown control path; use POST or DELETE ${CONTROL_PREFIX}/faults/PROFILE (PROFILE: ${ACCEPTED_PROFILE_NAMES})` });
  }
  const profile = name ? resolveProfileName(name) : null;
  if (name && !profile) {
    return sendJson(res, 404, { error: `unknown simulator profile "${name.slice(0, 100)}"; accepted: ${ACCEPTED_PROFILE_NAMES}` });
  }
  const profiles: ProfileName[] = profile ? [profile] : [...PROFILE_NAMES];
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
