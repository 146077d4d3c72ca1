// Price proposals and their audit trail on PostgreSQL (migrations/postgres/003_catalog_prices.sql),
// with the behaviour of the SQLite store (src/store/price-proposals.ts).
//
// Once across replicas:
// - add: the look for an existing proposal and the insert run under a transaction-scoped advisory
//   lock per (source, provider, model), so two replicas proposing the same change (`onceEver`
//   across first-seen times too, which no unique index covers) add it once.
// - decide and apply: `UPDATE … WHERE status = from`; a second replica's UPDATE waits for the
//   first one's row lock, then finds the status changed and updates nothing (READ COMMITTED
//   re-checks the WHERE on the committed row), so exactly one of them wins.
// - apply re-prices the ledger in the same transaction through `reprice` (the PostgreSQL ledger's,
//   given by whoever builds the store), so the status, the re-priced rows and the audit row commit
//   together or not at all.
import type { Pricer, RepriceResult, RepriceScope } from '../ledger.js';
import type { AppliedProposal, AuditEntry, NewAuditEntry, NewProposal, PriceProposalStore, StoredProposal } from '../price-proposals.js';
import type { PgDb, PgQuery } from './pool.js';

/** Re-prices the ledger rows of `scope` with `price` on `q`, inside the caller's transaction. */
export type PgReprice = (q: PgQuery, scope: RepriceScope, price: Pricer) => Promise<RepriceResult>;

interface Row extends Omit<StoredProposal, 'version' | 'previous' | 'suspect'> {
  version: string | null;
  previous: string | null;
  suspect: number;
}

const COLS = 'id, source, provider, model, kind, fingerprint, seen_at, effective, version, previous, suspect, status, created_at, decided_at, decided_by';
const AUDIT_COLS = 'id, at, by, action, proposal_id, provider, model, rows, before_nusd, after_nusd, text';

function fromRow(r: Row): StoredProposal {
  return {
    ...r,
    version: r.version === null ? null : (JSON.parse(r.version) as unknown),
    previous: r.previous === null ? null : (JSON.parse(r.previous) as unknown),
    suspect: r.suspect === 1,
  };
}

const json = (v: unknown): string | null => (v === null ? null : JSON.stringify(v));

/** decided_at is ISO-8601 text: compared byte by byte, as SQLite does. */
const appliedIn = async (q: PgQuery): Promise<StoredProposal[]> =>
  (await q.query<Row>(`SELECT ${COLS} FROM price_proposals WHERE status = 'applied' ORDER BY decided_at COLLATE "C", id`)).map(fromRow);

const EXPIRE = `UPDATE price_proposals SET status = 'expired', decided_at = $1
  WHERE source = $2 AND provider = $3 AND model = $4 AND id < $5 AND status = 'proposed'
    AND (kind = 'retirement') = (SELECT kind = 'retirement' FROM price_proposals WHERE id = $5)
  RETURNING id`;

async function addAuditIn(q: PgQuery, e: NewAuditEntry): Promise<AuditEntry> {
  const [row] = await q.query<{ id: number }>(
    'INSERT INTO price_audit (at, by, action, proposal_id, provider, model, rows, before_nusd, after_nusd, text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id',
    [e.at, e.by, e.action, e.proposal_id, e.provider, e.model, e.rows, e.before_nusd, e.after_nusd, e.text],
  );
  return { id: row!.id, ...e };
}

async function addIn(q: PgQuery, p: NewProposal, onceEver: boolean, replaces: boolean): Promise<StoredProposal | null> {
  // Keyed by the entry as JSON (unambiguous; PostgreSQL text holds no NUL to join with).
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('routeops price proposal ' || $1, 0))`, [JSON.stringify([p.source, p.provider, p.model])]);
  const there = await q.query(
    'SELECT 1 FROM price_proposals WHERE source = $1 AND provider = $2 AND model = $3 AND fingerprint = $4 AND ($5 OR seen_at = $6) LIMIT 1',
    [p.source, p.provider, p.model, p.fingerprint, onceEver, p.seen_at],
  );
  if (there.length > 0) return null;
  const [row] = await q.query<Row>(
    `INSERT INTO price_proposals (source, provider, model, kind, fingerprint, seen_at, effective, version, previous, suspect, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLS}`,
    [p.source, p.provider, p.model, p.kind, p.fingerprint, p.seen_at, p.effective, json(p.version), json(p.previous), p.suspect ? 1 : 0, p.created_at],
  );
  if (replaces) await q.query(EXPIRE, [p.created_at, p.source, p.provider, p.model, row!.id]);
  return fromRow(row!);
}

export function createPgPriceProposalStore(db: PgDb, opts: { reprice: PgReprice }): PriceProposalStore {
  return {
    add: (p, o) => db.tx((q) => addIn(q, p, o?.onceEver === true, o?.replaces === true)),
    async get(id) {
      const [r] = await db.query<Row>(`SELECT ${COLS} FROM price_proposals WHERE id = $1`, [id]);
      return r ? fromRow(r) : null;
    },
    async list(status) {
      const rows = status
        ? await db.query<Row>(`SELECT ${COLS} FROM price_proposals WHERE status = $1 ORDER BY id DESC`, [status])
        : await db.query<Row>(`SELECT ${COLS} FROM price_proposals ORDER BY id DESC`);
      return rows.map(fromRow);
    },
    applied: () => appliedIn(db),
    async decide(id, from, to, at, by) {
      const rows = await db.query('UPDATE price_proposals SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = $5 RETURNING id', [to, at, by, id, from]);
      return rows.length === 1;
    },
    apply(id, decision, scope, pricer, audit) {
      return db.tx(async (q): Promise<AppliedProposal | null> => {
        const [row] = await q.query<Row>(
          `UPDATE price_proposals SET status = 'applied', decided_at = $1, decided_by = $2 WHERE id = $3 AND status = 'proposed' RETURNING ${COLS}`,
          [decision.at, decision.by, id],
        );
        if (!row) return null;
        const proposal = fromRow(row);
        const result = await opts.reprice(q, scope, pricer(await appliedIn(q)));
        return { proposal, result, audit: await addAuditIn(q, audit(result, proposal)) };
      });
    },
    async expireOlder(source, provider, model, newerThanId, at) {
      return (await db.query(EXPIRE, [at, source, provider, model, newerThanId])).length;
    },
    addAudit: (e) => addAuditIn(db, e),
    history: () => db.query<AuditEntry>(`SELECT ${AUDIT_COLS} FROM price_audit ORDER BY id`),
    async appliedMark() {
      const [r] = await db.query<{ mark: string }>(`SELECT COUNT(*)::text || ':' || COALESCE(MAX(id), 0)::text AS mark FROM price_proposals WHERE status = 'applied'`);
      return r!.mark;
    },
  };
}
