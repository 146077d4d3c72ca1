// Fixture access for the catalog-source tests and bench: the repo copy in test/fixtures/catalog/
// (gzip JSON, file names are the UTC fetch times, e.g. 2025-12-29T12-34Z.json.gz).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Db } from '../../src/store/open.js';
import { normalizeLiteLLM, normalizeOpenRouter } from '../../src/features/catalog/sources/normalize.js';
import { NO_RATES, type SourceEntry, type Snapshot } from '../../src/features/catalog/sources/types.js';
import { tempDb as storeDb } from '../support/store.js';

export { tempDir } from '../support/temp.js';

/**
 * Repository root: the first folder above this module (test/catalog-sources/ or its compiled
 * dist/test/catalog-sources/) holding test/fixtures/catalog; else the working directory.
 */
function repoRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'test', 'fixtures', 'catalog', 'openrouter'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export const FIXTURES = join(repoRoot(), 'test', 'fixtures', 'catalog');
export const OPENROUTER_DIR = join(FIXTURES, 'openrouter');
export const LITELLM_DIR = join(FIXTURES, 'litellm');
export const OPENROUTER_FULL = join(FIXTURES, 'openrouter-full-2026-01-11T18-03Z.json.gz');
export const LITELLM_SUBSET = join(FIXTURES, 'litellm-subset-2026-07-18T00-00Z.json.gz');
export const MODELS_DEV_DIR = join(FIXTURES, 'models-dev');
export const GENAI_DIR = join(FIXTURES, 'genai-prices');

/** A hand-written entry: an openrouter model with nothing but what `over` says. */
export function sourceEntry(model: string, over: Partial<SourceEntry> = {}): SourceEntry {
  const rates = { ...NO_RATES, ...over.rates };
  return {
    source: 'openrouter',
    provider: 'openrouter',
    model,
    source_key: model,
    mapped: true,
    context: null,
    tiers: [],
    per_request_nusd: null,
    windows: [],
    effective_from: null,
    upcoming: [],
    expires_at: null,
    deprecated: false,
    fetched_at: '2026-01-01T00:00:00.000Z',
    checked_at: null,
    ...over,
    rates,
    priced: over.priced ?? (rates.input !== null && rates.output !== null),
  };
}

/** "2025-12-29T12-34Z.json.gz" -> "2025-12-29T12:34:00.000Z" */
export function fetchTimeOf(file: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})Z/.exec(file);
  if (!m) throw new Error(`fixture name without a time: ${file}`);
  return `${m[1]}T${m[2]}:${m[3]}:00.000Z`;
}

export function readGzJson(path: string): unknown {
  return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as unknown;
}

export const listFixtures = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.json.gz')).sort();

export function openRouterSnapshots(): Snapshot[] {
  return listFixtures(OPENROUTER_DIR).map((f) => ({
    source: 'openrouter',
    kind: 'openrouter',
    fetched_at: fetchTimeOf(f),
    entries: normalizeOpenRouter(readGzJson(join(OPENROUTER_DIR, f)), { fetched_at: fetchTimeOf(f) }),
  }));
}

export function liteLLMSnapshots(): Snapshot[] {
  return listFixtures(LITELLM_DIR).map((f) => ({
    source: 'litellm',
    kind: 'litellm',
    fetched_at: fetchTimeOf(f),
    entries: normalizeLiteLLM(readGzJson(join(LITELLM_DIR, f)), { fetched_at: fetchTimeOf(f) }),
  }));
}

/** A migrated SQLite file in a temp folder (test/support/store.ts); reopen() is a restart. */
export function tempDb(): { db: () => Db; path: string; reopen: () => Db; cleanup: () => void } {
  const t = storeDb();
  return { db: () => t.db, path: t.path, reopen: () => t.reopen(), cleanup: () => t.cleanup() };
}
