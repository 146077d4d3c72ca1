// routeops catalog diff OLD NEW [--json]: price and model changes between two saved OpenRouter
// /models or LiteLLM price-map responses (.gz ok). The diffing is src/features/catalog/diff.ts.
// Needs no config and no database.
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { diffSavedDocuments, savedDiffJson, savedDiffText, type SavedDiff } from '../src/features/catalog/diff.js';
import { CatalogSourceError } from '../src/features/catalog/sources/types.js';
import { CLI_ONLY, commandPrefix, defineCommand } from './types.js';

const USAGE = 'catalog diff OLD NEW [--json]   (saved OpenRouter /models, LiteLLM, models.dev or genai-prices JSON, .gz ok)';

export const catalogDiffCommand = defineCommand<{ oldPath: string; newPath: string }>({
  name: 'catalog diff',
  summary: 'Price and model changes between two saved catalog snapshots',
  usage: USAGE,
  adapters: CLI_ONLY,
  options: {},
  parse: ({ positionals }) => {
    if (positionals.length !== 2) throw new UsageError('give two files: the OLD snapshot and the NEW one');
    return { oldPath: positionals[0]!, newPath: positionals[1]! };
  },
  async run({ oldPath, newPath }, { adapter }): Promise<Reply> {
    let diff: SavedDiff;
    try {
      diff = await diffSavedDocuments(oldPath, newPath);
    } catch (err) {
      // An unreadable or unrecognised file is the caller's to fix (exit 2): one line and the usage, no stack.
      const msg = err instanceof CatalogSourceError ? err.message : `cannot read the files (${err instanceof Error ? err.message.split('\n')[0] : 'error'})`;
      return { kind: 'usage', title: '', summary: `catalog diff: ${msg}\nusage: ${commandPrefix(adapter)}${USAGE}` };
    }
    return { kind: 'result', title: '', body: savedDiffText(diff), data: savedDiffJson(diff) };
  },
});
