// Imports usage rows from a file (`routeops ledger import`) or a posted text (the ingest
// endpoint, POST /v1/usage): the text is read a piece at a time, each piece's complete lines are
// parsed (src/domain/usage-rows) and handed to the ledger as a batch, and the ledger writes all
// the batches in one transaction. All or nothing: after a bad line nothing more is written, the
// rest is still parsed for its errors, and the write is cancelled, so the errors come back
// numbered by the file's lines (at most MAX_ERRORS listed, all counted). A request_id already in
// the ledger, or earlier in the file, is skipped. Memory stays flat however large the file.
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { LedgerStore, RecordResult, UsageSource } from '../../store/ledger.js';
import type { RowError, UsageFormat, UsageInput } from '../../domain/usage-rows/rows.js';
import { detectUsageFormat, parseUsageText } from '../../domain/usage-rows/parse.js';
import { UsageStreamParser } from '../../domain/usage-rows/stream.js';

export type ImportResult =
  | ({ ok: true; format: UsageFormat; rows: number } & RecordResult)
  | { ok: false; format: UsageFormat; errors: RowError[]; errorCount: number };

/** Bytes read from a file at a time (each piece is parsed and recorded at once). */
const FILE_CHUNK_BYTES = 4 * 1024 * 1024;
/** Characters of a posted text parsed and recorded at a time. */
const TEXT_CHUNK_CHARS = 4 * 1024 * 1024;

/** Thrown from the batches to cancel the ledger's write after a bad line. */
const CANCEL = Symbol('cancel import');

/**
 * Parses a JSONL, CSV or JSON-array text and records it. If any line is bad, nothing is written
 * and the (line-numbered) errors are returned. JSONL and CSV are parsed and recorded a piece at a
 * time, as a file is.
 */
export async function importUsageText(ledger: LedgerStore, filename: string, text: string, source: UsageSource = 'import'): Promise<ImportResult> {
  const format = detectUsageFormat(filename, text);
  if (format === 'json') {
    const parsed = parseUsageText(text, format);
    if (!parsed.ok) return { ok: false, format, errors: parsed.errors, errorCount: parsed.errorCount };
    return { ok: true, format, rows: parsed.rows.length, ...(await ledger.record(parsed.rows, source)) };
  }
  let at = 0;
  return importPieces(ledger, format, source, () => {
    if (at >= text.length) return null;
    const piece = text.slice(at, at + TEXT_CHUNK_CHARS);
    at += TEXT_CHUNK_CHARS;
    return piece;
  });
}

/**
 * Imports a JSONL or CSV file (format as importUsageText detects it) read in chunks of
 * FILE_CHUNK_BYTES. A JSON array (.json starting with "[") is read whole. File errors (ENOENT,
 * EISDIR, …) are thrown. `chunkBytes` (tests) reads smaller pieces.
 */
export async function importUsageFile(
  ledger: LedgerStore,
  path: string,
  source: UsageSource = 'import',
  opts: { chunkBytes?: number } = {},
): Promise<ImportResult> {
  const chunkBytes = Math.max(1, Math.trunc(opts.chunkBytes ?? FILE_CHUNK_BYTES));
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    const decoder = new StringDecoder('utf8');
    let eof = false;
    const read = (): string | null => {
      while (!eof) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) {
          eof = true;
          const tail = decoder.end();
          return tail.length > 0 ? tail : null;
        }
        const piece = decoder.write(n === buf.length ? buf : buf.subarray(0, n));
        if (piece.length > 0) return piece;
      }
      return null;
    };
    let first = read();
    const format = detectUsageFormat(path, first ?? '');
    if (format === 'json') {
      let text = first ?? '';
      for (let p = read(); p !== null; p = read()) text += p;
      return await importUsageText(ledger, path, text, source);
    }
    return await importPieces(ledger, format, source, () => {
      if (first === null) return read();
      const p = first;
      first = null;
      return p;
    });
  } finally {
    closeSync(fd);
  }
}

/**
 * The core of both: `next` returns the text piece by piece (cut anywhere; null at the end). The
 * ledger pulls the parsed batches inside its write; a bad line anywhere cancels it.
 */
async function importPieces(ledger: LedgerStore, format: 'jsonl' | 'csv', source: UsageSource, next: () => string | null): Promise<ImportResult> {
  const parser = new UsageStreamParser(format);
  let rows = 0;
  function* batches(): Generator<UsageInput[]> {
    for (;;) {
      const piece = next();
      const parsed = piece === null ? parser.end() : parser.push(piece);
      rows += parsed.length;
      // After a bad line nothing more is written (it is all cancelled); keep collecting errors.
      if (parser.errorCount === 0 && parsed.length > 0) yield parsed;
      if (piece === null || parser.stopped) break;
    }
    if (parser.errorCount > 0) throw CANCEL;
  }
  try {
    const written = await ledger.recordBatches(batches(), source);
    return { ok: true, format, rows, ...written };
  } catch (err) {
    if (err !== CANCEL) throw err;
    return { ok: false, format, errors: parser.errors, errorCount: parser.errorCount };
  }
}
