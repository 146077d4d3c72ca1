// The price-change alert over the new sources, through the real SQLite store: models.dev at
// 2026-05-02 and 2026-07-02, genai-prices v1 2026-05-28, v1 2026-07-25 and v2 2026-08-21. A
// change is announced once it held across two fetches (the flap guard), flips never; and state
// stored before the newer fields were read is taken over without announcing them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runPriceCheck } from '../../src/features/catalog/price-check.js';
import { loadDetectionState } from '../../src/features/catalog/snapshots.js';
import { normalizeGenaiPrices, normalizeModelsDev, normalizeOpenRouter } from '../../src/features/catalog/sources/normalize.js';
import type { CatalogSourceName, Snapshot } from '../../src/features/catalog/sources/types.js';
import { createCatalogSnapshotStore } from '../../src/store/catalog-snapshots.js';
import type { Db } from '../../src/store/open.js';
import { GENAI_DIR, MODELS_DEV_DIR, OPENROUTER_DIR, readGzJson, tempDb } from './helpers.js';

const storeOf = (db: Db) => createCatalogSnapshotStore(db);
const MAY = readGzJson(join(MODELS_DEV_DIR, '2026-05-02.json.gz'));
const JULY = readGzJson(join(MODELS_DEV_DIR, '2026-07-02.json.gz'));

function snapshot(source: CatalogSourceName, doc: unknown, at: string): Snapshot {
  const entries = source === 'models_dev' ? normalizeModelsDev(doc, { fetched_at: at }) : source === 'genai_prices' ? normalizeGenaiPrices(doc, { fetched_at: at }) : normalizeOpenRouter(doc, { fetched_at: at });
  return { source, kind: source, fetched_at: at, entries };
}

void test('models.dev: 07-02 prices announced once they held two fetches (a >10x drop four); a flip back to 05-02 in between says nothing', async () => {
  const watched = (p: string, m: string) => (p === 'deepseek' && m === 'deepseek-v4-pro') || (p === 'qwen-intl' && m === 'qwen3.6-plus');
  const docs = [MAY, JULY, MAY, JULY, JULY, JULY, JULY, JULY];
  const t = tempDb();
  try {
    const texts: Array<string | null> = [];
    for (const [i, doc] of docs.entries()) {
      const at = new Date(Date.parse('2026-07-01T00:00:00.000Z') + i * 6 * 3600_000).toISOString();
      texts.push((await runPriceCheck(storeOf(t.reopen()), [snapshot('models_dev', doc, at)], { watched })).alert?.text ?? null);
    }
    // Baseline, seen once, back to the baseline (dropped), seen once again, held.
    assert.deepEqual(texts.slice(0, 4), [null, null, null, null]);
    assert.equal(
      texts[4],
      [
        'Catalog changes for 1 model(s) you use',
        'qwen-intl/qwen3.6-plus (models_dev)',
        '  input $0.276 -> $0.50 per 1M (+81.2%)',
        '  cached input $0.028 -> $0.05 per 1M (+78.6%)',
        '  cache write $0.344 -> $0.625 per 1M (+81.7%)',
        '  output $1.651 -> $3.00 per 1M (+81.7%)',
        '  tiers none -> > 256,000 tokens: in $2.00 / cached $0.20 / write $2.50 / out $6.00 per 1M',
        // The cache price fell 40x: held as suspect until seen in four fetches.
        'deepseek/deepseek-v4-pro (models_dev): SUSPECT (over 10x), held until seen in 4 fetches',
        '  input $1.74 -> $0.435 per 1M (-75%)',
        '  cached input $0.145 -> $0.003625 per 1M (-97.5%)',
        '  output $3.48 -> $0.87 per 1M (-75%)',
        'Other models: 54 added, 7 removed, 34 changed, 6 suspect held',
      ].join('\n'),
    );
    assert.equal(texts[5], null);
    assert.match(texts[6]!, /^Catalog changes for 1 model\(s\) you use\ndeepseek\/deepseek-v4-pro \(models_dev\): confirmed after being held as suspect \(over 10x\)\n/);
    assert.equal(texts[7], null);
  } finally {
    t.cleanup();
  }
});

