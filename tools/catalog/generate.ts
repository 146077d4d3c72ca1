// `npm run catalog:generate`: writes src/domain/catalog/builtin-catalog.json from the snapshots in
// test/fixtures/catalog/ and tools/catalog/reviewed.yml (rules in build.ts), and prints where a
// source disagrees with the reviewed prices. `--check` writes nothing and exits 1 when the file
// is not what the evidence gives (test/catalog/builtin-generated.test.ts runs the same check).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { pricingEntrySchema, retirementSchema } from '../../src/config/schema.js';
import { buildCatalog, type GeneratedCatalog, type Headline } from './build.js';
import { readEvidence } from './evidence.js';

export const OUTPUT = join('src', 'domain', 'catalog', 'builtin-catalog.json');
const reviewedSchema = z.strictObject({ thinking_mode_output: z.array(z.string().min(1)).optional(), pricing: z.array(pricingEntrySchema), retirements: z.array(retirementSchema) });

/** The catalog the evidence in `root` gives. Throws when reviewed.yml is not valid. */
export function generate(root: string): GeneratedCatalog {
  const text = readFileSync(join(root, 'tools', 'catalog', 'reviewed.yml'), 'utf8');
  const parsed = reviewedSchema.safeParse(parse(text, { merge: true }));
  if (!parsed.success) throw new Error(`tools/catalog/reviewed.yml: ${z.prettifyError(parsed.error)}`);
  return buildCatalog(readEvidence(root), parsed.data);
}

export const render = (c: GeneratedCatalog) => `${JSON.stringify(c, null, 1)}\n`;

function main() {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const catalog = generate(root);
  const text = render(catalog);
  const path = join(root, OUTPUT);
  const current = readFileSync(path, { encoding: 'utf8', flag: 'a+' });
  if (process.argv.includes('--check')) {
    if (current !== text) {
      process.stderr.write(`${OUTPUT} is not what the evidence gives: run npm run catalog:generate\n`);
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(path, text);
  const models = catalog.pricing.length;
  const versions = catalog.pricing.reduce((n, p) => n + p.versions.length, 0);
  process.stdout.write(`${OUTPUT}: ${models} models, ${versions} price versions, ${catalog.retirements.length} retirements from ${catalog.evidence.length} snapshots\n`);
  for (const d of catalog.disagreements) {
    const pm = (p: Headline) => `${p.input}/${p.cached_input}/${p.output}`;
    process.stdout.write(`  ${d.provider}/${d.model}: ${d.source} ${d.date} says ${pm(d.says)} (input/cache hit/output), reviewed ${pm(d.reviewed)}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
