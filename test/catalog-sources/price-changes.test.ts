import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { detectPriceChanges, type DetectionState, type ModelChange } from '../../src/features/catalog/price-changes.js';
import { costNusd } from '../../src/features/catalog/price-impact.js';
import { runPriceCheck, volumeLookupFromRollup } from '../../src/features/catalog/price-check.js';
import { listFetches, loadDetectionState, loadSnapshot } from '../../src/features/catalog/snapshots.js';
import { createCatalogSnapshotStore } from '../../src/store/catalog-snapshots.js';
import type { Db } from '../../src/store/open.js';
import { parseTokenPrice } from '../../src/features/catalog/sources/normalize.js';
import { NO_RATES, type SourceEntry, type Snapshot } from '../../src/features/catalog/sources/types.js';
import { fetchTimeOf, liteLLMSnapshots, listFixtures, openRouterSnapshots, OPENROUTER_DIR, readGzJson, sourceEntry, tempDb } from './helpers.js';

/** The catalog repository over a test's SQLite connection. */
const storeOf = (db: Db) => createCatalogSnapshotStore(db);

// ---------------------------------------------------------------------------------------------
// Replay of the 55 OpenRouter snapshots through SQLite, restarting (closing and reopening the
// database) before every run.

/** Watched OpenRouter models: real price changes, flips, an addition, a removal, a suspect change. */
const WATCHED = new Set([
  'qwen/qwen3-next-80b-a3b-instruct', // flips on 2025-12-31 06:04/12:04, then a change held for a week, then back
  'deepseek/deepseek-v3.2', // held change 2025-12-30 18:04; flip 2026-01-05 00:11 -> 06:06
  'minimax/minimax-m2.1', // two held changes (cache price disappears, then comes back)
  'z-ai/glm-4.6', // held change at the second snapshot
  'z-ai/glm-4.7', // down 2026-01-05, up again 2026-01-08
  'deepseek/deepseek-r1', // up 2026-01-05
  'moonshotai/kimi-k2-thinking',
  'openai/gpt-oss-20b', // flips, then a held change to a third value
  'google/gemma-3-27b-it', // flips with context changes
  'anthropic/claude-3-opus', // removed 2026-01-06
  'kwaipilot/kat-coder-pro', // added 2026-01-05
  'allenai/molmo-2-8b', // listed at 2026-01-10 00:10 only: never announced
  'qwen/qwen-plus', // never changes
  'z-ai/glm-4.6v', // cached input 0.05 -> 0: over 10x, suspect
]);
const SUSPECT = 'z-ai/glm-4.6v';
const watched = (p: string, m: string) => p === 'openrouter' && WATCHED.has(m);

// Ledger-shaped rows (spendRollup('model', …)): two days for qwen3-next.
const volume = volumeLookupFromRollup([
  { key: 'openrouter/qwen/qwen3-next-80b-a3b-instruct', input_tokens: 6_000_000, cached_input_tokens: 1_000_000, output_tokens: 400_000 },
  { key: 'openrouter/qwen/qwen3-next-80b-a3b-instruct', input_tokens: 4_000_000, cached_input_tokens: 1_000_000, output_tokens: 600_000 },
  { key: 'openrouter/deepseek/deepseek-v3.2', input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 1_000_000 },
]);

type Raw = { id: string; context_length?: number; expiration_date?: string | null; pricing?: Record<string, string> };

/** Independent oracle on the raw fixture values: with a hold of 2, a change is announced at fetch i
 * exactly when the raw value at i differs from the accepted one and equals the value at i - 1. */
function oracle(model: string): { at: string; from: Raw | null; to: Raw | null }[] {
  const files = listFixtures(OPENROUTER_DIR);
  const values = files.map((f) => ((readGzJson(join(OPENROUTER_DIR, f)) as { data: Raw[] }).data.find((d) => d.id === model) ?? null));
  const fp = (r: Raw | null) =>
    r === null
      ? 'absent'
      : JSON.stringify([r.pricing?.prompt, r.pricing?.completion, r.pricing?.input_cache_read, r.pricing?.internal_reasoning, r.context_length, r.expiration_date ?? null]);
  const out: { at: string; from: Raw | null; to: Raw | null }[] = [];
  let accepted = values[0] ?? null;
  for (let i = 1; i < values.length; i++) {
    const v = values[i] ?? null;
    if (fp(v) !== fp(accepted) && fp(v) === fp(values[i - 1] ?? null)) {
      out.push({ at: fetchTimeOf(files[i]!), from: accepted, to: v });
      accepted = v;
    }
  }
  return out;
}