void test('genai-prices: deepseek-v4-pro held from v1 07-25 into v2 08-21 is announced; zai arriving with v2 waits for a second fetch', async () => {
  const watched = (p: string) => p === 'deepseek' || p === 'zai';
  const steps: Array<[string, string]> = [
    ['v1-2026-05-28.json.gz', '2026-08-20T00:00:00.000Z'],
    ['v1-2026-07-25.json.gz', '2026-08-20T06:00:00.000Z'],
    ['v2-2026-08-21.json.gz', '2026-08-21T00:00:00.000Z'],
    ['v2-2026-08-21.json.gz', '2026-08-21T06:00:00.000Z'],
  ];
  const t = tempDb();
  try {
    const results = [];
    for (const [file, at] of steps) results.push(await runPriceCheck(storeOf(t.db()), [snapshot('genai_prices', readGzJson(join(GENAI_DIR, file)), at)], { watched }));
    assert.deepEqual(
      results.map((r) => r.alert?.changes.map((c) => `${c.provider}/${c.model}:${c.changes.map((x) => x.kind).join('+')}`).sort() ?? null),
      [
        null,
        null,
        [
          'deepseek/deepseek-v3.1-terminus:added',
          'deepseek/deepseek-v3.2-exp:added',
          'deepseek/deepseek-v3.2:added',
          'deepseek/deepseek-v4-pro:price+price+price',
        ],
        ['zai/glm-5.2:added', 'zai/glm-5.3:added'],
      ],
    );
    assert.match(results[3]!.alert!.text, /^zai\/glm-5\.2 \(genai_prices\)\n {2}added: in \$1\.40 \/ cached \$0\.26 \/ out \$4\.40 per 1M, context 1000000$/m);
  } finally {
    t.cleanup();
  }
});

void test('state stored before the newer fields is taken over silently; a real change after it is still announced', async () => {
  const files = ['2025-12-29T12-34Z.json.gz', '2025-12-29T18-04Z.json.gz'];
  const doc = readGzJson(join(OPENROUTER_DIR, files[0]!)) as { data: Array<{ id: string; pricing: Record<string, string> }> };
  const first = snapshot('openrouter', doc, '2025-12-29T12:34:00.000Z');
  const t = tempDb();
  try {
    // Accepted entries as the store kept them before: no cache_write, per-request fee, windows or provenance.
    await storeOf(t.db()).updateDetection(['openrouter'], () => ({
      result: null,
      record: [],
      writes: [
        { kind: 'source', source: 'openrouter', baseline_at: first.fetched_at, last_fetch_at: first.fetched_at },
        ...first.entries.map((e) => ({
          kind: 'accept' as const,
          source: 'openrouter',
          provider: e.provider,
          model: e.model,
          fingerprint: 'old',
          data: { source: e.source, provider: e.provider, model: e.model, context: e.context, rates: { input: e.rates.input, cached_input: e.rates.cached_input, output: e.rates.output, reasoning_output: e.rates.reasoning_output }, priced: e.priced, expires_at: e.expires_at, tiers: [] },
          accepted_at: first.fetched_at,
        })),
      ],
    }));
    const sonnet = 'anthropic/claude-sonnet-4.5';
    const same = snapshot('openrouter', doc, '2025-12-29T18:00:00.000Z');
    assert.ok(same.entries.find((e) => e.model === sonnet)!.rates.cache_write !== null, 'the new reading knows the cache-write price');
    const everyone = () => true;
    const r1 = await runPriceCheck(storeOf(t.reopen()), [same], { watched: everyone });
    assert.deepEqual([r1.alert, r1.pending, r1.all.length], [null, 0, 0], 'cache-write prices and request fees read for the first time are no change');
    const accepted = (await loadDetectionState(storeOf(t.db()))).get('openrouter')!.accepted.get(`openrouter\u0000${sonnet}`)!;
    assert.deepEqual([accepted.legacy, accepted.rates.cache_write, accepted.per_request_nusd], [undefined, 3_750_000, 0], 'stored again in the current shape');

    const cheaper = structuredClone(doc);
    cheaper.data.find((m) => m.id === sonnet)!.pricing.prompt = '0.0000025';
    await runPriceCheck(storeOf(t.reopen()), [snapshot('openrouter', cheaper, '2025-12-30T00:00:00.000Z')], { watched: everyone });
    const r3 = await runPriceCheck(storeOf(t.reopen()), [snapshot('openrouter', cheaper, '2025-12-30T06:00:00.000Z')], { watched: everyone });
    assert.deepEqual(r3.alert?.changes.map((c) => [c.model, c.changes.map((x) => (x.kind === 'price' ? `${x.component} ${x.old}->${x.new}` : x.kind))]), [[sonnet, ['input 3000000->2500000']]]);
  } finally {
    t.cleanup();
  }
});
