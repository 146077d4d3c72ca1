// The ledger follows the catalog in force (docs/ARCHITECTURE.md §3.5): rows are priced when they
// are written, so a catalog that changes between two starts — a new built-in version after an
// upgrade (DeepSeek's 2026-09-10 Flash prices), a price edited in the config file, a version
// removed — would leave rows at the price they were written with. At start, each (provider,
// model) whose versions (ids and terms) differ from what the rows last followed
// (src/store/priced-with.ts) is re-priced from the first version that changed, through the same
// re-pricing as an applied proposal (rows and rollup in one transaction). The first start after
// this existed checks every priced model from its first row; later starts only what changed.
import type { PriceVersion } from '../../domain/catalog/types.js';
import type { VersionMark } from '../../store/priced-with.js';
import type { Services } from '../services.js';
import { pricerOf } from './proposals/propose.js';
import { termsOf } from './proposals/version.js';

export interface FollowedModel {
  provider: string;
  model: string;
  fromMs: number;
  rows: number;
  before_nusd: bigint;
  after_nusd: bigint;
}

const marksOf = (versions: readonly PriceVersion[]): VersionMark[] => versions.map((v) => ({ id: v.id, terms: termsOf(v) }));
/** "provider/model@2026-09-10T00:00:00.000Z" -> its instant. */
const effectiveMsOf = (id: string) => Date.parse(id.slice(id.lastIndexOf('@') + 1));

/**
 * The first instant whose price differs between what the rows followed and what the catalog says
 * now, or null when nothing did. Never followed: from the beginning.
 */
export function changedFrom(followed: readonly VersionMark[] | undefined, now: readonly VersionMark[]): number | null {
  if (followed === undefined) return 0;
  const key = (m: VersionMark) => `${m.id}\u0000${m.terms}`;
  const before = new Set(followed.map(key));
  const after = new Set(now.map(key));
  const changed = [...followed.filter((m) => !after.has(key(m))), ...now.filter((m) => !before.has(key(m)))];
  if (changed.length === 0) return null;
  return Math.min(...changed.map((m) => effectiveMsOf(m.id)).filter((ms) => Number.isFinite(ms)), Number.MAX_SAFE_INTEGER);
}

/** Re-prices what the catalog in force prices differently from what the rows followed; returns what moved. */
export async function followCatalog(services: Pick<Services, 'catalog' | 'ledger' | 'store' | 'log'>): Promise<FollowedModel[]> {
  const { ledger, store, log } = services;
  const catalog = services.catalog;
  const followed = await store.pricedWith.all();
  const now = new Map(catalog.entries().map((e) => [`${e.provider}\u0000${e.model}`, { provider: e.provider, model: e.model, marks: marksOf(e.versions) }]));
  // A model the catalog no longer prices at all: its rows follow that too.
  for (const key of followed.keys()) {
    if (!now.has(key)) {
      const [provider, model] = key.split('\u0000') as [string, string];
      now.set(key, { provider, model, marks: [] });
    }
  }
  const moved: FollowedModel[] = [];
  const pricer = pricerOf(catalog);
  for (const [key, { provider, model, marks }] of now) {
    const fromMs = changedFrom(followed.get(key), marks);
    if (fromMs === null) continue;
    const r = await ledger.reprice({ provider, model, fromMs }, pricer);
    await store.pricedWith.set(provider, model, marks);
    if (r.changed > 0) {
      moved.push({ provider, model, fromMs, rows: r.changed, before_nusd: r.before_nusd, after_nusd: r.after_nusd });
      log.info({ provider, model, from: new Date(fromMs).toISOString(), rows: r.changed, before_nusd: String(r.before_nusd), after_nusd: String(r.after_nusd) }, 'ledger rows re-priced to the catalog in force');
    }
  }
  return moved;
}
