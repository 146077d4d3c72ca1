// The repositories of src/store/repositories.ts over PostgreSQL (selected by ROUTEOPS_DATABASE_URL:
// src/app/pg-services.ts), one pool for all. The price proposals' apply re-prices ledger rows in
// its own transaction through `reprice` (PostgresLedger.repriceWith).
import type { Logger } from 'pino';
import type { Repositories } from '../repositories.js';
import type { Journal } from '../journal.js';
import type { PgDb } from './pool.js';
import { createPgAlertStore } from './alert-outbox.js';
import { createPgAnswerFeedbackStore } from './answer-feedback.js';
import { createPgAssistantThreadStore } from './assistant-threads.js';
import { createPgBalanceStore } from './balances.js';
import { createPgCatalogSnapshotStore } from './catalog-snapshots.js';
import { createPgGatewayKeyStore } from './gateway-keys.js';
import { createPgJobRunStore } from './job-runs.js';
import { createPgKeyLimitStore } from './key-limits.js';
import { createPgLeaseStore } from './leases.js';
import { createPgPriceProposalStore, type PgReprice } from './price-proposals.js';
import { createPgPricedWithStore } from './priced-with.js';
import { createPgRouteCheckHistory } from './routecheck-history.js';
import { createPgActionAuditStore } from './slack-actions.js';
import { createPgSlackStore, type PgSlackStore } from './slack-threads.js';

export interface PgRepositories extends Repositories {
  slack: PgSlackStore;
}

export function createPostgresRepositories(db: PgDb, log: Logger, deps: { reprice: PgReprice; journal?: Journal }): PgRepositories {
  return {
    alerts: createPgAlertStore(db),
    jobRuns: createPgJobRunStore(db),
    catalog: createPgCatalogSnapshotStore(db),
    proposals: createPgPriceProposalStore(db, { reprice: deps.reprice }),
    routecheck: createPgRouteCheckHistory(db),
    slack: createPgSlackStore(db, log, deps.journal ? { journal: deps.journal } : {}),
    balances: createPgBalanceStore(db),
    pricedWith: createPgPricedWithStore(db),
    gatewayKeys: createPgGatewayKeyStore(db),
    assistantThreads: createPgAssistantThreadStore(db),
    feedback: createPgAnswerFeedbackStore(db),
    actions: createPgActionAuditStore(db),
    leases: createPgLeaseStore(db),
    keyLimits: createPgKeyLimitStore(db),
  };
}
