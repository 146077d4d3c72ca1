// What changed between two route check runs of a target (the history is kept by the store:
// src/store/routecheck-history.ts).
import type { CheckName, CheckStatus } from './checks.js';

export interface CheckResult {
  provider: string;
  model: string;
  check: CheckName;
  status: CheckStatus;
  reason: string;
}

export interface StatusChange extends Omit<CheckResult, 'status' | 'reason'> {
  from: CheckStatus;
  to: CheckStatus;
  reason: string;
}

/** Pass/fail changes between two runs; n/a on either side is not a change worth reporting. */
export function statusChanges(previous: ReadonlyArray<Omit<CheckResult, 'check'> & { check: string }>, current: readonly CheckResult[]): StatusChange[] {
  const before = new Map(previous.map((r) => [`${r.provider}/${r.model}#${r.check}`, r]));
  const out: StatusChange[] = [];
  for (const r of current) {
    const p = before.get(`${r.provider}/${r.model}#${r.check}`);
    if (!p || p.status === r.status || p.status === 'n/a' || r.status === 'n/a') continue;
    out.push({ provider: r.provider, model: r.model, check: r.check, from: p.status, to: r.status, reason: r.reason });
  }
  return out;
}
