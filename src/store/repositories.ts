// The repositories the features keep their state in, besides the ledger (ledger.ts, usage-meter.ts):
// one per table group. Features depend on these interfaces only; this file builds the SQLite
// implementations over one open, migrated connection. A second implementation (a networked
// database) implements the same interfaces: their methods are async for that reason.
import type { Logger } from 'pino';
import type { Db } from './open.js';
import { createAlertStore, type AlertStore } from './alert-outbox.js';
import { createAnswerFeedbackStore, type AnswerFeedbackStore } from './answer-feedback.js';
import { createAssistantThreadStore, type AssistantThreadStore } from './assistant-threads.js';
import { createBalanceStore, type BalanceStore } from './balances.js';
import { createCatalogSnapshotStore, type CatalogSnapshotStore } from './catalog-snapshots.js';
import { createGatewayKeyStore, type GatewayKeyStore } from './gateway-keys.js';
import { createJobRunStore, type JobRunStore } from './job-runs.js';
import { createKeyLimitStore, type KeyLimitStore } from './key-limits.js';
import { createLeaseStore, type LeaseStore } from './leases.js';
import { createPriceProposalStore, type PriceProposalStore } from './price-proposals.js';
import { createPricedWithStore, type PricedWithStore } from './priced-with.js';
import { createRouteCheckHistory, type RouteCheckHistory } from './routecheck-history.js';
import { createActionAuditStore, type ActionAuditStore } from './slack-actions.js';
import { createSlackStore, type SlackStore } from './slack-threads.js';
import type { Journal } from './journal.js';

export type { ActionAuditStore, AlertStore, AnswerFeedbackStore, AssistantThreadStore, BalanceStore, CatalogSnapshotStore, GatewayKeyStore, JobRunStore, KeyLimitStore, LeaseStore, PriceProposalStore, PricedWithStore, RouteCheckHistory, SlackStore };

export interface Repositories {
  /** Alert keys recorded and the outbox of alerts to post. */
  alerts: AlertStore;
  /** The last run of each scheduled alert job. */
  jobRuns: JobRunStore;
  /** Catalog sources' fetch history and price-change detection state. */
  catalog: CatalogSnapshotStore;
  /** Price proposals from the catalog sources and the audit of applying them. */
  proposals: PriceProposalStore;
  /** Route check runs and results. */
  routecheck: RouteCheckHistory;
  /** Slack events handled and threads answered (writes wait out a locked database in memory). */
  slack: SlackStore;
  /** Prepaid balance snapshots and the top-ups and grants between them. */
  balances: BalanceStore;
  /** The price versions the ledger's rows were last made to follow (src/features/catalog/follow.ts). */
  pricedWith: PricedWithStore;
  /** The gateway's virtual keys: hashes and settings, never the keys (migrations/018_gateway_keys.sql). */
  gatewayKeys: GatewayKeyStore;
  /** Slack assistant threads opened in the app's assistant view (migrations/019_assistant.sql). */
  assistantThreads: AssistantThreadStore;
  /** 👍/👎 on answers, beside their ledger rows' call_id (migrations/019_assistant.sql). */
  feedback: AnswerFeedbackStore;
  /** The audit of Slack button clicks (migrations/020_slack_actions.sql). */
  actions: ActionAuditStore;
  /** Named leases: what one process or replica at a time does (migrations/022_leases.sql). */
  leases: LeaseStore;
  /** The gateway keys' requests a minute and budgeted calls in flight, shared by processes and replicas (migrations/023_gateway_key_limits.sql). */
  keyLimits: KeyLimitStore;
}

/** `journal` keeps the Slack bookkeeping a stop could not write (src/store/journal.ts). */
export function createSqliteRepositories(db: Db, log: Logger, journal?: Journal): Repositories {
  return {
    alerts: createAlertStore(db),
    jobRuns: createJobRunStore(db),
    catalog: createCatalogSnapshotStore(db),
    proposals: createPriceProposalStore(db),
    routecheck: createRouteCheckHistory(db),
    slack: createSlackStore(db, log, journal ? { journal } : {}),
    balances: createBalanceStore(db),
    pricedWith: createPricedWithStore(db),
    gatewayKeys: createGatewayKeyStore(db),
    assistantThreads: createAssistantThreadStore(db),
    feedback: createAnswerFeedbackStore(db),
    actions: createActionAuditStore(db),
    leases: createLeaseStore(db),
    keyLimits: createKeyLimitStore(db),
  };
}
