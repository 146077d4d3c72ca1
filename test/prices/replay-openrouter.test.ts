// Two weeks of real OpenRouter listings (test/fixtures/catalog/openrouter/, 55 fetches from
// 2025-12-29 to 2026-01-11) replayed through the real prices job, services and SQLite, each run
// at its fetch time. Proposals appear once per real change of a watched model, never on a flip
// nor for models nobody routes or uses; apply re-prices exactly (figures by hand below); ignore
// leaves everything as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pricesJob } from '../../src/features/alerts/jobs/prices.js';
import { applyProposal, ignoreProposal } from '../../src/features/catalog/proposals/apply.js';
import type { Services } from '../../src/features/services.js';
import { makeServices } from '../support/services.js';
import { GENAI_DIR, OPENROUTER_DIR } from '../catalog-sources/helpers.js';

const GLM = 'z-ai/glm-4.6';
const NEXT = 'qwen/qwen3-next-80b-a3b-instruct';

/** "2025-12-29T18-04Z.json.gz" -> 2025-12-29T18:04:00Z */
const fetchTime = (name: string) => new Date(`${name.slice(0, 13)}:${name.slice(14, 16)}:00Z`);

async function traffic(s: Services, ts: string, id: string) {
  // Imported without the cost OpenRouter reports: "not priced" until a price is applied.
  await s.ledger.record([{ ts, provider: 'openrouter', model: GLM, input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 1_000_000, reasoning_tokens: 0, request_id: id }], 'import');
}

/** The proposed base price, per million. */
const pm = (p: { version: unknown }) => (p.version as { per_million: unknown }).per_million;

const costOf = async (s: Services, id: string) => (await s.ledger.recentRows(100)).find((r) => r.request_id === id)?.cost_nusd;

