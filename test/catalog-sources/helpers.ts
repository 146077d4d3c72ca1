// Fixture access for the catalog-source tests and bench: the repo copy in test/fixtures/catalog/
// (gzip JSON, file names are the UTC fetch times, e.g. 2025-12-29T12-34Z.json.gz).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Db } from '../../src/store/open.js';
import { normalizeLiteLLM, normalizeOpenRouter } from '../../src/features/catalog/sources/normalize.js';
import type { Snapshot } from '../../src/features/catalog/sources/types.js';
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
    entries: normalizeOpenRouter(readGzJson(join(OPENROUTER_DIR, f))),
  }));
}

export function liteLLMSnapshots(): Snapshot[] {
  return listFixtures(LITELLM_DIR).map((f) => ({
    source: 'litellm',
    kind: 'litellm',
    fetched_at: fetchTimeOf(f),
    entries: normalizeLiteLLM(readGzJson(join(LITELLM_DIR, f))),
  }));
}

/** A migrated SQLite file in a temp folder (test/support/store.ts); reopen() is a restart. */
export function tempDb(): { db: () => Db; path: string; reopen: () => Db; cleanup: () => void } {
  const t = storeDb();
  return { db: () => t.db, path: t.path, reopen: () => t.reopen(), cleanup: () => t.cleanup() };
}