void test('replay 55 OpenRouter snapshots: held changes announced once, flips never, adds/removes counted, state survives restarts', async () => {
  const snaps = openRouterSnapshots();
  assert.equal(snaps.length, 55);
  const t = tempDb();
  try {
    const announced: ModelChange[] = [];
    const alerts: { at: string; key: string; text: string }[] = [];
    const others = { added: 0, removed: 0, changed: 0, suspect: 0 };
    for (const [i, snap] of snaps.entries()) {
      const db = t.reopen(); // a restart before every run
      const r = await runPriceCheck(storeOf(db), [snap], { watched, volume });
      if (i === 0) assert.deepEqual(r.baseline, ['openrouter']);
      for (const k of Object.keys(others) as (keyof typeof others)[]) others[k] += r.others[k];
      if (r.alert) {
        assert.equal(r.alert.kind, 'price');
        assert.ok(r.alert.changes.length > 0);
        assert.ok(r.alert.changes.every((c) => c.watched && c.at === snap.fetched_at));
        announced.push(...r.alert.changes);
        alerts.push({ at: snap.fetched_at, key: r.alert.key, text: r.alert.text });
      }
      // qwen3-next is seen once at 12-31 18:04: pending, stored, and announced after the restart.
      if (snap.fetched_at === '2025-12-31T18:04:00.000Z') {
        const p = db.prepare("SELECT seen, first_seen FROM catalog_pending WHERE model = 'qwen/qwen3-next-80b-a3b-instruct'").get();
        assert.deepEqual(p, { seen: 1, first_seen: '2025-12-31T18:04:00.000Z' });
      }
    }

    // Each alert key is unique, and each change key is announced once.
    assert.equal(new Set(alerts.map((a) => a.key)).size, alerts.length);
    const confirmedKeys = announced.filter((c) => c.status === 'confirmed').flatMap((c) => c.keys);
    assert.equal(new Set(confirmedKeys).size, confirmedKeys.length, 'no change announced twice');

    // Every non-suspect watched model: exactly the oracle's announcements, at the same fetch.
    for (const model of WATCHED) {
      if (model === SUSPECT) continue;
      const expected = oracle(model);
      const got = announced.filter((c) => c.model === model);
      assert.deepEqual(
        got.map((c) => c.at),
        expected.map((e) => e.at),
        `${model}: announcement times`,
      );
      got.forEach((c, i) => {
        const e = expected[i]!;
        assert.equal(c.status, 'confirmed');
        if (e.from && e.to) {
          const input = c.changes.find((x) => x.kind === 'price' && x.component === 'input');
          if (e.from.pricing?.prompt !== e.to.pricing?.prompt) {
            assert.ok(input && input.kind === 'price');
            assert.equal(input.old, parseTokenPrice(e.from.pricing?.prompt));
            assert.equal(input.new, parseTokenPrice(e.to.pricing?.prompt));
          } else assert.equal(input, undefined);
        } else {
          assert.deepEqual(
            c.changes.map((x) => x.kind),
            [e.to ? 'added' : 'removed'],
          );
        }
      });
    }

    // The facts behind the oracle, spelled out.
    const at = (model: string) => announced.filter((c) => c.model === model).map((c) => `${c.at.slice(0, 16)} ${c.status}`);
    assert.deepEqual(at('qwen/qwen3-next-80b-a3b-instruct'), ['2026-01-01T00:11 confirmed', '2026-01-08T12:04 confirmed']);
    assert.deepEqual(at('deepseek/deepseek-v3.2'), ['2025-12-31T00:11 confirmed']);
    assert.deepEqual(at('z-ai/glm-4.6'), ['2025-12-30T00:10 confirmed']);
    assert.deepEqual(at('minimax/minimax-m2.1'), ['2026-01-04T12:04 confirmed', '2026-01-08T12:04 confirmed']);
    assert.deepEqual(at('z-ai/glm-4.7'), ['2026-01-05T06:06 confirmed', '2026-01-08T12:04 confirmed']);
    assert.deepEqual(at('anthropic/claude-3-opus'), ['2026-01-06T06:04 confirmed']);
    assert.deepEqual(at('kwaipilot/kat-coder-pro'), ['2026-01-05T12:04 confirmed']);
    assert.deepEqual(at('allenai/molmo-2-8b'), [], 'listed once then gone: never announced');
    assert.deepEqual(at('qwen/qwen-plus'), []);
    // Flips: the 12-31 06:04 value of qwen3-next is gone again at 12:04; deepseek-v3.2's 0.112 at 01-05 00:11 likewise.
    assert.ok(!alerts.some((a) => a.at === '2025-12-31T12:04:00.000Z'));
    const v32 = announced.filter((c) => c.model === 'deepseek/deepseek-v3.2').flatMap((c) => c.changes);
    assert.ok(!v32.some((c) => c.kind === 'price' && (c.new === 112000 || c.old === 112000)));
    // Suspect: said once when held two fetches, announced after four.
    assert.deepEqual(at(SUSPECT), ['2026-01-07T00:09 suspect_held', '2026-01-07T12:04 confirmed']);
    const suspectAlert = alerts.find((a) => a.at === '2026-01-07T00:09:00.000Z');
    assert.match(suspectAlert?.text ?? '', /^openrouter\/z-ai\/glm-4\.6v: SUSPECT \(over 10x\), held until seen in 4 fetches\n {2}cached input \$0\.05 -> \$0\.00 per 1M \(-100%\)$/m);
    assert.match(alerts.find((a) => a.at === '2026-01-07T12:04:00.000Z')?.text ?? '', /confirmed after being held as suspect/);

    // The message for qwen3-next, with its monthly impact from the ledger-shaped volume:
    // old 8M x $0.09 + 2M cached (no cache price: input) x $0.09 + 1M x $1.10 = $2.00; new $0.60 + $0.60.
    const qwenAlert = alerts.find((a) => a.at === '2026-01-01T00:11:00.000Z');
    assert.equal(
      qwenAlert?.text,
      [
        'Catalog changes for 3 model(s) you use',
        'openrouter/google/gemma-3-27b-it',
        '  input $0.04 -> $0.036 per 1M (-10%)',
        '  output $0.15 -> $0.064 per 1M (-57.3%)',
        '  context 96000 -> 131072 tokens (+36.5%)',
        'openrouter/openai/gpt-oss-20b',
        '  input $0.03 -> $0.016 per 1M (-46.7%)',
        '  output $0.14 -> $0.06 per 1M (-57.1%)',
        'openrouter/qwen/qwen3-next-80b-a3b-instruct',
        '  input $0.09 -> $0.06 per 1M (-33.3%)',
        '  output $1.10 -> $0.60 per 1M (-45.5%)',
        "  monthly at last 30 days' use: $2.00 -> $1.20 (-$0.80)",
        'Other models: 0 added, 0 removed, 1 changed',
      ].join('\n'),
    );
    const qwenChange = announced.find((c) => c.model === 'qwen/qwen3-next-80b-a3b-instruct');
    assert.deepEqual(qwenChange?.impact, {
      volume: { input_tokens: 10_000_000, cached_input_tokens: 2_000_000, output_tokens: 1_000_000 },
      old_nusd: 2_000_000_000,
      new_nusd: 1_200_000_000,
      delta_nusd: -800_000_000,
    });
    assert.deepEqual(qwenChange?.keys, [
      'price:openrouter/qwen/qwen3-next-80b-a3b-instruct:input:90000->60000',
      'price:openrouter/qwen/qwen3-next-80b-a3b-instruct:output:1100000->600000',
    ]);

    // Unwatched additions and removals that held, counted (flipping ones are not).
    assert.equal(others.added, 6);
    assert.equal(others.removed, 10);
    assert.ok(others.changed > 20);

    // The same fetch again (a retried run) is skipped and says nothing.
    const again = await runPriceCheck(storeOf(t.db()), [snaps.at(-1)!], { watched, volume });
    assert.equal(again.alert, null);
    assert.equal(again.skipped.length, 1);

    // History: only changes stored; any fetch can be rebuilt.
    const db = t.db();
    const fetches = await listFetches(storeOf(db), 'openrouter');
    assert.equal(fetches.length, 55);
    const rows = db.prepare('SELECT COUNT(*) FROM catalog_entries').pluck().get() as number;
    assert.ok(rows < 353 + 200, `only changed entries are stored (${rows} rows)`);
    for (const i of [0, 6, 33, 54]) {
      const rebuilt = await loadSnapshot(storeOf(db), 'openrouter', fetches[i]!.id);
      assert.deepEqual(rebuilt?.entries, snaps[i]!.entries, `fetch ${i}`);
      assert.equal(rebuilt?.fetched_at, snaps[i]!.fetched_at);
    }
    assert.deepEqual((await loadSnapshot(storeOf(db), 'openrouter'))?.entries, snaps[54]!.entries);
  } finally {
    t.cleanup();
  }
});

