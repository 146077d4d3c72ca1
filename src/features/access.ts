// Who is asking, and whether config.access lets them: shared by the command dispatcher and the
// /ask ops tools (which answer with the asker's rights). The rules are the keys of config.access,
// listed once in src/config/schema.ts (ACCESS_RULES).
import type { AccessRule } from '../config/schema.js';

export interface Caller {
  /** Slack user id, or a local name ("cli", "shell") for terminal adapters. */
  id: string;
  /** Local adapters (CLI, shell) run as the machine's operator and skip access lists. */
  local: boolean;
  channel?: string;
}

/** Local callers and rules with no name: everyone; else the listed Slack users (an empty list = everyone). */
export function mayUse(rule: AccessRule | undefined, caller: Caller, access: Partial<Record<AccessRule, string[]>>): boolean {
  if (caller.local || !rule) return true;
  const allowed = access[rule];
  return !allowed || allowed.length === 0 || allowed.includes(caller.id);
}
