// What a retirement proposal proposes, as kept in its `version` column
// (migrations/011_price_proposals.sql): when the model retires, the model of the same provider
// to move to (null: none can be named), and where that came from. Applied, it is an ordinary
// retirement in the config's `retirements[]` shape (src/config/schema.ts). Pure.
import type { RetirementInput } from '../../../config/schema.js';
import { isJsonObject } from '../../../domain/json.js';
import type { StoredProposal } from '../../../store/price-proposals.js';
import type { SourceEntry } from '../sources/types.js';

/** The fingerprint of a retirement proposal for a model gone from a provider's /models listing. */
export const GONE = 'retirement:gone';

/** The fingerprint of the retirement a source's mark says, or null when the entry is not marked. */
export function markOf(e: Pick<SourceEntry, 'expires_at' | 'deprecated'>): string | null {
  if (e.expires_at !== null) return `retirement:expires:${e.expires_at}`;
  return e.deprecated ? 'retirement:deprecated' : null;
}

/** Why a retirement proposal was made, in words, from its fingerprint; `clean` keeps a name to a plain character set. */
export function retirementReason(p: Pick<StoredProposal, 'fingerprint' | 'source' | 'provider' | 'seen_at'>, clean = (s: string) => s): string {
  if (p.fingerprint === GONE) return `gone from ${clean(p.provider)}'s /models since ${p.seen_at.slice(0, 10)} ${p.seen_at.slice(11, 16)} UTC`;
  if (p.fingerprint.startsWith('retirement:expires:')) return `${p.source} gives it an end date`;
  return `${p.source} marks it deprecated`;
}

export interface ProposedRetirement {
  /** ISO-8601 UTC: the source's date, or when the model was first seen gone. */
  at: string;
  replacement: string | null;
  /** Provenance, shown as the retirement's source once applied. */
  source: string;
}

/** The proposal's retirement, or null when it is no retirement (or its JSON is not one). */
export function proposedRetirement(p: Pick<StoredProposal, 'kind' | 'version'>): ProposedRetirement | null {
  const v = p.version;
  if (p.kind !== 'retirement' || !isJsonObject(v) || typeof v.at !== 'string' || Number.isNaN(Date.parse(v.at))) return null;
  return { at: v.at, replacement: typeof v.replacement === 'string' ? v.replacement : null, source: typeof v.source === 'string' ? v.source : 'retirement proposal' };
}

/** An applied retirement proposal as a retirement of the catalog. */
export function retirementOfProposal(p: Pick<StoredProposal, 'kind' | 'version' | 'provider' | 'model' | 'id'>): RetirementInput | null {
  const r = proposedRetirement(p);
  if (!r) return null;
  return { provider: p.provider, model: p.model, at: r.at, ...(r.replacement ? { replacement: r.replacement } : {}), source: `${r.source}; applied proposal ${p.id}` };
}

/** What a retirement proposal's alert says beside it: the aliases still routed to the model and its last 7 days. */
export interface RetirementNotice {
  /** Aliases whose routes use the model (src/features/alerts/jobs/deprecations.ts routesPointingAt). */
  aliases: Array<{ alias: string; position: number; of: number }>;
  /** Ledger requests and their cost over the last 7 days (today and the 6 days before, in the config's timezone). */
  calls: number;
  spend_nusd: bigint;
  from: string;
  to: string;
}

/** "deepseek-v4-flash (route 1 of 2), chat (route 2 of 2)", or "none". */
export function aliasesText(aliases: RetirementNotice['aliases']): string {
  return aliases.length ? aliases.map((a) => `${a.alias} (route ${a.position} of ${a.of})`).join(', ') : 'none';
}
