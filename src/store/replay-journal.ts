// At start: what stopped or crashed processes left in their journals (journal.ts) goes into the
// ledger and the Slack tables, exactly once, and their files are removed:
// - rows of ended calls are recorded (the ledger skips call_ids it already has);
// - a call announced but never ended (the process died during it) is recorded as the
//   interrupted row announced with it: its prompt tokens estimated, flagged as such;
// - Slack bookkeeping is written.
// Everything goes through this process's meter and Slack store, which journal it anew before
// the old file is removed: a crash during replay loses nothing and the next start adds nothing twice.
import type { Logger } from 'pino';
import type { UsageInput, UsageSource } from './ledger.js';
import type { UsageMeter } from './usage-meter.js';
import type { SlackStore } from './slack-threads.js';
import { orphanJournals, removeJournal } from './journal.js';

/** Rows per ledger write when a journal is replayed. */
const REPLAY_BATCH = 5000;

export interface ReplayResult {
  files: number;
  rows: number;
  interrupted: number;
  slackWrites: number;
}

export interface ReplayDeps {
  usage: UsageMeter;
  slack: SlackStore;
  log: Logger;
  /** Whether a process id is running (tests pass their own). */
  running?: (pid: number) => boolean;
}

export function replayJournals(dir: string, deps: ReplayDeps): ReplayResult {
  const result: ReplayResult = { files: 0, rows: 0, interrupted: 0, slackWrites: 0 };
  for (const { path, entries, skipped } of orphanJournals(dir, deps.running)) {
    try {
      const ended = new Set<string>();
      for (const e of entries) if (e.kind === 'rows') for (const r of e.rows) if (r.call_id) ended.add(r.call_id);
      // Rows go in by source, many per write (a journal of 20,000 calls is not 20,000 transactions);
      // a row the ledger refuses is logged by the meter and does not hold up the others.
      const bySource = new Map<UsageSource, UsageInput[]>();
      const add = (source: UsageSource, rows: readonly UsageInput[]) => {
        let list = bySource.get(source);
        if (!list) bySource.set(source, (list = []));
        list.push(...rows);
      };
      let rows = 0;
      let calls = 0;
      let slack = 0;
      for (const e of entries) {
        if (e.kind === 'rows') {
          add(e.source, e.rows);
          rows += e.rows.length;
        } else if (e.kind === 'call') {
          if (ended.has(e.row.call_id!)) continue;
          ended.add(e.row.call_id!);
          add(e.source, [e.row]);
          calls++;
        } else {
          deps.slack.replay(e.writes);
          slack += e.writes.length;
        }
      }
      for (const [source, list] of bySource) for (let i = 0; i < list.length; i += REPLAY_BATCH) deps.usage.record(list.slice(i, i + REPLAY_BATCH), source);
      removeJournal(path);
      deps.log.info({ journal: path, rows, interrupted: calls, slackWrites: slack, skippedLines: skipped }, 'journal of a stopped process replayed');
      result.files++;
      result.rows += rows;
      result.interrupted += calls;
      result.slackWrites += slack;
    } catch (err) {
      // This file waits for a later start; the others are replayed.
      deps.log.error({ err: (err as Error).message, journal: path }, 'journal could not be replayed');
    }
  }
  return result;
}
