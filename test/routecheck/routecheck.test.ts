// /routecheck against the provider simulator through the real openai SDK, with faults injected
// so that each check fails for the right reason.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Services } from '../../src/app/services.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, simProviders, SIM_KEYS } from '../support/sim-config.js';
import { makeServices } from '../support/services.js';
import { dispatch } from '../../commands/dispatch.js';
import { RouteChecker, type RouteCheckReport } from '../../src/features/routecheck/runner.js';

let sim: Simulator;
let services: Services;
let cleanup: () => void;

before(async () => {
  sim = await startSim();
  // Short timeouts: the never-ending stream must fail fast.
  const config = simConfig(sim, { providers: simProviders(sim, { timeout_ms: 1500 }) });
  ({ services, cleanup } = makeServices(config, { clock: () => new Date(), secrets: SIM_KEYS }));
});
after(async () => {
  cleanup();
  await sim.close();
});
beforeEach(() => sim.reset());

async function check(target: string, long = false): Promise<RouteCheckReport> {
  const run = await services.routecheck.run({ target, long, longTokens: 4000 });
  assert.ok(run.ok, run.ok ? '' : run.error);
  return run.report;
}
const route = (r: RouteCheckReport, provider: string) => r.routes.find((x) => x.route.provider === provider)!;

test('every check passes on healthy routes of all five profiles', async () => {
  for (const target of ['deepseek-v4-flash', 'qwen-plus', 'kimi-k2.5', 'glm-4.7']) {
    const report = await check(target);
    for (const r of report.routes) {
      for (const [name, c] of Object.entries(r.checks)) {
        if (name === 'long') assert.equal(c.status, 'n/a');
        else assert.equal(c.status, 'pass', `${target} ${r.route.provider}/${r.route.model} ${name}: ${c.reason}`);
      }
      assert.ok((r.checks.stream.ttft_ms ?? -1) >= 0, 'TTFT measured');
    }
    assert.equal(report.ok, true);
  }
});

test('usage missing from a stream fails the stream check', async () => {
  sim.setFaults('deepseek', { omitUsage: true });
  const r = route(await check('deepseek/deepseek-v4-flash'), 'deepseek');
  assert.equal(r.checks.stream.status, 'fail');
  assert.match(r.checks.stream.reason, /no usage in the stream/);
});

test('usage that cannot be used (negative, "NaN") or is beyond belief fails the stream check as missing usage does', async () => {
  const patches: Array<Record<string, number | string>> = [{ completion_tokens: -5, total_tokens: 'NaN' }, { prompt_tokens: 1e300 }];
  for (const usagePatch of patches) {
    sim.setFaults('deepseek', { usagePatch });
    const r = route(await check('deepseek/deepseek-v4-flash'), 'deepseek');
    assert.equal(r.checks.stream.status, 'fail', JSON.stringify(usagePatch));
    assert.match(r.checks.stream.reason, /no usage in the stream/);
  }
});

test('a stream that never ends fails the stream check', async () => {
  sim.setFaults('qwen', { neverEnd: true });
  const r = route(await check('qwen-intl/qwen-plus'), 'qwen-intl');
  assert.equal(r.checks.stream.status, 'fail');
  assert.match(r.checks.stream.reason, /did not end/);
});

test('tool arguments that are not JSON fail the tools check', async () => {
  sim.setFaults('kimi', { toolArgsNotJson: true });
  const r = route(await check('moonshot/kimi-k2.5'), 'moonshot');
  assert.equal(r.checks.tools.status, 'fail');
  assert.match(r.checks.tools.reason, /arguments are not JSON/);
});

test('JSON mode returning prose fails the json check', async () => {
  sim.setFaults('glm', { jsonModeProse: true });
  const r = route(await check('zai/glm-4.7'), 'zai');
  assert.equal(r.checks.json.status, 'fail');
  assert.match(r.checks.json.reason, /not JSON/);
});

test('a wrong status for an unknown model fails the error check', async () => {
  sim.setFaults('openrouter', { unknownModelStatus: 500 });
  const r = route(await check('openrouter/qwen/qwen-plus'), 'openrouter');
  assert.equal(r.checks.error.status, 'fail');
  assert.match(r.checks.error.reason, /500/);
});

test('a missing key is reported and the route is not called', async () => {
  const before = sim.requests.length;
  const report = await check('qwen-nokey');
  const r = route(report, 'qwen-nokey');
  assert.equal(r.checks.key.status, 'fail');
  assert.match(r.checks.key.reason, /ROUTEOPS_TEST_UNSET_KEY is not set/);
  assert.equal(r.checks.chat.status, 'n/a');
  assert.equal(route(report, 'openrouter').checks.chat.status, 'pass', 'the other route is still checked');
  assert.equal(sim.requests.slice(before).filter((x) => x.profile === 'qwen').length, 0);
  assert.equal(report.ok, false);
});

