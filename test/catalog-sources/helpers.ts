// Fixture access for the catalog-source tests and bench: the repo copy in test/fixtures/catalog/
// (gzip JSON, file names are the UTC fetch times, e.g. 2025-12-29T12-34Z.json.gz).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { openDatabase, type Db } from '../../src/store/open.js';
import { migrate } from '../../src/store/migrate.js';
import { normalizeLiteLLM, normalizeOpenRouter } from '../../src/features/catalog/sources/normalize.js';
import type { Snapshot } from '../../src/features/catalog/sources/types.js';

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

export function tempDir(prefix = 'routeops-catalog-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A migrated SQLite file in a temp folder; reopen() closes and opens it again (a restart). */
export function tempDb(): { db: () => Db; path: string; reopen: () => Db; cleanup: () => void } {
  const t = tempDir();
  const path = join(t.dir, 'routeops.db');
  let db = openDatabase(path);
  migrate(db);
  return {
    db: () => db,
    path,
    reopen: () => {
      db.close();
      db = openDatabase(path);
      migrate(db);
      return db;
    },
    cleanup: () => {
      if (db.open) db.close();
      t.cleanup();
    },
  };
}
