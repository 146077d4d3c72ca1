// At start: what stopped or crashed processes left in their journals (journal.ts) goes into the
// ledger and the Slack tables, exactly once, and their files are removed:
// - rows of ended calls are recorded (the ledger skips call_ids it already has);
// - a call announced but never ended (the process died during it) is recorded as the
//   interrupted row announced with it: its prompt tokens estimated, flagged as such;
// - Slack bookkeeping is written.
// Everything goes through this process's meter and Slack store, which journal it anew before
// the old file is removed: a crash during replay loses nothing and the next start adds nothing twice.
import type { Logger } from 'pino';
import type { UsageMeter } from './usage-meter.js';
import type { SlackStore } from './slack-threads.js';
import { orphanJournals, removeJournal } from './journal.js';

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
  for (const { path, entries } of orphanJournals(dir, deps.running)) {
    const ended = new Set<string>();
    for (const e of entries) if (e.kind === 'rows') for (const r of e.rows) if (r.call_id) ended.add(r.call_id);
    let rows = 0;
    let calls = 0;
    let slack = 0;
    for (const e of entries) {
      if (e.kind === 'rows') {
        deps.usage.record(e.rows, e.source);
        rows += e.rows.length;
      } else if (e.kind === 'call') {
        if (!e.row.call_id || ended.has(e.row.call_id)) continue;
        deps.usage.record([e.row], e.source);
        calls++;
      } else {
        deps.slack.replay(e.writes);
        slack += e.writes.length;
      }
    }
    removeJournal(path);
    deps.log.info({ journal: path, rows, interrupted: calls, slackWrites: slack }, 'journal of a stopped process replayed');
    result.files++;
    result.rows += rows;
    result.interrupted += calls;
    result.slackWrites += slack;
  }
  return result;
}
