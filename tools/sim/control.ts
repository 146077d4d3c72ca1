// Faults on demand for a simulator run by hand (`routeops sim`): POST /_sim/faults/PROFILE with a
// JSON Faults object sets them, DELETE /_sim/faults/PROFILE (or /_sim/faults) clears them.
import type { ServerResponse } from 'node:http';
import { FAULT_NAMES, faultsSchema, type Faults } from './faults.js';
import { sendJson } from './http-io.js';
import { PROFILE_NAMES, isProfileName, type ProfileName } from './profile.js';
import type { SimState } from './state.js';

/** Where a simulator run by hand takes its faults. */
export const CONTROL_PREFIX = '/_sim';

/** Handles a control request; `rest` is the path after `/_sim/`. */
export function control(state: SimState, res: ServerResponse, method: string, rest: string, body: unknown): void {
  const [what, name, ...extra] = rest.split('/');
  if (what !== 'faults' || extra.length || (name !== undefined && name !== '' && !isProfileName(name))) {
    return sendJson(res, 404, { error: `unknown control path; use POST or DELETE ${CONTROL_PREFIX}/faults/{${PROFILE_NAMES.join('|')}}` });
  }
  const profiles = name ? [name as ProfileName] : [...PROFILE_NAMES];
  if (method === 'DELETE') {
    for (const p of profiles) state.setFaults(p, null);
    return sendJson(res, 200, { ok: true, cleared: profiles });
  }
  if (method !== 'POST' || !name) return sendJson(res, 405, { error: `POST ${CONTROL_PREFIX}/faults/PROFILE with a JSON body, or DELETE` });
  const parsed = faultsSchema.safeParse(body);
  if (!parsed.success) {
    return sendJson(res, 400, { error: `bad faults: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`, accepted: FAULT_NAMES });
  }
  state.setFaults(name as ProfileName, parsed.data as Faults);
  return sendJson(res, 200, { ok: true, profile: name, faults: parsed.data });
}
