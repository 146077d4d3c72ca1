// The gateway's last route retries as its provider is set (config max_retries), with the openai
// SDK's rules (src/upstream/providers/forward-post.ts): 5xx and 429 again after a wait, a 400
// never; every attempt one ledger row, the retried ones saying what they failed with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APIError } from 'openai';
import { rowsOnce, startGateway } from './support.js';

const ask = [{ role: 'user' as const, content: 'hello gateway' }];

test('the last route retries 503 and 429 as its provider is set, each retried attempt its own row; all retries failing is a 502; a 400 is not retried', async (t) => {
  const rig = await startGateway(t);
  const client = rig.client(await rig.newKey('retry-svc'));
  // `retrying` has one route, deepseek-retry (max_retries 2): test/support/sim-config.ts.
  rig.sim.setFaults('deepseek', { status: 503, times: 1 });
  const { data, response } = await client.chat.completions.create({ model: 'retrying', messages: ask }).withResponse();
  assert.match(data.choices[0]!.message.content ?? '', /hello gateway/);
  assert.equal(response.headers.get('x-routeops-route'), 'deepseek-retry/deepseek-v4-flash');
  rig.sim.setFaults('deepseek', { status: 429, retryAfterSeconds: 1, times: 1 });
  const waited = await client.chat.completions.create({ model: 'retrying', messages: ask });
  assert.match(waited.choices[0]!.message.content ?? '', /hello gateway/);
  rig.sim.setFaults('deepseek', { status: 503, times: 3 });
  await assert.rejects(client.chat.completions.create({ model: 'retrying', messages: ask }), (e: unknown) => e instanceof APIError && e.status === 502);
  rig.sim.setFaults('deepseek', { status: 400, times: 1 });
  await assert.rejects(client.chat.completions.create({ model: 'retrying', messages: ask }), (e: unknown) => e instanceof APIError && e.status === 400);
  const rows = await rowsOnce(rig, 2 + 2 + 3 + 1);
  assert.deepEqual(
    rows.map((r) => [r['status'], r['error'] ?? null]),
    [
      ['retried', 'failed (HTTP 503) and retried by the client before the final attempt'],
      ['ok', null],
      ['retried', 'failed (HTTP 429) and retried by the client before the final attempt'],
      ['ok', null],
      ['retried', 'failed (HTTP 503) and retried by the client before the final attempt'],
      ['retried', 'failed (HTTP 503) and retried by the client before the final attempt'],
      ['overloaded', rows[6]!['error']],
      ['bad_request', rows[7]!['error']],
    ],
  );
});
