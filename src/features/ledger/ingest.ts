// Usage rows posted to POST /v1/usage (docs/ARCHITECTURE.md §3.3, §3.5). The whole body is parsed
// first, then written in one transaction, so the write lock is held only for the inserts and a
// batch is all or nothing. A database whose write lock another connection holds (a
// `routeops ledger import`, a long write elsewhere) is the answer `busy`: nothing was written and
// the sender should try again later. This runs off the bot's event loop (src/app/ingest.ts runs
// it in a worker thread with a connection of its own), so neither the parse nor the wait for the
// lock delays a Slack ack.
import type { LedgerStore } from '../../store/ledger.js';
import type { RowError } from '../../domain/usage-rows/rows.js';
import { detectUsageFormat, parseUsageText } from '../../domain/usage-rows/parse.js';
import { isBusy } from '../../store/retry-queue.js';

export type IngestOutcome =
  | { kind: 'written'; inserted: number; skipped: number }
  | { kind: 'bad_rows'; errors: RowError[]; errorCount: number }
  /** The database stayed locked by another connection: nothing was written. */
  | { kind: 'busy' };

/**
 * What the HTTP adapter hands a posted body to, as the pieces it was read in (in order; the
 * bytes are handed over: the caller does not use them again). Throws on a failure of our own
 * (nothing written).
 */
export interface UsageIngest {
  ingest(body: readonly Uint8Array[]): Promise<IngestOutcome>;
}

/** The text of a body read in pieces (UTF-8; a character cut between pieces is joined). */
export function bodyText(blocks: readonly Uint8Array[]): string {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  for (const b of blocks) text += decoder.decode(b, { stream: true });
  return text + decoder.decode();
}

/** Parses a posted body (a JSON array when it starts with "[", else JSONL) and records it with source `ingest`. */
export async function ingestUsageText(ledger: LedgerStore, text: string): Promise<IngestOutcome> {
  // `.json` detection: "[" first means a JSON array, anything else JSONL (CSV is not taken here).
  const parsed = parseUsageText(text, detectUsageFormat('body.json', text));
  if (!parsed.ok) return { kind: 'bad_rows', errors: parsed.errors, errorCount: parsed.errorCount };
  try {
    const written = await ledger.record(parsed.rows, 'ingest');
    return { kind: 'written', inserted: written.inserted, skipped: written.skipped };
  } catch (err) {
    if (isBusy(err)) return { kind: 'busy' };
    throw err;
  }
}