void test('OpenRouter over two weeks: one proposal per real change of a watched model; apply re-prices exactly; ignore changes nothing', async (t) => {
  const fx = makeServices(
    {
      timezone: 'UTC',
      slack: { alerts_channel: 'C0ALERTS' },
      // A person decides (by default OpenRouter's proposals for openrouter routes apply themselves).
      catalog: { auto_apply: [] },
      models: { 'or-glm': { routes: [{ provider: 'openrouter', model: GLM }] }, 'or-next': { routes: [{ provider: 'openrouter', model: NEXT }] } },
    },
    { owner: t, now: '2025-12-29T12:34:00Z' },
  );
  const s = fx.services;
  const file = join(fx.tmp.dir, 'openrouter.json.gz');
  s.config.catalog.sources.openrouter = file;
  const snapshots = readdirSync(OPENROUTER_DIR).filter((f) => f.endsWith('.json.gz')).sort();
  assert.equal(snapshots.length, 55);
  const run = async (name: string) => {
    copyFileSync(join(OPENROUTER_DIR, name), file);
    const at = fetchTime(name);
    fx.clock.now = at;
    return pricesJob.run(s, at);
  };

  // A glm-4.6 call before the first fetch: not priced, so the first fetch proposes its price.
  await traffic(s, '2025-12-29T00:00:00Z', 'g1');
  await run(snapshots[0]!);
  const [p1, ...none] = await s.store.proposals.list();
  assert.deepEqual(none, []);
  assert.deepEqual([p1!.kind, p1!.model, p1!.effective, pm(p1!)], ['new_model', GLM, '2025-12-29T00:00:00.000Z', { input: 0.39, output: 1.9 }]);
  // g1: $0.39 + $1.90 = $2.29
  assert.equal((await applyProposal(s, p1!.id, { by: 'alice' })).kind, 'applied');
  assert.equal(await costOf(s, 'g1'), 2_290_000_000);

  // 18:04 lists glm-4.6 at 0.35/1.50: seen once, nothing yet. A call at 20:00 is billed at the price in force.
  await run(snapshots[1]!);
  await traffic(s, '2025-12-29T20:00:00Z', 'g2');
  assert.equal(await costOf(s, 'g2'), 2_290_000_000);
  // 2025-12-30 00:10 holds it: a price proposal, effective from when it was first seen.
  await run(snapshots[2]!);
  const p2 = (await s.store.proposals.list('proposed'))[0]!;
  assert.deepEqual([p2.kind, p2.effective, pm(p2), p2.previous], ['price', '2025-12-29T18:04:00.000Z', { input: 0.35, output: 1.5 }, { input: 0.39, output: 1.9 }]);
  const applied = await applyProposal(s, p2.id, { by: 'bob' });
  // Only g2 is after 18:04: $2.29 -> $0.35 + $1.50 = $1.85.
  assert.ok(applied.kind === 'applied');
  assert.deepEqual([applied.rows, applied.before_nusd, applied.after_nusd], [1, 2_290_000_000n, 1_850_000_000n]);
  assert.match(applied.audit.text, /re-priced 1 row of openrouter\/z-ai\/glm-4\.6 since 2025-12-29 18:04 UTC: \$2\.29 → \$1\.85, -\$0\.44$/);
  assert.deepEqual([await costOf(s, 'g1'), await costOf(s, 'g2')], [2_290_000_000, 1_850_000_000]);

  // The other 52 fetches. qwen3-next flips at 12-31 06:04 and back at 12:04 (nothing), changes
  // at 18:04 and holds (a proposal), and goes back on 01-08 06:04 (a new one; the older expires).
  // glm-4.7 (the built-in alias routes it on OpenRouter) drops on 01-05 and is back on 01-08.
  // deepseek-v3.2 changes too, but nobody routes or uses it: no proposal. glm-4.6 holds.
  for (const name of snapshots.slice(3)) await run(name);
  const all = (await s.store.proposals.list()).sort((a, b) => a.id - b.id);
  assert.deepEqual(
    all.map((p) => [p.model, p.kind, p.effective, pm(p), p.status]),
    [
      [GLM, 'new_model', '2025-12-29T00:00:00.000Z', { input: 0.39, output: 1.9 }, 'applied'],
      [GLM, 'price', '2025-12-29T18:04:00.000Z', { input: 0.35, output: 1.5 }, 'applied'],
      [NEXT, 'new_model', '2025-12-31T18:04:00.000Z', { input: 0.06, output: 0.6 }, 'expired'],
      ['z-ai/glm-4.7', 'new_model', '2026-01-05T00:11:00.000Z', { input: 0.16, output: 0.8 }, 'expired'],
      [NEXT, 'new_model', '2026-01-08T06:04:00.000Z', { input: 0.09, output: 1.1 }, 'proposed'],
      ['z-ai/glm-4.7', 'new_model', '2026-01-08T06:04:00.000Z', { input: 0.4, output: 1.5 }, 'proposed'],
    ],
  );
  assert.equal((await applyProposal(s, all[2]!.id, { by: 'carol' })).kind, 'refused', 'an expired proposal is not applied');
  const p3 = all[4]!;
  assert.equal((await ignoreProposal(s, p3.id, { by: 'carol' })).kind, 'ignored');
  assert.equal(s.catalog.priceAt('openrouter', NEXT, Date.parse('2026-01-11T18:03:00Z')), null, 'ignored: still not priced');
  assert.equal(s.catalog.priceAt('openrouter', GLM, Date.parse('2026-01-11T18:03:00Z'))?.base.input, 350_000);
  assert.deepEqual((await s.store.proposals.history()).map((h) => [h.by, h.action]), [['alice', 'applied'], ['bob', 'applied'], ['carol', 'ignored']]);
});

void test('two sources pricing one openrouter model propose once: OpenRouter, trusted for its own routes, not genai-prices beside it', async (t) => {
  const fx = makeServices({ timezone: 'UTC', slack: { alerts_channel: 'C0ALERTS' } }, { owner: t, now: '2026-08-21T06:00:00Z' });
  const s = fx.services;
  s.config.catalog.sources.openrouter = join(OPENROUTER_DIR, '2026-01-11T18-03Z.json.gz');
  s.config.catalog.sources.genai_prices = join(GENAI_DIR, 'v2-2026-08-21.json.gz');
  // qwen/qwen-plus through OpenRouter (the built-in qwen-plus alias's second route), not priced.
  await s.ledger.record([{ ts: '2026-08-20T12:00:00Z', provider: 'openrouter', model: 'qwen/qwen-plus', input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 1_000_000, reasoning_tokens: 0, request_id: 'q' }], 'import');
  await pricesJob.run(s, new Date('2026-08-21T06:00:00Z'));
  const proposals = (await s.store.proposals.list()).filter((p) => p.model === 'qwen/qwen-plus');
  assert.deepEqual(proposals.map((p) => [p.source, p.kind, p.status]), [['openrouter', 'new_model', 'applied']]);
});