void test('replay the 5 LiteLLM maps: one message with the held changes; the 01-06 06:04 detour is never announced', async () => {
  const ours = new Set(['deepseek', 'qwen-intl', 'moonshot', 'zai']);
  const extra = new Set([
    'fireworks_ai/accounts/fireworks/models/deepseek-v3p2', // 1.20 -> 0.56 at 01-06 00:10, back at 06:04, 0.56 again from 12:04
    'groq/gemma-7b-it', // added at 01-06 00:10; other price and a deprecation date only in the 06:04 map
    'gemini/gemini-1.5-flash', // deprecation date appears, vanishes at 06:04, comes back
  ]);
  const w = (p: string, m: string) => ours.has(p) || extra.has(`${p}/${m}`);
  const snaps = liteLLMSnapshots();
  assert.equal(snaps.length, 5);
  const t = tempDb();
  try {
    const results = [];
    for (const s of snaps) results.push(await runPriceCheck(storeOf(t.reopen()), [s], { watched: w }));
    assert.deepEqual(
      results.map((r) => r.alert === null),
      [true, true, true, true, false],
    );
    const alert = results[4]!.alert!;
    const names = alert.changes.map((c) => `${c.provider}/${c.model}`);
    assert.ok(names.includes('fireworks_ai/accounts/fireworks/models/deepseek-v3p2'));
    assert.ok(names.includes('gemini/gemini-1.5-flash'));
    // groq/gemma-7b-it: new in the 01-06 00:10 map, 7e-8 with a 2024 deprecation date in the 06:04 map
    // only, 5e-8 again from 12:04: announced once, as added, with the held price and no expiry.
    const groq = results.flatMap((r) => r.all).filter((c) => c.provider === 'groq' && c.model === 'gemma-7b-it');
    assert.equal(groq.length, 1);
    assert.equal(groq[0]!.at, snaps[4]!.fetched_at);
    const added = groq[0]!.changes[0]!;
    assert.ok(added.kind === 'added');
    assert.deepEqual([added.entry.rates.input, added.entry.rates.output, added.entry.expires_at], [50000, 80000, null]);
    const fw = alert.changes.find((c) => c.model === 'accounts/fireworks/models/deepseek-v3p2')!;
    assert.deepEqual(
      fw.changes.map((c) => (c.kind === 'price' ? [c.component, c.old, c.new, c.pct] : c.kind)),
      [
        ['input', 1200000, 560000, -53.3],
        ['output', 1200000, 1680000, 40],
      ],
    );
    assert.match(alert.text, /^fireworks_ai\/accounts\/fireworks\/models\/deepseek-v3p2 \(litellm\)\n {2}input \$1\.20 -> \$0\.56 per 1M \(-53\.3%\)$/m);
    assert.match(alert.text, /^gemini\/gemini-1\.5-flash \(litellm\)\n {2}expires 2025-09-29$/m);
    // Models added in the 01-06 12:04 map and still there on 01-11 are counted.
    assert.ok(results[4]!.others.added > 0);
    assert.ok(results.reduce((n, r) => n + r.others.added + r.others.removed + r.others.changed, 0) > 0);
  } finally {
    t.cleanup();
  }
});

