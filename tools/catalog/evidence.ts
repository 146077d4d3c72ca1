// The snapshots the built-in catalog is generated from (test/fixtures/catalog/, formats in its
// FORMATS.md), read and normalised with the same code that reads the live sources.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isJsonObject } from '../../src/domain/json.js';
import { NORMALIZERS } from '../../src/features/catalog/sources/normalize.js';
import type { CatalogSourceName } from '../../src/features/catalog/sources/types.js';
import type { Evidence } from './build.js';

/** Folder or file (relative to test/fixtures/catalog) of each source's snapshots; OpenRouter prices no direct provider. */
const LOCATIONS: readonly { source: CatalogSourceName; path: string }[] = [
  { source: 'models_dev', path: 'models-dev' },
  { source: 'genai_prices', path: 'genai-prices' },
  { source: 'litellm', path: 'litellm' },
  { source: 'litellm', path: 'litellm-subset-2026-07-18T00-00Z.json.gz' },
];

/** "2026-07-02.json.gz", "v2-2026-08-21.json.gz", "2025-12-29T12-34Z.json.gz" -> the day. */
const dayOf = (name: string) => /(\d{4}-\d{2}-\d{2})/.exec(name)?.[1] ?? null;

/** models.dev release_date by "<provider>/<model>". */
function releasesOf(doc: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!isJsonObject(doc)) return out;
  for (const [p, prov] of Object.entries(doc)) {
    if (!isJsonObject(prov) || !isJsonObject(prov.models)) continue;
    for (const [m, model] of Object.entries(prov.models)) if (isJsonObject(model) && typeof model.release_date === 'string') out.set(`${p}/${m}`, model.release_date);
  }
  return out;
}

export function readEvidence(root: string): Evidence[] {
  const fixtures = join(root, 'test', 'fixtures', 'catalog');
  const out: Evidence[] = [];
  for (const loc of LOCATIONS) {
    const at = join(fixtures, loc.path);
    const files = loc.path.endsWith('.gz') ? [at] : readdirSync(at).filter((f) => f.endsWith('.json.gz')).sort().map((f) => join(at, f));
    for (const file of files) {
      const date = dayOf(file.slice(file.lastIndexOf('/') + 1));
      if (!date) throw new Error(`${relative(root, file)}: no date in the file name`);
      const doc: unknown = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
      const entries = NORMALIZERS[loc.source](doc, { fetched_at: `${date}T00:00:00.000Z` });
      const ev: Evidence = { source: loc.source, date, file: relative(root, file), entries };
      if (loc.source === 'models_dev') ev.releases = releasesOf(doc);
      out.push(ev);
    }
  }
  return out;
}
