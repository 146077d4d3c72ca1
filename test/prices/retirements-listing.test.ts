// Retirement proposals from a provider's own /models listing, through the real prices job, real
// services and SQLite, with the provider simulator's DeepSeek listing changed between fetches
// (Simulator#setModels). deepseek-v4-flash gone and deepseek-flash come in its place is a
// retirement with deepseek-flash as the replacement, once held across two fetches; applying it
// moves the alias's calls to deepseek-flash and re-prices nothing. A flip, a failed, empty or
// half-gone listing, a model nobody uses and a model already retired make none.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { pricesJob } from '../../src/features/alerts/jobs/prices.js';
import { applyProposal, ignoreProposal } from '../../src/features/catalog/proposals/apply.js';
import { planRoutes } from '../../src/features/routing/plan.js';
import { runCommandLine } from '../../src/app/cli.js';
import type { Alert } from '../../src/features/alerts/types.js';
import { formatUsd } from '../../src/domain/money/units.js';
import type { Services } from '../../src/features/services.js';
import { makeServices, type ServicesFixture } from '../support/services.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simProviders, SIM_KEYS } from '../support/sim-config.js';

const BEFORE = ['deepseek-v4-flash', 'deepseek-v4-pro', 'deepseek-chat', 'deepseek-x-preview'];
const AFTER = ['deepseek-flash', 'deepseek-v4-pro'];

interface Env {
  fx: ServicesFixture;
  sim: Simulator;
  s: () => Services;
  /** Sets DeepSeek's listing (if given) and runs the prices job at `at`. */
  run(at: string, listing?: readonly string[]): Promise<Alert | null>;
  notes: string[];
}

async function env(t: TestContext): Promise<Env> {
  const sim = await startSim(t);
  // Every provider on the simulator (none left on a real URL), without the test-only extras.
  const { 'deepseek-retry': _retry, 'qwen-nokey': _nokey, ...providers } = simProviders(sim);
  const fx = makeServices(
    {
      timezone: 'UTC',
      slack: { alerts_channel: 'C0ALERTS' },
      providers,
      models: { 'legacy-flash': { routes: [{ provider: 'deepseek', model: 'deepseek-v4-flash' }] } },
      catalog: { provider_models: true },
    },
    { owner: t, now: '2026-11-23T12:00:00Z', secrets: SIM_KEYS },
  );
  sim.setModels('deepseek', BEFORE);
  const notes: string[] = [];
  return {
    fx,
    sim,
    notes,
    s: () => fx.services,
    async run(at, listing) {
      if (listing) sim.setModels('deepseek', listing);
      const [alert] = await pricesJob.run(fx.services, new Date(at), { note: (n) => notes.push(n) });
      return alert ?? null;
    },
  };
}

const retirements = async (s: Services) => (await s.store.proposals.list()).filter((p) => p.kind === 'retirement');

/** 1M input + 1M output tokens of deepseek/deepseek-v4-flash at `ts`. */
async function traffic(s: Services, ts: string, id: string) {
  await s.ledger.record([{ ts, provider: 'deepseek', model: 'deepseek-v4-flash', input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 1_000_000, reasoning_tokens: 0, request_id: id }], 'import');
}

async function cli(s: Services, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCommandLine(argv, { stdout: (x) => (stdout += x), stderr: (x) => (stderr += x) }, { services: () => s });
  return { code, stdout, stderr };
}

/** Baseline, the change seen once, then held: the retirement proposal. */
async function proposeRename(e: Env) {
  assert.equal(await e.run('2026-11-20T00:00:00Z'), null, 'the first fetch is the baseline');
  await e.run('2026-11-21T00:00:00Z', AFTER);
  assert.deepEqual(await retirements(e.s()), [], 'gone in one fetch is not yet gone');
  const alert = await e.run('2026-11-22T00:00:00Z');
  const [p, ...more] = await retirements(e.s());
  assert.ok(p && alert);
  assert.deepEqual(more, [], 'deepseek-chat is retired already and deepseek-x-preview is nobody’s: no proposal for them');
  return { p, alert };
}

