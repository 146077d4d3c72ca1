// `routeops ledger import` is all or nothing (docs/ARCHITECTURE.md §3.1): one transaction for the
// whole file. Killed (SIGKILL) at several points of its write, it leaves the ledger as it was, and
// the import run again afterwards records every row exactly once. The file is a named pipe the
// test writes into, so each point is reached for certain, not by timing: the importer reads the
// next piece only once the rows before it are written into its transaction, and it commits only
// at the end of the file, which comes when the test closes the pipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { open, writeFile } from 'node:fs/promises';
import { openDatabase } from '../../src/store/open.js';
import { isBusy } from '../../src/store/retry-queue.js';
import { runCli, spawnCli } from '../support/bot-process.js';
import { writeConfig } from '../support/config.js';
import { peekDb } from '../support/db.js';
import { until } from '../support/fault-rig.js';
import { assertLedgerInvariants } from '../support/ledger-invariants.js';
import { tempDir } from '../support/temp.js';

const ROWS = 60_000;

function usageLines(rows: number, prefix: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    lines.push(`${JSON.stringify({ ts: `2026-03-${day}T10:00:00Z`, provider: i % 3 ? 'deepseek' : 'moonshot', model: i % 3 ? 'deepseek-chat' : 'kimi-k2.5', input_tokens: 100 + (i % 50), output_tokens: 20, user: `U${i % 30}`, request_id: `${prefix}-${i}` })}\n`);
  }
  return lines;
}

test('SIGKILL during `routeops ledger import` at several points of its write: the ledger is as before, and the import run again records every row once', { timeout: 120_000 }, async (t) => {
  const tmp = tempDir('routeops-import-kill-', t);
  const env = { ROUTEOPS_DB: tmp.dbPath, ROUTEOPS_CONFIG: writeConfig(tmp.file('routeops.yml'), { timezone: 'UTC' }) };
  const earlier = tmp.file('earlier.jsonl');
  await writeFile(earlier, usageLines(500, 'earlier').join(''));
  const first = await runCli(['ledger', 'import', earlier], env);
  assert.equal(first.code, 0, first.stderr);
  const rowCount = () => peekDb(tmp.dbPath, (db) => db.prepare('SELECT COUNT(*) FROM usage').pluck().get() as number);
  assert.equal(rowCount(), 500);

  // Another process's view of the write lock: does our own BEGIN IMMEDIATE fail at once?
  const probe = openDatabase(tmp.dbPath, { busyTimeoutMs: 0 });
  t.after(() => probe.close());
  const locked = (): boolean => {
    try {
      probe.prepare('BEGIN IMMEDIATE').run();
      probe.prepare('ROLLBACK').run();
      return false;
    } catch (err) {
      if (isBusy(err)) return true;
      throw err;
    }
  };

  const text = usageLines(ROWS, 'big');
  const bytesOf = (lines: string[]) => Buffer.from(lines.join(''), 'utf8');
  const points: Array<{ name: string; lines: number }> = [
    { name: 'as it takes the write lock (its first row)', lines: 1 },
    { name: 'with 40% of the rows in its transaction', lines: Math.floor(ROWS * 0.4) },
    { name: 'with every row sent, before the end of the file (its commit)', lines: ROWS },
  ];
  for (const [i, point] of points.entries()) {
    const fifo = tmp.file(`pipe-${i}.jsonl`);
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    // Read and write: the importer's opens never wait for a writer, and no write fails for want of a reader.
    const pipe = await open(fifo, 'r+');
    const child = spawnCli(['ledger', 'import', fifo], env);
    const closed = once(child, 'close');
    // Resolves once the importer has read all but the pipe's buffer (64 KB) of it.
    await pipe.write(bytesOf(text.slice(0, point.lines)));
    await Promise.race([until(locked), closed]);
    assert.equal(child.exitCode, null, `the import is still running ${point.name}`);
    assert.ok(locked(), `the import holds the write lock ${point.name}`);
    child.kill('SIGKILL');
    const [code, signal] = (await closed) as [number | null, NodeJS.Signals | null];
    await pipe.close();
    assert.deepEqual({ code, signal }, { code: null, signal: 'SIGKILL' });
    assert.equal(rowCount(), 500, `killed ${point.name}: nothing of the file is in the ledger`);
    assertLedgerInvariants(tmp.dbPath, { served: [] });
  }

  const file = tmp.file('big.jsonl');
  await writeFile(file, bytesOf(text));
  const rerun = await runCli(['ledger', 'import', file], env);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, new RegExp(`${ROWS.toLocaleString('en-US')} rows imported, 0 already in the ledger`));
  assert.equal(assertLedgerInvariants(tmp.dbPath, { served: [] }).rows, 500 + ROWS);
});