// ---------------------------------------------------------------------------------------------
// Pure detection on hand-written snapshots.

function e(model: string, input: number | null, output: number | null = 1_000_000): SourceEntry {
  return sourceEntry(model, { context: 1000, rates: { ...NO_RATES, input, output } });
}
let clock = Date.parse('2026-01-01T00:00:00.000Z');
function snap(...entries: SourceEntry[]): Snapshot {
  clock += 6 * 3600_000;
  return { source: 'openrouter', kind: 'openrouter', fetched_at: new Date(clock).toISOString(), entries };
}
const everyone = () => true;

function replay(snaps: Snapshot[], watchedFn: (p: string, m: string) => boolean = everyone) {
  let state: DetectionState = new Map();
  return snaps.map((s) => {
    const r = detectPriceChanges(state, [s], { watched: watchedFn });
    state = r.state;
    return r;
  });
}

void test('detect: flip back is never announced; a third value restarts the count', () => {
  const rs = replay([snap(e('m', 100)), snap(e('m', 200)), snap(e('m', 100)), snap(e('m', 300)), snap(e('m', 400)), snap(e('m', 400))]);
  assert.deepEqual(
    rs.map((r) => r.alert?.changes.flatMap((c) => c.keys) ?? null),
    [null, null, null, null, null, ['price:openrouter/m:input:100->400']],
  );
});

