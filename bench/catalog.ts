// Catalog benchmark (`node dist/bench/catalog.js`): prints figures, asserts nothing.
//
// 1. Cross-source diff: the full OpenRouter response of 2026-01-11 18:03 against LiteLLM's map of
//    the same time. Both are normalised to (provider, model) records; LiteLLM lists its copy of
//    OpenRouter's prices under "openrouter/<id>" keys, which map to provider "openrouter" and the
//    OpenRouter id, so the meaningful comparison is on the (provider, model) keys both sources
//    have (diffSnapshots commonOnly): it shows where LiteLLM's copy lags OpenRouter. Added/removed
//    make no sense across sources (LiteLLM lists thousands of non-OpenRouter models). Target
//    < 200 ms for read + gunzip + parse + normalise both + diff.
// 2. Replay of the 55 OpenRouter snapshots in time order through the price-change detection:
//    pure (in memory), and through SQLite (runPriceCheck: history + state, one transaction per
//    fetch, in a temp file). Target < 5 s.
// 3. Normalising all four sources (OpenRouter's full /models, LiteLLM's full map, models.dev's
//    api.json, genai-prices v2): read + gunzip + parse + normalise, beside the baseline of
//    JSON.parse of the same text in the same run. Target < 1 s together. The models.dev and
//    genai-prices fixtures hold only the providers routeops uses (test/fixtures/catalog/FORMATS.md),
//    so they are also timed with their providers repeated 20 times under other names, which is
//    larger than the full published files.
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { diffSnapshots, summarize } from '../src/features/catalog/diff.js';
import { detectPriceChanges, type DetectionState } from '../src/features/catalog/price-changes.js';
import { runPriceCheck } from '../src/features/catalog/price-check.js';
import { normalizeGenaiPrices, normalizeLiteLLM, normalizeModelsDev, normalizeOpenRouter } from '../src/features/catalog/sources/normalize.js';
import type { Snapshot } from '../src/features/catalog/sources/types.js';
import { openDatabase } from '../src/store/open.js';
import { migrate } from '../src/store/migrate.js';
import { createCatalogSnapshotStore } from '../src/store/catalog-snapshots.js';
import { GENAI_DIR, LITELLM_DIR, MODELS_DEV_DIR, OPENROUTER_DIR, OPENROUTER_FULL, fetchTimeOf, listFixtures } from '../test/catalog-sources/helpers.js';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 7));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
function time<T>(f: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = f();
  return { ms: performance.now() - t0, value };
}
function timed<T>(f: () => T, runs = RUNS): { median: number; min: number; value: T } {
  const ms: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const r = time(f);
    ms.push(r.ms);
    value = r.value;
  }
  return { median: median(ms), min: Math.min(...ms), value };
}

const rows: [string, string, string, string][] = [];
const row = (what: string, ms: number, target: string, note = '') => rows.push([what, `${ms.toFixed(1)} ms`, target, note]);

// 1. Cross-source diff -------------------------------------------------------------------------
const LL_FILE = join(LITELLM_DIR, '2026-01-11T18-03Z.json.gz');
const orGz = readFileSync(OPENROUTER_FULL);
const llGz = readFileSync(LL_FILE);
const parseOr = timed(() => JSON.parse(gunzipSync(orGz).toString('utf8')) as unknown);
const parseLl = timed(() => JSON.parse(gunzipSync(llGz).toString('utf8')) as unknown);
const normOr = timed(() => normalizeOpenRouter(parseOr.value));
const normLl = timed(() => normalizeLiteLLM(parseLl.value));
const diff = timed(() => diffSnapshots(normLl.value, normOr.value, { commonOnly: true }));
const endToEnd = timed(() => {
  const a = normalizeLiteLLM(JSON.parse(gunzipSync(readFileSync(LL_FILE)).toString('utf8')));
  const b = normalizeOpenRouter(JSON.parse(gunzipSync(readFileSync(OPENROUTER_FULL)).toString('utf8')));
  return diffSnapshots(a, b, { commonOnly: true });
});
const common = new Set(normLl.value.map((e) => `${e.provider}\u0000${e.model}`));
const commonCount = normOr.value.filter((e) => common.has(`${e.provider}\u0000${e.model}`)).length;
const s = summarize(diff.value);
row('gunzip+parse OpenRouter full', parseOr.median, '', `${normOr.value.length} models`);
row('gunzip+parse LiteLLM map', parseLl.median, '', `${normLl.value.length} models`);
row('normalise OpenRouter full', normOr.median, '');
row('normalise LiteLLM map', normLl.median, '');
row('diff on common (provider, model)', diff.median, '', `${commonCount} common; ${s.price} price, ${s.context} context, ${s.expiry} expiry`);
row('cross-source diff, files to changes', endToEnd.median, '< 200 ms', endToEnd.median < 200 ? 'ok' : 'OVER');

