// ledger_priced_with on PostgreSQL (migrations/postgres/001_ledger.sql): the same interface and
// answers as src/store/priced-with.ts; a set is one upsert, so replicas setting at once leave one row.
import type { PricedWithStore, VersionMark } from '../priced-with.js';
import type { PgDb } from './pool.js';

export function createPgPricedWithStore(db: PgDb): PricedWithStore {
  return {
    async all() {
      const out = new Map<string, VersionMark[]>();
      for (const r of await db.query<{ provider: string; model: string; versions: string }>('SELECT provider, model, versions FROM ledger_priced_with')) {
        try {
          out.set(`${r.provider}\u0000${r.model}`, JSON.parse(r.versions) as VersionMark[]);
        } catch {
          // Unreadable: treated as never followed, so the rows are checked again.
        }
      }
      return out;
    },
    async set(provider, model, versions) {
      await db.query('INSERT INTO ledger_priced_with (provider, model, versions) VALUES ($1, $2, $3) ON CONFLICT (provider, model) DO UPDATE SET versions = excluded.versions', [
        provider, model, JSON.stringify(versions),
      ]);
    },
  };
}