void test('detect: the input state is not modified', () => {
  const r0 = detectPriceChanges(new Map(), [snap(e('m', 100))], { watched: everyone });
  const frozen = JSON.stringify([...r0.state.get('openrouter')!.accepted]);
  const r1 = detectPriceChanges(r0.state, [snap(e('m', 200))], { watched: everyone });
  assert.equal(JSON.stringify([...r0.state.get('openrouter')!.accepted]), frozen);
  assert.equal(r0.state.get('openrouter')!.pending.size, 0);
  assert.equal(r1.state.get('openrouter')!.pending.size, 1);
  // Same input, same output: the alert key is stable.
  const c = detectPriceChanges(r1.state, [{ source: 'openrouter', kind: 'openrouter', fetched_at: '2027-01-01T00:00:00.000Z', entries: [e('m', 200)] }], { watched: everyone });
  const d = detectPriceChanges(r1.state, [{ source: 'openrouter', kind: 'openrouter', fetched_at: '2027-01-01T00:00:00.000Z', entries: [e('m', 200)] }], { watched: everyone });
  assert.ok(c.alert && d.alert);
  assert.equal(c.alert.key, d.alert.key);
  assert.equal(c.alert.key, 'price:openrouter/m:input:100->200@2027-01-01T00:00:00.000Z');
});

void test('detect: over 10x is held as suspect, said once; reverting drops it silently', () => {
  const rs = replay([snap(e('m', 100)), snap(e('m', 2000)), snap(e('m', 2000)), snap(e('m', 2000)), snap(e('m', 100)), snap(e('m', 100))]);
  assert.deepEqual(
    rs.map((r) => r.alert?.changes.map((c) => c.status) ?? null),
    [null, null, ['suspect_held'], null, null, null],
  );
  assert.match(rs[2]!.alert!.text, /SUSPECT \(over 10x\)/);
  const held = replay([snap(e('m', 100)), snap(e('m', 0)), snap(e('m', 0)), snap(e('m', 0)), snap(e('m', 0))]);
  assert.deepEqual(
    held.map((r) => r.alert?.changes.map((c) => `${c.status}:${c.ratio}`) ?? null),
    [null, null, ['suspect_held:Infinity'], null, ['confirmed:Infinity']],
  );
});

void test('detect: unwatched changes only -> no message, counts; incomplete and stale snapshots are skipped', () => {
  const many = (n: number, price: number) => Array.from({ length: n }, (_, i) => e(`m${String(i).padStart(2, '0')}`, price));
  const rs = replay(
    [snap(...many(30, 100)), snap(...many(30, 150), e('new', 1)), snap(...many(30, 150), e('new', 1)), snap(...many(10, 150))],
    (_p, m) => m === 'nothing',
  );
  assert.equal(rs[2]!.alert, null);
  assert.deepEqual(rs[2]!.others, { added: 1, removed: 0, changed: 30, suspect: 0 });
  assert.equal(rs[3]!.skipped.length, 1);
  assert.match(rs[3]!.skipped[0]!.reason, /incomplete: 10 models against 31 known/);
  const state = rs[3]!.state;
  const stale = detectPriceChanges(state, [{ source: 'openrouter', kind: 'openrouter', fetched_at: '2020-01-01T00:00:00.000Z', entries: [] }], { watched: everyone });
  assert.match(stale.skipped[0]!.reason, /not newer than the last fetch/);
});

