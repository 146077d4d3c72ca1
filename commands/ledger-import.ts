// routeops ledger import FILE: usage rows from a JSONL or CSV file (with a header) into the
// ledger. All or nothing: one bad line and nothing is imported, every bad line is named.
import { importUsageFile } from '../src/features/ledger/import-usage.js';
import { closeSync, openSync, statSync } from 'node:fs';
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { plural } from '../src/domain/text.js';
import { CLI_ONLY, defineCommand } from './types.js';

/** Fails with UsageError when `file` cannot be read (checked before the ledger is opened). */
function checkReadable(file: string): void {
  try {
    closeSync(openSync(file, 'r'));
    if (statSync(file).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (err) {
    throw new UsageError(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export const ledgerImportCommand = defineCommand<{ file: string }>({
  name: 'ledger import',
  summary: 'Import usage rows from a JSONL, JSON array or CSV file (CSV with a header)',
  usage: 'ledger import FILE [--json]',
  adapters: CLI_ONLY,
  options: {},
  parse: ({ positionals }) => {
    if (positionals.length !== 1) throw new UsageError(positionals.length ? 'one file at a time' : 'which file?');
    return { file: positionals[0]! };
  },
  async run({ file }, ctx): Promise<Reply> {
    checkReadable(file);
    // The import streams the file, so any size fits.
    const result = await importUsageFile(ctx.services().ledger, file, 'import');
    if (!result.ok) {
      const more = result.errorCount > result.errors.length ? `\n  … and ${result.errorCount - result.errors.length} more bad line(s)` : '';
      return {
        kind: 'error',
        title: '',
        summary: `${file}: nothing was imported, fix these lines and run it again:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}${more}`,
        data: { file, imported: false, errors: result.errors, error_count: result.errorCount },
      };
    }
    return {
      kind: 'result',
      title: '',
      summary: `${file}: ${plural(result.inserted, 'row')} imported, ${result.skipped.toLocaleString('en-US')} already in the ledger (skipped).`,
      data: { file, imported: true, format: result.format, inserted: result.inserted, skipped: result.skipped },
    };
  },
});
