// The catalog in force, replaceable while routeops runs: applying a price proposal builds a new
// Catalog (built-in < applied proposals < config file) and puts it here; the ledger's pricer, the
// route checker and every command read through the holder, so nothing needs a restart.
import type { Config } from '../../config/load.js';
import type { PricingEntry, PriceVersionInput } from '../../config/schema.js';
import { Catalog } from '../../domain/catalog/catalog.js';
import { BUILTIN_CATALOG } from '../../domain/catalog/builtin.js';
import type { StoredProposal } from '../../store/price-proposals.js';

export class CatalogHolder {
  constructor(private catalog: Catalog) {}

  get current(): Catalog {
    return this.catalog;
  }

  replace(next: Catalog): void {
    this.catalog = next;
  }
}

/** Applied proposals as pricing entries, in the order they were applied (a later one wins at the same instant). */
export function appliedPricing(applied: readonly StoredProposal[]): PricingEntry[] {
  const out: PricingEntry[] = [];
  for (const p of applied) {
    if (p.kind === 'retirement' || p.version === null) continue;
    out.push({ provider: p.provider, model: p.model, versions: [p.version as PriceVersionInput] });
  }
  return out;
}

/** The built-in data, then the applied versions, then the config file. Throws CatalogError. */
export function catalogWith(config: Pick<Config, 'pricing' | 'retirements'>, applied: readonly PricingEntry[]): Catalog {
  return new Catalog(BUILTIN_CATALOG, config.pricing, config.retirements, applied);
}
