// ledger_priced_with (migrations/013_ledger_priced_with.sql): the price versions the ledger's rows
// were last made to follow, per (provider, model).
import type { Db } from './open.js';

/** One price version as the ledger follows it: its id ("provider/model@ISO") and its terms. */
export interface VersionMark {
  id: string;
  terms: string;
}

export interface PricedWithStore {
  /** provider\0model -> the versions the rows follow. */
  all(): Promise<Map<string, VersionMark[]>>;
  set(provider: string, model: string, versions: readonly VersionMark[]): Promise<void>;
}

export function createPricedWithStore(db: Db): PricedWithStore {
  const all = db.prepare<[], { provider: string; model: string; versions: string }>('SELECT provider, model, versions FROM ledger_priced_with');
  const upsert = db.prepare<[string, string, string]>(
    'INSERT INTO ledger_priced_with (provider, model, versions) VALUES (?, ?, ?) ON CONFLICT (provider, model) DO UPDATE SET versions = excluded.versions',
  );
  return {
    async all() {
      const out = new Map<string, VersionMark[]>();
      for (const r of all.all()) {
        try {
          out.set(`${r.provider}\u0000${r.model}`, JSON.parse(r.versions) as VersionMark[]);
        } catch {
          // Unreadable: treated as never followed, so the rows are checked again.
        }
      }
      return out;
    },
    async set(provider, model, versions) {
      upsert.run(provider, model, JSON.stringify(versions));
    },
  };
}
