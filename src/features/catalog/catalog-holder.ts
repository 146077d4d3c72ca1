// The catalog in force, replaceable while routeops runs: applying a proposal builds a new Catalog
// (built-in < applied proposals < config file, for prices and retirements alike) and puts it
// here; the ledger's pricer, routing, the route checker and every command read through the
// holder, so nothing needs a restart.
import type { Config } from '../../config/load.js';
import type { PricingEntry, PriceVersionInput, RetirementInput } from '../../config/schema.js';
import { Catalog } from '../../domain/catalog/catalog.js';
import { BUILTIN_CATALOG } from '../../domain/catalog/builtin.js';
import type { StoredProposal } from '../../store/price-proposals.js';
import { retirementOfProposal } from './proposals/retirement-version.js';

export class CatalogHolder {
  constructor(private catalog: Catalog) {}

  get current(): Catalog {
    return this.catalog;
  }

  replace(next: Catalog): void {
    this.catalog = next;
  }
}

/** What the applied proposals add to the catalog: price versions and retirements. */
export interface AppliedLayer {
  pricing: PricingEntry[];
  retirements: RetirementInput[];
}

/** Applied proposals as pricing entries and retirements, in the order they were applied (a later one wins). */
export function appliedLayer(applied: readonly StoredProposal[]): AppliedLayer {
  const layer: AppliedLayer = { pricing: [], retirements: [] };
  for (const p of applied) {
    if (p.kind === 'retirement') {
      const r = retirementOfProposal(p);
      if (r) layer.retirements.push(r);
    } else if (p.version !== null) {
      layer.pricing.push({ provider: p.provider, model: p.model, versions: [p.version as PriceVersionInput] });
    }
  }
  return layer;
}

/** The built-in data, then the applied proposals, then the config file. Throws CatalogError. */
export function catalogWith(config: Pick<Config, 'pricing' | 'retirements'>, applied: AppliedLayer): Catalog {
  return new Catalog(BUILTIN_CATALOG, config.pricing, config.retirements, applied.pricing, applied.retirements);
}