void test('costNusd: integer nano-USD, no float overflow on large volumes; not priced -> null', () => {
  // 1M input (400k cache hits) + 100k output of deepseek-v4-flash: 600k x 0.14 + 400k x 0.0028 + 100k x 0.28 = $0.11312.
  assert.equal(costNusd({ input: 140000, cached_input: 2800, output: 280000, cache_write: null, reasoning_output: null }, true, { input_tokens: 1_000_000, cached_input_tokens: 400_000, output_tokens: 100_000 }), 113_120_000);
  assert.equal(costNusd({ input: 1, cached_input: null, output: 1, cache_write: null, reasoning_output: null }, true, { input_tokens: 499, cached_input_tokens: 0, output_tokens: 0 }), 0);
  assert.equal(costNusd({ input: 1, cached_input: null, output: 1, cache_write: null, reasoning_output: null }, true, { input_tokens: 500, cached_input_tokens: 0, output_tokens: 0 }), 1);
  // Products beyond 2^53 pico-USD stay exact (bigint): 2e9 x $3/M + 5e8 x $15/M = $13,500.
  assert.equal(costNusd({ input: 3_000_000, cached_input: null, output: 15_000_000, cache_write: null, reasoning_output: null }, true, { input_tokens: 2_000_000_000, cached_input_tokens: 0, output_tokens: 500_000_000 }), 13_500_000_000_000);
  assert.equal(costNusd({ input: null, cached_input: null, output: 1, cache_write: null, reasoning_output: null }, false, { input_tokens: 1, cached_input_tokens: 0, output_tokens: 1 }), null);
});

void test('state in SQLite: pending survives a restart; dry-run writes nothing', async () => {
  const t = tempDb();
  try {
    const s0 = snap(e('m', 100));
    const s1 = snap(e('m', 200));
    const s2 = snap(e('m', 200));
    await runPriceCheck(storeOf(t.db()), [s0], { watched: everyone });
    assert.equal((await runPriceCheck(storeOf(t.reopen()), [s1], { watched: everyone })).alert, null);
    const dry = await runPriceCheck(storeOf(t.reopen()), [s2], { watched: everyone, dryRun: true });
    assert.ok(dry.alert, 'dry run shows what would be announced');
    const st = await loadDetectionState(storeOf(t.db()));
    assert.equal(st.get('openrouter')?.pending.get('openrouter\u0000m')?.seen, 1, 'dry run did not advance the count');
    assert.equal((await listFetches(storeOf(t.db()), 'openrouter')).length, 2);
    const real = await runPriceCheck(storeOf(t.reopen()), [s2], { watched: everyone });
    assert.equal(real.alert?.key, dry.alert.key);
    assert.equal((await runPriceCheck(storeOf(t.reopen()), [snap(e('m', 200))], { watched: everyone })).alert, null, 'accepted: not announced again');
    assert.equal((await loadDetectionState(storeOf(t.db()))).get('openrouter')?.accepted.get('openrouter\u0000m')?.rates.input, 200);
  } finally {
    t.cleanup();
  }
});

void test('an absurd monthly impact (past $9M) is said as a bound, and the prices alert is still built', async () => {
  const { impactLine } = await import('../../src/features/catalog/price-alert.js');
  const volume = { input_tokens: 2_000_000_000, cached_input_tokens: 0, output_tokens: 0 };
  // $1,000,000 per million input tokens x 2,000M tokens = $2,000,000,000 a month.
  const line = impactLine({ volume, old_nusd: 2_000_000_000, new_nusd: 2e18, delta_nusd: 2e18 - 2_000_000_000 });
  assert.equal(line, "  monthly at last 30 days' use: $2.00 -> over $9,007,199 (+over $9,007,199)");
});
