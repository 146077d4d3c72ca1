// Price proposals and their audit trail (migrations/011_price_proposals.sql). The version and the
// previous price are opaque JSON here; the catalog feature (src/features/catalog/proposals/) gives
// them their meaning. Applying one is a single transaction over the proposal, the ledger it
// re-prices (the same database: src/app/services.ts opens one connection for both) and the audit.
import type { Db } from './open.js';
import type { Pricer, RepriceResult, RepriceScope } from './ledger.js';
import { LedgerRepricer } from './ledger/reprice.js';

export type ProposalKind = 'price' | 'new_model' | 'retirement';
export type ProposalStatus = 'proposed' | 'applied' | 'ignored' | 'expired';

export interface NewProposal {
  source: string;
  provider: string;
  model: string;
  kind: ProposalKind;
  fingerprint: string;
  seen_at: string;
  effective: string;
  version: unknown;
  previous: unknown;
  suspect: boolean;
  created_at: string;
}

export interface StoredProposal extends NewProposal {
  id: number;
  status: ProposalStatus;
  decided_at: string | null;
  decided_by: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  by: string;
  action: 'applied' | 'ignored';
  proposal_id: number;
  provider: string;
  model: string;
  rows: number;
  before_nusd: number;
  after_nusd: number;
  text: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AppliedProposal {
  /** The proposal as applied (status, decided_at, decided_by). */
  proposal: StoredProposal;
  result: RepriceResult;
  audit: AuditEntry;
}

export interface PriceProposalStore {
  /**
   * Adds the proposal unless one of the same entry (source, provider, model, fingerprint) exists
   * that was first seen at the same time, or — with `onceEver` — at any time. Returns it, or null
   * when it was there already. With `replaces`, the older open proposals it replaces expire in
   * the same transaction (expireOlder), so a stop between the two cannot leave both open.
   */
  add(p: NewProposal, opts?: { onceEver?: boolean; replaces?: boolean }): Promise<StoredProposal | null>;
  get(id: number): Promise<StoredProposal | null>;
  /** Newest first; `status` filters. */
  list(status?: ProposalStatus): Promise<StoredProposal[]>;
  /** The applied proposals, oldest decision first (later ones win at the same instant). */
  applied(): Promise<StoredProposal[]>;
  /** Sets the status if it is still `from`; false when it was not (someone else decided first). */
  decide(id: number, from: ProposalStatus, to: ProposalStatus, at: string, by: string | null): Promise<boolean>;
  /**
   * Applies proposal `id` in ONE transaction, all or nothing: its status goes from `proposed` to
   * `applied` (`at`, `by`), the ledger rows of `scope` are re-priced (spend_daily with them) with
   * the pricer `pricer(applied)` returns — called inside the transaction once the status is
   * applied, with the applied proposals as the transaction sees them (this one too) — and the
   * audit entry `audit(result, proposal)` is written. If any of it throws, nothing is written
   * and the error is rethrown. Null when the proposal was no longer `proposed` (someone decided
   * first): nothing is written.
   */
  apply(
    id: number,
    decision: { at: string; by: string },
    scope: RepriceScope,
    pricer: (applied: StoredProposal[]) => Pricer,
    audit: (result: RepriceResult, proposal: StoredProposal) => NewAuditEntry,
  ): Promise<AppliedProposal | null>;
  /**
   * Older proposals of (source, provider, model) still open become expired: a newer change
   * replaces them. A retirement replaces only retirements, a price (or new model) only prices.
   */
  expireOlder(source: string, provider: string, model: string, newerThanId: number, at: string): Promise<number>;
  addAudit(e: NewAuditEntry): Promise<AuditEntry>;
  /** Oldest first. */
  history(): Promise<AuditEntry[]>;
  /** A text that changes whenever a proposal is applied (the ingest worker reloads then). */
  appliedMark(): Promise<string>;
}

/**
 * The SQLite store also answers synchronously, so that a SQLite write transaction can look for
 * newly applied proposals inside itself (src/app/ledger.ts followAppliedProposals).
 */
export interface SqlitePriceProposalStore extends PriceProposalStore {
  /** applied(), synchronously. */
  appliedNow(): StoredProposal[];
  /** appliedMark(), synchronously. */
  appliedMarkNow(): string;
}

interface Row extends Omit<StoredProposal, 'version' | 'previous' | 'suspect'> {
  version: string | null;
  previous: string | null;
  suspect: number;
}

const COLS = 'id, source, provider, model, kind, fingerprint, seen_at, effective, version, previous, suspect, status, created_at, decided_at, decided_by';

function fromRow(r: Row): StoredProposal {
  return {
    ...r,
    version: r.version === null ? null : (JSON.parse(r.version) as unknown),
    previous: r.previous === null ? null : (JSON.parse(r.previous) as unknown),
    suspect: r.suspect === 1,
  };
}

export function createPriceProposalStore(db: Db): SqlitePriceProposalStore {
  const exists = db.prepare('SELECT 1 FROM price_proposals WHERE source = ? AND provider = ? AND model = ? AND fingerprint = ? AND (? = 1 OR seen_at = ?) LIMIT 1').pluck();
  const insert = db.prepare(
    `INSERT INTO price_proposals (source, provider, model, kind, fingerprint, seen_at, effective, version, previous, suspect, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const byId = db.prepare(`SELECT ${COLS} FROM price_proposals WHERE id = ?`);
  const all = db.prepare(`SELECT ${COLS} FROM price_proposals ORDER BY id DESC`);
  const withStatus = db.prepare(`SELECT ${COLS} FROM price_proposals WHERE status = ? ORDER BY id DESC`);
  const applied = db.prepare(`SELECT ${COLS} FROM price_proposals WHERE status = 'applied' ORDER BY decided_at, id`);
  const decide = db.prepare('UPDATE price_proposals SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = ?');
  const expire = db.prepare(
    `UPDATE price_proposals SET status = 'expired', decided_at = ?
     WHERE source = ? AND provider = ? AND model = ? AND id < ? AND status = 'proposed'
       AND (kind = 'retirement') = (SELECT kind = 'retirement' FROM price_proposals WHERE id = ?)`,
  );
  const insertAudit = db.prepare(
    'INSERT INTO price_audit (at, by, action, proposal_id, provider, model, rows, before_nusd, after_nusd, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const history = db.prepare('SELECT id, at, by, action, proposal_id, provider, model, rows, before_nusd, after_nusd, text FROM price_audit ORDER BY id');
  const mark = db.prepare(`SELECT COUNT(*) || ':' || COALESCE(MAX(id), 0) FROM price_proposals WHERE status = 'applied'`).pluck();
  // Made on the first apply: the ingest worker's store reads proposals and never applies one.
  let repricer: LedgerRepricer | null = null;
  const addAudit = (e: NewAuditEntry): AuditEntry => {
    const auditId = Number(insertAudit.run(e.at, e.by, e.action, e.proposal_id, e.provider, e.model, e.rows, e.before_nusd, e.after_nusd, e.text).lastInsertRowid);
    return { id: auditId, ...e };
  };

  const add = db.transaction((p: NewProposal, onceEver: boolean, replaces: boolean): StoredProposal | null => {
    if (exists.get(p.source, p.provider, p.model, p.fingerprint, onceEver ? 1 : 0, p.seen_at) !== undefined) return null;
    const id = Number(
      insert.run(
        p.source,
        p.provider,
        p.model,
        p.kind,
        p.fingerprint,
        p.seen_at,
        p.effective,
        p.version === null ? null : JSON.stringify(p.version),
        p.previous === null ? null : JSON.stringify(p.previous),
        p.suspect ? 1 : 0,
        p.created_at,
      ).lastInsertRowid,
    );
    if (replaces) expire.run(p.created_at, p.source, p.provider, p.model, id, id);
    return fromRow(byId.get(id) as Row);
  });

  return {
    add: (p, opts) => Promise.resolve(add.immediate(p, opts?.onceEver === true, opts?.replaces === true)),
    get: (id) => Promise.resolve(((r) => (r ? fromRow(r) : null))(byId.get(id) as Row | undefined)),
    list: (status) => Promise.resolve(((status ? withStatus.all(status) : all.all()) as Row[]).map(fromRow)),
    applied: () => Promise.resolve((applied.all() as Row[]).map(fromRow)),
    appliedNow: () => (applied.all() as Row[]).map(fromRow),
    decide: (id, from, to, at, by) => Promise.resolve(decide.run(to, at, by, id, from).changes === 1),
    // Async so that a failure is a rejection; the transaction still runs within the call.
    async apply(id, decision, scope, pricer, audit) {
      const ledger = (repricer ??= new LedgerRepricer(db));
      return ledger.inTransaction((): AppliedProposal | null => {
        if (decide.run('applied', decision.at, decision.by, id, 'proposed').changes !== 1) return null;
        const result = ledger.repriceRows(scope, pricer((applied.all() as Row[]).map(fromRow)));
        const proposal = fromRow(byId.get(id) as Row);
        return { proposal, result, audit: addAudit(audit(result, proposal)) };
      });
    },
    expireOlder: (source, provider, model, newerThanId, at) => Promise.resolve(expire.run(at, source, provider, model, newerThanId, newerThanId).changes),
    addAudit: (e) => Promise.resolve(addAudit(e)),
    history: () => Promise.resolve(history.all() as AuditEntry[]),
    appliedMark: () => Promise.resolve(mark.get() as string),
    appliedMarkNow: () => mark.get() as string,
  };
}