test('--long hides a fact in a long prompt, finds it, and shows the estimated cost first', async () => {
  const notices: string[] = [];
  const run = await services.routecheck.run({ target: 'deepseek/deepseek-v4-flash', long: true, longTokens: 4000, onNotice: (t) => notices.push(t) });
  assert.ok(run.ok);
  assert.equal(route(run.report, 'deepseek').checks.long.status, 'pass');
  assert.match(notices[0] ?? '', /long-context check \(~4K tokens per route\) on 1 route: estimated \$0\.\d+/);
});

test('every check call is a ledger row with source routecheck', async () => {
  // Set-up: checks of its own to meter, whichever tests ran before.
  for (const target of ['deepseek-v4-flash', 'qwen-plus', 'kimi-k2.5', 'glm-4.7']) await services.routecheck.run({ target });
  const rows = (await services.ledger.recentRows(5000)).filter((r) => r.source === 'routecheck');
  assert.ok(rows.length > 20);
  assert.ok(rows.every((r) => r.route?.startsWith('routecheck:')));
  assert.ok(rows.some((r) => r.status === 'model_not_found'), 'the error check call is metered too');
});

test('the report says what changed since the last run, and what differs between routes', async () => {
  await check('qwen-plus');
  sim.setFaults('qwen', { jsonModeProse: true });
  const reply = await dispatch('routecheck', 'qwen-plus', services, { id: 'cli', local: true });
  assert.equal(reply.failed, true);
  const text = JSON.stringify(reply);
  assert.match(text, /qwen-intl\/qwen-plus json: pass → fail/);
  const data = reply.data as { target: string; ok: boolean; routes: Array<{ provider: string; checks: Record<string, { status: string }> }>; differences: string[] };
  assert.equal(data.target, 'qwen-plus');
  assert.equal(data.ok, false);
  assert.deepEqual(Object.keys(data.routes[0]!.checks), ['models', 'key', 'chat', 'stream', 'tools', 'json', 'long', 'error']);
  // OpenRouter reports its cost, Qwen does not.
  assert.ok(data.differences.some((d) => /provider cost: .*reported on openrouter/.test(d)), data.differences.join('\n'));
});

test('one run per target at a time; an unknown target gets the closest names', async () => {
  const first = services.routecheck.run({ target: 'glm-4.7' });
  const second = await services.routecheck.run({ target: 'glm-4.7' });
  assert.equal(second.ok, false);
  assert.ok(!second.ok && second.busy);
  assert.ok((await first).ok);
  const unknown = await services.routecheck.run({ target: 'qwen-pls' });
  assert.ok(!unknown.ok);
  assert.match(unknown.error, /Did you mean "qwen-plus"/);
});

test('one run per target across replicas: another replica is told the check is running there, and runs it once it ended', async () => {
  // A second replica over the same store: its own checker, its own lease holder name.
  const other = new RouteChecker({
    config: services.config,
    catalog: services.catalog,
    clock: services.clock,
    providers: services.providers,
    usage: services.usage,
    history: services.store.routecheck,
    lease: { leases: services.store.leases, holder: 'replica-b', clock: services.clock },
  });
  const first = services.routecheck.run({ target: 'glm-4.7' });
  const second = await other.run({ target: 'glm-4.7' });
  assert.ok(!second.ok && second.busy);
  assert.match(second.error, /^A route check of glm-4\.7 is already running in another routeops process \(since \d\d:\d\d:\d\d UTC\); its report will appear when it finishes\.$/);
  assert.ok((await first).ok);
  assert.ok((await other.run({ target: 'glm-4.7' })).ok, 'the lease was given up when the first ended');
});

test("each call a route check makes is sent with its own call id, and that id is its ledger row's call_id", async () => {
  const from = sim.requests.length;
  await check('qwen-plus');
  const sent = sim.requests.slice(from).filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.headers['x-client-request-id']);
  assert.ok(sent.length >= 5, 'chat, stream, tools, json and error checks call the route');
  assert.ok(sent.every((id) => typeof id === 'string' && id.length > 0), 'every chat request carried X-Client-Request-Id');
  const rows = await services.ledger.recentRows(200);
  const callIds = new Set(rows.map((r) => r.call_id));
  assert.ok(sent.every((id) => callIds.has(id as string)), 'each id is the call_id of a ledger row');
  assert.equal(new Set(sent).size, sent.length, 'one id per call');
});
