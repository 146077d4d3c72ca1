// The one temp-folder helper: every test that needs files or a database gets its own folder, so
// no test sees what another left behind, whatever order they run in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Anything that runs clean-ups when it ends: a node:test TestContext (`t`) or a suite. */
export interface CleanupOwner {
  after(fn: () => unknown): void;
}

export interface TempDir {
  dir: string;
  /** Where a test's SQLite file goes (not created until something opens it). */
  dbPath: string;
  /** A path inside the folder. */
  file(...parts: string[]): string;
  /** Removes the folder; safe to call twice. */
  cleanup(): void;
}

/** A fresh folder under the OS temp dir; with `owner`, removed when the owner (a test) ends. */
export function tempDir(prefix = 'routeops-test-', owner?: CleanupOwner): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const t: TempDir = {
    dir,
    dbPath: join(dir, 'routeops.db'),
    file: (...parts) => join(dir, ...parts),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  owner?.after(t.cleanup);
  return t;
}