void test('deepseek-v4-flash gone from DeepSeek’s /models in two fetches, deepseek-flash in its place: one retirement proposal naming deepseek-flash', async (t) => {
  const e = await env(t);
  const s = e.s();
  await traffic(s, '2026-11-19T10:00:00Z', 'a');
  await traffic(s, '2026-11-20T10:00:00Z', 'b');
  const { p, alert } = await proposeRename(e);
  assert.equal(p.provider, 'deepseek');
  assert.equal(p.model, 'deepseek-v4-flash');
  assert.equal(p.source, 'models:deepseek');
  assert.equal(p.effective, '2026-11-21T00:00:00.000Z', 'from when it was first seen gone');
  assert.equal((p.version as { replacement: string }).replacement, 'deepseek-flash');
  assert.equal(p.previous, null);
  // The alert: what, why, the aliases and the last 7 days' calls and spend (the ledger's own sum).
  const spend = (await s.ledger.recentRows(10)).reduce((n, r) => n + BigInt(r.cost_nusd ?? 0), 0n);
  assert.ok(spend > 0n);
  const usd = formatUsd(spend);
  assert.match(alert.text, new RegExp(`Proposal ${p.id}: deepseek/deepseek-v4-flash retirement from models:deepseek, at 2026-11-21 00:00 UTC \\(gone from deepseek's /models since 2026-11-21 00:00 UTC\\): replacement deepseek-flash`));
  assert.match(alert.text, /aliases still on it: .*legacy-flash \(route 1 of 1\)/);
  assert.ok(alert.text.includes(`last 7 days (2026-11-16..2026-11-22): 2 calls, ${usd}`), alert.text);
  assert.deepEqual(
    alert.reply?.decisions?.map((d) => [d.id, d.choices.map((c) => c.action)]),
    [[`price_proposal:${p.id}`, ['price.apply', 'price.ignore']]],
  );
  // Once per real change: the next fetches of the same listing propose nothing more.
  await e.run('2026-11-22T06:00:00Z');
  await e.run('2026-11-22T12:00:00Z');
  assert.equal((await retirements(s)).length, 1);

  // routeops prices list --json: no price, no previous; the retirement's date and replacement.
  const listed = JSON.parse((await cli(s, 'prices', 'list', '--json')).stdout) as { proposals: Array<Record<string, unknown>> };
  const row = listed.proposals.find((x) => x.id === p.id);
  assert.deepEqual({ ...row, retirement: { ...(row!.retirement as object), why: '…' } }, {
    id: p.id,
    provider: 'deepseek',
    model: 'deepseek-v4-flash',
    source: 'models:deepseek',
    kind: 'retirement',
    effective: '2026-11-21T00:00:00.000Z',
    per_million: null,
    previous: null,
    status: 'proposed',
    suspect: false,
    retirement: { at: '2026-11-21T00:00:00.000Z', replacement: 'deepseek-flash', why: '…' },
  });
});

void test('applying the retirement moves the alias to deepseek-flash, re-prices nothing and is audited; it lasts a restart', async (t) => {
  const e = await env(t);
  const s = e.s();
  await traffic(s, '2026-11-20T10:00:00Z', 'a');
  const costs = async () => (await e.s().ledger.recentRows(10)).map((r) => [r.request_id, r.cost_nusd]);
  const before = await costs();
  const { p } = await proposeRename(e);
  const plan = (svc: Services) => {
    const planned = planRoutes(svc.config, svc.catalog, 'legacy-flash', Date.parse('2026-11-23T12:00:00Z'), 10, 10);
    assert.ok(planned.ok);
    return planned.plan.routes.map((x) => [x.provider, x.model, x.replaces?.model]);
  };
  assert.deepEqual(plan(s), [['deepseek', 'deepseek-v4-flash', undefined]]);

  const applied = await cli(s, 'prices', 'apply', String(p.id), '--by', 'dana', '--json');
  assert.deepEqual([applied.code, JSON.parse(applied.stdout)], [0, { id: p.id, rows_repriced: 0, before_usd: 0, after_usd: 0 }]);
  assert.deepEqual(await costs(), before, 'no row re-priced');
  const r = s.catalog.retirementOf('deepseek', 'deepseek-v4-flash');
  assert.deepEqual([r?.at, r?.replacement], ['2026-11-21T00:00:00.000Z', 'deepseek-flash']);
  assert.deepEqual(plan(s), [['deepseek', 'deepseek-flash', 'deepseek-v4-flash']]);
  const [audit] = await s.store.proposals.history();
  assert.equal(audit?.by, 'dana');
  assert.match(audit!.text, new RegExp(`^dana applied proposal ${p.id} \\(retirement from models:deepseek\\): applied retirement of deepseek/deepseek-v4-flash at 2026-11-21 00:00 UTC, replacement deepseek-flash; aliases still on it: .*legacy-flash \\(route 1 of 1\\)`));
  // /models shows it.
  const models = JSON.parse((await cli(s, 'models', 'deepseek-v4-flash', '--json')).stdout) as { models: Array<{ provider: string; model: string; retires_at: string | null; replacement: string | null }> };
  const m = models.models.find((x) => x.provider === 'deepseek' && x.model === 'deepseek-v4-flash');
  assert.deepEqual([m?.retires_at, m?.replacement], ['2026-11-21T00:00:00.000Z', 'deepseek-flash']);
  // Applying again does nothing; a restart keeps it in force.
  assert.equal(JSON.parse((await cli(s, 'prices', 'apply', String(p.id), '--json')).stdout).already_applied, true);
  const again = e.fx.restart();
  assert.equal(again.catalog.retirementOf('deepseek', 'deepseek-v4-flash')?.replacement, 'deepseek-flash');
});

