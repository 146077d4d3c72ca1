// The built-in catalog: dated prices and retirements in the config file's `pricing` /
// `retirements` shape (USD per million tokens), so one code path (catalog.ts) converts and checks
// both; config adds to or overrides them. Generated, not typed: builtin-catalog.json is written by
// tools/catalog/generate.ts from the source snapshots in test/fixtures/catalog/ and the reviewed
// facts in tools/catalog/reviewed.yml (docs/PROVIDERS.md §2-3); test/catalog/builtin-generated.test.ts
// fails when it is not what they give. It is kept in the repo so a price change is a diff to review.
//
// Prices belong to (provider, model): the same model through a gateway costs differently.
// OpenRouter is deliberately unpriced here: its rows carry the cost OpenRouter reports.
import type { PricingEntry, RetirementInput } from '../../config/schema.js';
import type { CatalogSource } from './catalog.js';
import generated from './builtin-catalog.json' with { type: 'json' };

export const BUILTIN_PRICING: readonly PricingEntry[] = generated.pricing as PricingEntry[];
export const BUILTIN_RETIREMENTS: readonly RetirementInput[] = generated.retirements as RetirementInput[];
export const BUILTIN_CATALOG: CatalogSource = { pricing: BUILTIN_PRICING, retirements: BUILTIN_RETIREMENTS };
