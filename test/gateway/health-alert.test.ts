// The gateway alert (docs/ARCHITECTURE.md §3.7 `gateway`): a key whose upstream calls fail, or
// whose answers come from a fallback route, more than the thresholds in the last hour alerts once
// a day; healthy keys, too few requests and the client's own errors alert nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommandLine } from '../../src/app/cli.js';
import type { Services } from '../../src/features/services.js';
import { keyHealth } from '../../src/domain/gateway-health.js';
import { makeServices } from '../support/services.js';

type Alert = { key: string; kind: string; text: string };

async function alertsRun(services: Services, now: string): Promise<Alert[]> {
  let stdout = '';
  const code = await runCommandLine(['alerts', 'run', '--json', '--now', now], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => services, alertPost: () => Promise.resolve(null) });
  assert.equal(code, 0, stdout);
  return (JSON.parse(stdout) as { alerts: Alert[] }).alerts.filter((a) => a.kind === 'gateway');
}

let n = 0;
/** `count` gateway attempts of a key at `ts` on a route with a status. */
const attempts = (services: Services, key: string, ts: string, provider: string, model: string, status: string, count: number) =>
  services.ledger.record(
    Array.from({ length: count }, () => ({ ts, provider, model, input_tokens: 10, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, user: key, route: 'deepseek-flash', status, call_id: `gw-${n++}` })),
    'gateway',
  );

test('a key whose calls fail past the error rate alerts once a day naming the failing route; the client\'s own errors do not count', async (t) => {
  const { services } = makeServices({ slack: { alerts_channel: 'C0ALERTS' } }, { owner: t });
  await attempts(services, 'billing', '2026-11-23T11:30:00Z', 'deepseek', 'deepseek-v4-flash', 'ok', 12);
  await attempts(services, 'billing', '2026-11-23T11:31:00Z', 'deepseek', 'deepseek-v4-flash', 'rate_limited', 8);
  // Another key with as many bad requests (its own fault) and a key with too few calls.
  await attempts(services, 'search', '2026-11-23T11:32:00Z', 'deepseek', 'deepseek-v4-flash', 'ok', 20);
  await attempts(services, 'search', '2026-11-23T11:32:00Z', 'deepseek', 'deepseek-v4-flash', 'bad_request', 20);
  await attempts(services, 'tiny', '2026-11-23T11:33:00Z', 'deepseek', 'deepseek-v4-flash', 'server', 5);
  // Older than an hour: not counted.
  await attempts(services, 'search', '2026-11-23T10:00:00Z', 'deepseek', 'deepseek-v4-flash', 'server', 50);
  const first = await alertsRun(services, '2026-11-23T12:00:00Z');
  assert.deepEqual(first.map((a) => a.key), ['gateway:errors:billing:2026-11-23']);
  assert.equal(first[0]!.text, 'Gateway key "billing": 40% of its upstream calls failed in the last hour (8 of 20): deepseek/deepseek-v4-flash rate_limited ×8.');
  assert.deepEqual(await alertsRun(services, '2026-11-23T12:15:00Z'), [], 'once a day');
});

test('a key served by a fallback route past the fallback rate alerts, with the routes that failed before it', async (t) => {
  const { services } = makeServices({ slack: { alerts_channel: 'C0ALERTS' } }, { owner: t });
  // deepseek-flash's first route is DeepSeek (the built-in alias): 10 of 25 answers from OpenRouter.
  await attempts(services, 'etl', '2026-11-23T11:40:00Z', 'deepseek', 'deepseek-v4-flash', 'ok', 15);
  await attempts(services, 'etl', '2026-11-23T11:41:00Z', 'deepseek', 'deepseek-v4-flash', 'overloaded', 10);
  await attempts(services, 'etl', '2026-11-23T11:41:00Z', 'openrouter', 'deepseek/deepseek-v4-flash', 'ok', 10);
  const alerts = await alertsRun(services, '2026-11-23T12:00:00Z');
  assert.deepEqual(alerts.map((a) => a.key), ['gateway:errors:etl:2026-11-23', 'gateway:fallbacks:etl:2026-11-23']);
  assert.equal(alerts[1]!.text, 'Gateway key "etl": 40% of its answers in the last hour came from a fallback route (10 of 25): openrouter/deepseek/deepseek-v4-flash ×10. Its first routes are failing: deepseek/deepseek-v4-flash overloaded ×10.');
});

test('key health arithmetic: rates to a tenth rounded down, statuses that are not a route\'s fault left out', () => {
  const [h] = keyHealth(
    [
      { key: 'k', alias: 'a', provider: 'p', model: 'm', status: 'ok', attempts: 2 },
      { key: 'k', alias: 'a', provider: 'p', model: 'm', status: 'timeout', attempts: 1 },
      { key: 'k', alias: 'a', provider: 'p', model: 'm', status: 'aborted', attempts: 7 },
      { key: 'k', alias: 'a', provider: 'q', model: 'm', status: 'ok', attempts: 1 },
    ],
    () => 'p',
  );
  assert.deepEqual([h!.attempts, h!.failed, h!.error_pct, h!.answered, h!.fellBack, h!.fallback_pct], [4, 1, 25, 3, 1, 33.3]);
});

test('the weekly spend report names each gateway key with its spend and calls; Slack users are not keys', async (t) => {
  const { services } = makeServices({ slack: { reports_channel: 'C0FINANCE' } }, { owner: t });
  let out = '';
  assert.equal(await runCommandLine(['keys', 'create', 'checkout', '--json'], { stdout: (s) => (out += s), stderr: () => {} }, { services: () => services }), 0, out);
  const row = (user: string, ts: string, usd: string, source: 'gateway' | 'ask') =>
    services.ledger.record([{ ts, provider: 'deepseek', model: 'unlisted-report-model', input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0, cost_usd: usd, user, call_id: `r-${n++}` }], source);
  await row('checkout', '2026-11-17T10:00:00Z', '1.25', 'gateway');
  await row('checkout', '2026-11-18T10:00:00Z', '0.75', 'gateway');
  await row('U0ALICE', '2026-11-18T11:00:00Z', '3.00', 'ask');
  const { spendReportJob } = await import('../../src/features/alerts/jobs/spend-report.js');
  const [report] = await spendReportJob.run(services, new Date('2026-11-23T12:00:00Z'));
  const section = report!.reply.sections?.find((s) => s.heading?.startsWith('Gateway keys'));
  assert.deepEqual(section?.fields, [{ label: 'checkout', value: '$2.00 over 2 calls' }]);
});