void test('gone in one fetch and back in the next is a flip: no retirement proposal', async (t) => {
  const e = await env(t);
  await e.run('2026-11-20T00:00:00Z');
  await e.run('2026-11-21T00:00:00Z', AFTER);
  await e.run('2026-11-22T00:00:00Z', BEFORE);
  await e.run('2026-11-22T06:00:00Z');
  await e.run('2026-11-22T12:00:00Z');
  assert.deepEqual(await retirements(e.s()), []);
});

void test('a listing that failed or came back empty is not read: no retirement, and the run says why', async (t) => {
  const e = await env(t);
  await e.run('2026-11-20T00:00:00Z');
  e.sim.setFaults('deepseek', { status: 503 });
  await e.run('2026-11-21T00:00:00Z');
  await e.run('2026-11-21T06:00:00Z');
  e.sim.setFaults('deepseek', null);
  await e.run('2026-11-21T12:00:00Z', []);
  await e.run('2026-11-22T00:00:00Z', []);
  assert.deepEqual(await retirements(e.s()), []);
  assert.ok(e.notes.some((n) => /^models:deepseek not read: deepseek \/models/.test(n)), e.notes.join('\n'));
  assert.ok(e.notes.some((n) => n === 'models:deepseek ignored: incomplete: 0 models against 4 known'), e.notes.join('\n'));
  // Once the listing is whole again nothing is gone.
  await e.run('2026-11-22T06:00:00Z', BEFORE);
  await e.run('2026-11-22T12:00:00Z');
  assert.deepEqual(await retirements(e.s()), []);
});

void test('a listing of 20+ models that lost more than half of them is ignored, even when it holds', async (t) => {
  const e = await env(t);
  const many = [...BEFORE, ...Array.from({ length: 20 }, (_, i) => `deepseek-extra-${i}`)];
  await e.run('2026-11-20T00:00:00Z', many);
  const half = ['deepseek-v4-pro', ...many.slice(10, 20)];
  await e.run('2026-11-21T00:00:00Z', half);
  await e.run('2026-11-22T00:00:00Z', half);
  assert.deepEqual(await retirements(e.s()), []);
  assert.ok(e.notes.some((n) => /^models:deepseek ignored: incomplete: 11 models against 24 known/.test(n)), e.notes.join('\n'));
});

void test('a retirement whose model is listed again is refused on Apply with why, and nothing changes', async (t) => {
  const e = await env(t);
  const { p } = await proposeRename(e);
  // DeepSeek lists it again (one fetch: not yet accepted, but the source no longer says it is gone).
  await e.run('2026-11-22T06:00:00Z', [...AFTER, 'deepseek-v4-flash']);
  const out = await applyProposal(e.s(), p.id, { by: 'dana' });
  assert.equal(out.kind, 'refused');
  assert.match(out.kind === 'refused' ? out.reason : '', new RegExp(`^proposal ${p.id} no longer matches its source: models:deepseek lists deepseek/deepseek-v4-flash again \\(fetched 2026-11-22T06:00:00.000Z\\)\\. Nothing applied\\.$`));
  assert.equal((await e.s().store.proposals.get(p.id))?.status, 'proposed');
  assert.equal(e.s().catalog.retirementOf('deepseek', 'deepseek-v4-flash'), null);
  assert.deepEqual(await e.s().store.proposals.history(), []);
  const cliOut = await cli(e.s(), 'prices', 'apply', String(p.id));
  assert.equal(cliOut.code, 1);
});

void test('ignoring a retirement proposal retires nothing and is audited', async (t) => {
  const e = await env(t);
  const { p } = await proposeRename(e);
  // A retirement is never applied by catalog.auto_apply.
  const auto = await applyProposal(e.s(), p.id, { by: 'auto_apply', automatic: true });
  assert.match(auto.kind === 'refused' ? auto.reason : '', /is a retirement: only a person applies it/);
  const out = await ignoreProposal(e.s(), p.id, { by: 'erin' });
  assert.equal(out.kind, 'ignored');
  assert.equal(e.s().catalog.retirementOf('deepseek', 'deepseek-v4-flash'), null);
  assert.match(out.kind === 'ignored' ? out.audit.text : '', /: nothing retired, routing unchanged$/);
  assert.equal((await e.s().store.proposals.get(p.id))?.status, 'ignored');
});

void test('deepseek-flash listed beside deepseek-v4-flash before the old name goes (as DeepSeek did): the replacement is still deepseek-flash', async (t) => {
  const e = await env(t);
  const both = ['deepseek-flash', 'deepseek-v4-flash', 'deepseek-v4-pro'];
  assert.equal(await e.run('2026-11-20T00:00:00Z', both), null, 'the first fetch is the baseline');
  await e.run('2026-11-21T00:00:00Z', AFTER);
  await e.run('2026-11-22T00:00:00Z');
  const [p, ...more] = await retirements(e.s());
  assert.deepEqual(more, []);
  assert.equal(p?.model, 'deepseek-v4-flash');
  assert.equal((p?.version as { replacement: string | null }).replacement, 'deepseek-flash', 'named from what the listing still shows');
});
