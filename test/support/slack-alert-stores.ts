// The Slack and alert repositories over either store, for the contract tests in test/store/
// (storeTest, test/support/both-stores.ts): a real SQLite file (store.ts tempDb) or a fresh
// PostgreSQL database (postgres.ts tempPg), and for PostgreSQL further pools on the same database
// (other replicas) for the race tests.
import type { TestContext } from 'node:test';
import pino from 'pino';
import type { StoreKind } from './both-stores.js';
import { tempDb } from './store.js';
import { tempPg } from './postgres.js';
import { openPostgres, type PgDb } from '../../src/store/postgres/pool.js';
import { createAlertStore, type AlertStore } from '../../src/store/alert-outbox.js';
import { createJobRunStore, type JobRunStore } from '../../src/store/job-runs.js';
import { createAssistantThreadStore, type AssistantThreadStore } from '../../src/store/assistant-threads.js';
import { createAnswerFeedbackStore, type AnswerFeedbackStore } from '../../src/store/answer-feedback.js';
import { createActionAuditStore, type ActionAuditStore } from '../../src/store/slack-actions.js';
import { createSlackStore, type SlackStore } from '../../src/store/slack-threads.js';
import { createPgAlertStore } from '../../src/store/postgres/alert-outbox.js';
import { createPgJobRunStore } from '../../src/store/postgres/job-runs.js';
import { createPgAssistantThreadStore } from '../../src/store/postgres/assistant-threads.js';
import { createPgAnswerFeedbackStore } from '../../src/store/postgres/answer-feedback.js';
import { createPgActionAuditStore } from '../../src/store/postgres/slack-actions.js';
import { createPgSlackStore } from '../../src/store/postgres/slack-threads.js';

export const silent = pino({ level: 'silent' });

export interface SlackAlertStores {
  alerts: AlertStore;
  jobRuns: JobRunStore;
  assistantThreads: AssistantThreadStore;
  feedback: AnswerFeedbackStore;
  actions: ActionAuditStore;
  slack: SlackStore;
  /** A ledger row with this call_id on this local day (what the feedback's per-model count joins). */
  addUsage(callId: string, day: string, provider: string, model: string): Promise<void>;
}

export function pgStores(db: PgDb): SlackAlertStores {
  const slack = createPgSlackStore(db, silent);
  return {
    alerts: createPgAlertStore(db),
    jobRuns: createPgJobRunStore(db),
    assistantThreads: createPgAssistantThreadStore(db),
    feedback: createPgAnswerFeedbackStore(db),
    actions: createPgActionAuditStore(db),
    slack,
    async addUsage(callId, day, provider, model) {
      await db.query("INSERT INTO usage (ts_ms, day, provider, model, source, call_id) VALUES ($1, $2, $3, $4, 'ask', $5)", [Date.parse(`${day}T10:00:00Z`), day, provider, model, callId]);
    },
  };
}

/** The repositories over a fresh database of `kind`; for PostgreSQL also its URL. */
export async function openStores(kind: StoreKind, t: TestContext): Promise<SlackAlertStores & { url: string | null }> {
  if (kind === 'postgres') {
    const pg = await tempPg(t);
    return { ...pgStores(pg.db), url: pg.url };
  }
  const { db } = tempDb(t);
  return {
    alerts: createAlertStore(db),
    jobRuns: createJobRunStore(db),
    assistantThreads: createAssistantThreadStore(db),
    feedback: createAnswerFeedbackStore(db),
    actions: createActionAuditStore(db),
    slack: createSlackStore(db, silent),
    addUsage(callId, day, provider, model) {
      db.prepare("INSERT INTO usage (ts_ms, day, provider, model, source, call_id) VALUES (?, ?, ?, ?, 'ask', ?)").run(Date.parse(`${day}T10:00:00Z`), day, provider, model, callId);
      return Promise.resolve();
    },
    url: null,
  };
}

/** Another replica: its own pool on the same PostgreSQL database, closed when the test ends. */
export function replica(url: string, t: TestContext): SlackAlertStores & { db: PgDb } {
  const db = openPostgres(url, { max: 5 });
  t.after(() => db.close());
  return { ...pgStores(db), db };
}
