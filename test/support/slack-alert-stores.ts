// The Slack and alert repositories over either store, for the contract tests in test/store/
// (storeTest, test/support/both-stores.ts): a real SQLite file (store.ts tempDb) or a fresh
// PostgreSQL database (postgres.ts tempPg), and for PostgreSQL further pools on the same database
// (other replicas) for the race tests.
import type { TestContext } from 'node:test';
import pino from 'pino';
import type { StoreKind } from './both-stores.js';
import { tempDb } from './store.js';
import { openDatabase, type Db } from '../../src/store/open.js';
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
import { createPgSlackStore, type PgSlackStore } from '../../src/store/postgres/slack-threads.js';

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
  /** Waits until the Slack store's queued writes are in the database (SQLite's are written at once). */
  drainSlack(): Promise<boolean>;
}

export function pgStores(db: PgDb): SlackAlertStores & { slack: PgSlackStore } {
  const slack = createPgSlackStore(db, silent);
  return {
    alerts: createPgAlertStore(db),
    jobRuns: createPgJobRunStore(db),
    assistantThreads: createPgAssistantThreadStore(db),
    feedback: createPgAnswerFeedbackStore(db),
    actions: createPgActionAuditStore(db),
    slack,
    drainSlack: () => slack.drain(),
    async addUsage(callId, day, provider, model) {
      await db.query("INSERT INTO usage (ts_ms, day, provider, model, source, call_id) VALUES ($1, $2, $3, $4, 'ask', $5)", [Date.parse(`${day}T10:00:00Z`), day, provider, model, callId]);
    },
  };
}

export interface OpenedStores extends SlackAlertStores {
  /** postgres://… of the database (null for SQLite). */
  url: string | null;
  /** The repositories of another process on the same database: a second connection or pool. */
  sameDatabase(): SlackAlertStores;
}

/** The repositories over a fresh database of `kind`. */
export async function openStores(kind: StoreKind, t: TestContext): Promise<OpenedStores> {
  if (kind === 'postgres') {
    const pg = await tempPg(t);
    return { ...pgStores(pg.db), url: pg.url, sameDatabase: () => replica(pg.url, t) };
  }
  const tmp = tempDb(t);
  const sameDatabase = () => {
    const db = openDatabase(tmp.path);
    t.after(() => db.close());
    return sqliteStores(db);
  };
  return { ...sqliteStores(tmp.db), url: null, sameDatabase };
}

function sqliteStores(db: Db): SlackAlertStores {
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
    drainSlack: () => Promise.resolve(true),
  };
}

/** Another replica: its own pool on the same PostgreSQL database, closed when the test ends. */
export function replica(url: string, t: TestContext): ReturnType<typeof pgStores> & { db: PgDb } {
  const db = openPostgres(url, { max: 5 });
  t.after(() => db.close());
  return { ...pgStores(db), db };
}
