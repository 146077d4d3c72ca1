// JSONL (one JSON object a line) and the JSON array the ingest endpoint takes.
import { show } from './schema.js';
import { stripBom, type UsageParseResult } from './rows.js';
import { Collector } from './validate.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonErrorReason(err: unknown): string {
  const msg = (err as Error).message ?? String(err);
  return msg.length > 100 ? `${msg.slice(0, 99)}…` : msg;
}

/** One line of JSONL (its CR already removed) into `out`; blank lines are skipped. */
export function jsonlLine(out: Collector, lineNo: number, line: string): void {
  if (line.trim() === '') return;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    out.error(lineNo, `not valid JSON (${jsonErrorReason(err)})`);
    return;
  }
  if (!isPlainObject(value)) {
    out.error(lineNo, `expected a JSON object like {"ts": "…", "provider": "…", "model": "…"}, got ${Array.isArray(value) ? 'a list' : show(value)}`);
    return;
  }
  out.add(lineNo, value);
}

/**
 * Parses JSONL. `firstLine` is the file line the text starts on (for a piece of a larger file);
 * a byte-order mark is stripped only from line 1.
 */
export function parseUsageJsonl(text: string, firstLine = 1): UsageParseResult {
  const out = new Collector('line');
  const lines = (firstLine === 1 ? stripBom(text) : text).split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    jsonlLine(out, firstLine + i, line);
  }
  return out.result();
}

/** A JSON array (the ingest endpoint). Errors are numbered by item (1-based): "item 3: …". */
export function parseUsageJsonArray(input: unknown): UsageParseResult {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(stripBom(input));
    } catch (err) {
      return { ok: false, errors: [{ line: 1, message: `line 1: not valid JSON (${jsonErrorReason(err)})` }], errorCount: 1 };
    }
  }
  if (!Array.isArray(value)) {
    return { ok: false, errors: [{ line: 1, message: 'expected a JSON array of usage objects' }], errorCount: 1 };
  }
  const out = new Collector('item');
  value.forEach((item: unknown, i) => {
    if (!isPlainObject(item)) out.error(i + 1, `expected an object, got ${Array.isArray(item) ? 'a list' : show(item)}`);
    else out.add(i + 1, item);
  });
  return out.result();
}
