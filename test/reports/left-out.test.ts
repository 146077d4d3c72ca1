// /spend leaves out what is no request (a call never sent for want of a key) and what is no
// model (/routecheck's probe of a model that does not exist), says how many it left out, and
// shows route checks' cost apart while keeping it in the total (docs/ARCHITECTURE.md §3.1, §3.5).
// The rows come from real calls: a route check and an /ask against the provider simulator,
// metered through the real ledger writer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runCommandLine } from '../../src/app/cli.js';
import { NOT_FOUND_PROBE_MODEL } from '../../src/domain/spend.js';
import { nusdToUsd } from '../../src/domain/money/units.js';
import type { SqliteLedger } from '../../src/store/ledger/sqlite-ledger.js';
import type { Services } from '../../src/app/services.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';
import { makeServices, type ServicesFixture } from '../support/services.js';
import { peekDb } from '../support/db.js';

let sim: Simulator;
let fixture: ServicesFixture;

before(async () => {
  sim = await startSim();
  fixture = makeServices(simConfig(sim), { clock: () => new Date(), secrets: SIM_KEYS });
});
after(async () => {
  fixture.cleanup();
  await sim.close();
});

async function cli(argv: string[], services: Services) {
  let stdout = '';
  let stderr = '';
  const code = await runCommandLine(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, { services: () => services });
  return { code, stdout, stderr };
}

/** What the raw rows say, summed by SQLite from the usage table itself (nano-USD as BigInt). */
function rawFacts(dbPath: string) {
  return peekDb(dbPath, (db) => {
    const one = (sql: string) => db.prepare(sql).safeIntegers(true).pluck().get() as bigint;
    return {
      rows: Number(one('SELECT COUNT(*) FROM usage')),
      neverSent: Number(one(`SELECT COUNT(*) FROM usage WHERE status = 'missing_key'`)),
      probes: Number(one(`SELECT COUNT(*) FROM usage WHERE source = 'routecheck' AND model = '${NOT_FOUND_PROBE_MODEL}'`)),
      probeCost: one(`SELECT COALESCE(SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)), 0) FROM usage WHERE model = '${NOT_FOUND_PROBE_MODEL}' OR status = 'missing_key'`),
      totalNusd: one('SELECT SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)) FROM usage'),
      routecheckNusd: one(`SELECT SUM(COALESCE(cost_nusd, provider_cost_nusd, 0)) FROM usage WHERE source = 'routecheck'`),
      routecheckRows: Number(one(`SELECT COUNT(*) FROM usage WHERE source = 'routecheck'`)),
    };
  });
}

/** An exact decimal of dollars ("0.000123") as nano-USD. */
const nusdOf = (usd: string): bigint => {
  const [int, frac = ''] = usd.split('.');
  return BigInt(int!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
};

interface SpendDoc {
  total_usd: number;
  requests: number;
  unpriced_rows: number;
  left_out: { never_sent: number; not_found_probes: number };
  route_checks_usd: number;
  groups: Array<{ key: string; total_usd: number; requests: number; unpriced_rows: number }>;
}

test('a route check and an /ask with a missing key: the probe and the unsent call are left out and counted, route checks shown apart, totals are the raw rows', async () => {
  const services = fixture.services;
  const check = await cli(['routecheck', 'deepseek-v4-flash'], services);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  // qwen-nokey's first route has no key (never sent), its second answers through OpenRouter.
  const ask = await cli(['ask', '--model', 'qwen-nokey', 'hello'], services);
  assert.equal(ask.code, 0, ask.stdout + ask.stderr);

  const raw = rawFacts(fixture.dbPath);
  // What the calls wrote: one probe per route of deepseek-v4-flash, one call never sent.
  assert.equal(raw.probes, 2);
  assert.equal(raw.neverSent, 1);
  assert.equal(raw.probeCost, 0n, 'a 404 for an unknown model and an unsent call cost nothing');
  assert.ok(raw.routecheckNusd > 0n, 'route checks cost real money');
  assert.ok(raw.totalNusd > raw.routecheckNusd, "the /ask answer cost money too");
  const requests = raw.rows - raw.probes - raw.neverSent;

  const read = async () => {
    const byModel = JSON.parse((await cli(['spend', 'today', 'by', 'model', '--json'], services)).stdout) as SpendDoc;
    const csv = (await cli(['spend', 'today', 'by', 'model', '--csv'], services)).stdout;
    const text = (await cli(['spend', 'today', 'by', 'model'], services)).stdout;
    const byProvider = JSON.parse((await cli(['spend', 'today', '--json'], services)).stdout) as SpendDoc;
    return { byModel, csv, text, byProvider };
  };
  const first = await read();
  const { byModel, csv, text, byProvider } = first;

  // No probe model and no model of the unsent call among the groups, in JSON and CSV alike.
  const keys = byModel.groups.map((g) => g.key);
  assert.deepEqual(keys.filter((k) => k.endsWith(`/${NOT_FOUND_PROBE_MODEL}`) || k.startsWith('qwen-nokey/')), []);
  assert.ok(keys.includes('deepseek/deepseek-v4-flash') && keys.includes('openrouter/qwen/qwen-plus'), keys.join(', '));
  assert.doesNotMatch(csv, new RegExp(`${NOT_FOUND_PROBE_MODEL}|qwen-nokey`));
  // Requests are the calls that reached a provider, in the total and per group, in every grouping.
  for (const doc of [byModel, byProvider]) {
    assert.equal(doc.requests, requests);
    assert.equal(doc.groups.reduce((n, g) => n + g.requests, 0), requests);
    assert.deepEqual(doc.left_out, { never_sent: 1, not_found_probes: 2 });
    assert.equal(doc.unpriced_rows, 0, 'left-out rows are not "not priced" rows either');
    // Route checks stay in the total; their part is shown apart.
    assert.equal(doc.total_usd, nusdToUsd(raw.totalNusd));
    assert.equal(doc.route_checks_usd, nusdToUsd(raw.routecheckNusd));
  }
  assert.ok(!byProvider.groups.some((g) => g.key === 'qwen-nokey'), 'a provider only an unsent call went to is no group');

  // The CSV's amounts sum exactly to the raw rows' cost.
  const lines = csv.trim().split('\r\n');
  assert.equal(lines[0], 'date,model,usd,unpriced_rows');
  assert.equal(lines.slice(1).reduce((s, l) => s + nusdOf(l.split(',')[2]!), 0n), raw.totalNusd);

  assert.match(text, /Left out\W+1 call never sent \(no API key\), 2 route-check probes of a model that does not exist: not requests, no cost/);
  assert.match(text, /Route checks\W+\$\d+\.\d\d.* of the total/);
  assert.match(text, new RegExp(`Requests\\W+${requests}\\b`));
  assert.doesNotMatch(text, new RegExp(NOT_FOUND_PROBE_MODEL));

  // The rollup rebuilt from the rows (as a timezone change does) reads the same.
  (services.ledger as SqliteLedger).rebuildRollup();
  const rebuilt = await read();
  assert.deepEqual(rebuilt.byModel, byModel);
  assert.equal(rebuilt.csv, csv);
  assert.deepEqual(rebuilt.byProvider, byProvider);
});