// 2. Replay of the 55 snapshots ----------------------------------------------------------------
const files = listFixtures(OPENROUTER_DIR);
const load = time((): Snapshot[] =>
  files.map((f) => ({
    source: 'openrouter',
    kind: 'openrouter',
    fetched_at: fetchTimeOf(f),
    entries: normalizeOpenRouter(JSON.parse(gunzipSync(readFileSync(join(OPENROUTER_DIR, f))).toString('utf8'))),
  })),
);
const snaps = load.value;
const watched = (_p: string, m: string) => m.startsWith('qwen/') || m.startsWith('deepseek/') || m.startsWith('z-ai/');
const pure = timed(() => {
  let state: DetectionState = new Map();
  let alerts = 0;
  for (const snap of snaps) {
    const r = detectPriceChanges(state, [snap], { watched });
    state = r.state;
    if (r.alert) alerts++;
  }
  return alerts;
});
const dir = mkdtempSync(join(tmpdir(), 'routeops-bench-catalog-'));
let sqlAlerts = 0;
let sqlMs = 0;
try {
  const db = openDatabase(join(dir, 'bench.db'));
  migrate(db);
  const store = createCatalogSnapshotStore(db);
  const t0 = performance.now();
  for (const snap of snaps) if ((await runPriceCheck(store, [snap], { watched })).alert) sqlAlerts++;
  sqlMs = performance.now() - t0;
  const stored = db.prepare('SELECT COUNT(*) FROM catalog_entries').pluck().get() as number;
  db.close();
  row(`load+normalise ${snaps.length} snapshots`, load.ms, '');
  row(`replay ${snaps.length}, detection in memory`, pure.median, '', `${pure.value} alerts`);
  row(`replay ${snaps.length}, SQLite history+state`, sqlMs, '', `${sqlAlerts} alerts, ${stored} entry rows stored`);
  const total = load.ms + sqlMs;
  row(`replay ${snaps.length}, files + SQLite`, total, '< 5 s', total < 5000 ? 'ok' : 'OVER');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// 3. Normalising all four sources ------------------------------------------------------------
const AT = '2026-08-21T00:00:00.000Z';
const sources: Array<{ name: string; file: string; normalize: (doc: unknown) => unknown[] }> = [
  { name: 'OpenRouter full /models', file: OPENROUTER_FULL, normalize: (d) => normalizeOpenRouter(d, { fetched_at: AT }) },
  { name: 'LiteLLM full map', file: LL_FILE, normalize: (d) => normalizeLiteLLM(d, { fetched_at: AT }) },
  { name: 'models.dev api.json', file: join(MODELS_DEV_DIR, '2026-07-02.json.gz'), normalize: (d) => normalizeModelsDev(d, { fetched_at: AT }) },
  { name: 'genai-prices v2', file: join(GENAI_DIR, 'v2-2026-08-21.json.gz'), normalize: (d) => normalizeGenaiPrices(d, { fetched_at: AT }) },
];
let parseSum = 0;
let normSum = 0;
for (const src of sources) {
  const text = gunzipSync(readFileSync(src.file)).toString('utf8');
  const parse = timed(() => JSON.parse(text) as unknown);
  const norm = timed(() => src.normalize(JSON.parse(text)));
  parseSum += parse.median;
  normSum += norm.median;
  row(`parse + normalise ${src.name}`, norm.median, '', `baseline JSON.parse ${parse.median.toFixed(1)} ms; ${(text.length / 1e6).toFixed(2)} MB, ${norm.value.length} models`);
}
row('parse + normalise all four', normSum, '', `baseline JSON.parse of the same text: ${parseSum.toFixed(1)} ms`);
const allFour = timed(() => sources.reduce((n, src) => n + src.normalize(JSON.parse(gunzipSync(readFileSync(src.file)).toString('utf8'))).length, 0));
row('all four, files to entries', allFour.median, '< 1 s', `${allFour.value} entries; ${allFour.median < 1000 ? 'ok' : 'OVER'}`);

// The two subsets with their providers repeated 20 times under other names.
const REPEAT = 20;
const mdDoc = JSON.parse(gunzipSync(readFileSync(sources[2]!.file)).toString('utf8')) as Record<string, unknown>;
const mdBig = JSON.stringify(Object.fromEntries(Array.from({ length: REPEAT }, (_, i) => Object.entries(mdDoc).map(([k, v]) => [`${k}-${i}`, v])).flat()));
const gDoc = JSON.parse(gunzipSync(readFileSync(sources[3]!.file)).toString('utf8')) as Array<Record<string, unknown>>;
const gBig = JSON.stringify(Array.from({ length: REPEAT }, (_, i) => gDoc.map((p) => ({ ...p, id: `${String(p.id)}-${i}` }))).flat());
for (const [name, text, normalize] of [
  ['models.dev x20', mdBig, sources[2]!.normalize],
  ['genai-prices x20', gBig, sources[3]!.normalize],
] as const) {
  const parse = timed(() => JSON.parse(text) as unknown);
  const norm = timed(() => normalize(JSON.parse(text)));
  row(`parse + normalise ${name}`, norm.median, '', `baseline JSON.parse ${parse.median.toFixed(1)} ms; ${(text.length / 1e6).toFixed(2)} MB, ${norm.value.length} models`);
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['what', 'time', 'target', 'note'][i]!.length));
const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
console.log(`catalog bench (median of ${RUNS} runs where repeated; node ${process.version})`);
console.log(line(['what', 'time', 'target', 'note']));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
