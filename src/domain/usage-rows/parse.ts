// A whole usage text of any of the three formats: the format detected, then parsed.
import { stripBom, type UsageFormat, type UsageParseResult } from './rows.js';
import { parseUsageCsv } from './csv.js';
import { parseUsageJsonArray, parseUsageJsonl } from './jsonl.js';

/** By extension (.jsonl/.ndjson/.json, .csv), else by the first non-blank character. */
export function detectUsageFormat(filename: string, text: string): UsageFormat {
  const lower = filename.toLowerCase();
  const first = /\S/.exec(stripBom(text.slice(0, 4096)))?.[0];
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return first === '[' ? 'json' : 'jsonl';
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  return 'csv';
}

export function parseUsageText(text: string, format: UsageFormat): UsageParseResult {
  switch (format) {
    case 'csv':
      return parseUsageCsv(text);
    case 'jsonl':
      return parseUsageJsonl(text);
    case 'json':
      return parseUsageJsonArray(text);
  }
}

/** Detects the format from the file name (or content) and parses. */
export function parseUsageFile(filename: string, text: string): UsageParseResult {
  return parseUsageText(text, detectUsageFormat(filename, text));
}
