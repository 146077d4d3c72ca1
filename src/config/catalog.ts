// The `catalog` key's cross-field rules and its locations (docs/ARCHITECTURE.md §3.4), apart
// from load.ts, which calls them while resolving the file.
import type { CatalogSourceName, ConfigFile } from './schema.js';

/** A catalog source's location: `catalog.sources.NAME`, or the older `catalog.openrouter` / `catalog.litellm`. */
export function catalogSource(file: ConfigFile, name: CatalogSourceName): string | null {
  const older = name === 'openrouter' || name === 'litellm' ? file.catalog?.[name] : undefined;
  return file.catalog?.sources?.[name] ?? older ?? null;
}

/** `catalog`: one spelling per source, known providers in `map`, no rule given twice. */
export function catalogProblems(file: ConfigFile, providers: readonly string[], unknownProvider: (name: string) => string): string[] {
  const problems: string[] = [];
  const catalog = file.catalog;
  if (!catalog) return problems;
  for (const name of ['openrouter', 'litellm'] as const) {
    if (catalog[name] !== undefined && catalog.sources?.[name] !== undefined) {
      problems.push(`catalog.${name}: also given as catalog.sources.${name}; keep one (catalog.${name} is the older spelling)`);
    }
  }
  const seen = new Map<string, number>();
  (catalog.map ?? []).forEach((rule, i) => {
    if (rule.provider !== null && !providers.includes(rule.provider)) problems.push(`catalog.map[${i}].provider: ${unknownProvider(rule.provider)}`);
    const what = rule.key !== undefined ? `key "${rule.key}"` : `source_provider "${rule.source_provider}"`;
    // genai-prices matches model names case-insensitively (test/fixtures/catalog/FORMATS.md §2), so its keys are compared so too.
    const id = `${rule.source}\u0000${rule.key !== undefined ? 'key' : 'provider'}\u0000${rule.source === 'genai_prices' ? what.toLowerCase() : what}`;
    const first = seen.get(id);
    if (first !== undefined) problems.push(`catalog.map[${i}]: ${rule.source} ${what} is already mapped by catalog.map[${first}]; keep one rule`);
    else seen.set(id, i);
  });
  return problems;
}
