// /keys in Slack (the real Bolt app over signed HTTP) and in the shell: it lists the keys for the
// people access.keys names, never makes or shows one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { runCommandLine } from '../../src/app/cli.js';
import { startShell } from '../../src/adapters/shell/repl.js';
import type { Services } from '../../src/features/services.js';
import { startTestApp, SIGNING_SECRET, type TestApp } from '../support/app.js';
import { postSigned, slashCommandBody } from '../support/slack-request.js';
import { makeServices } from '../support/services.js';

async function makeKey(services: Services, ...argv: string[]): Promise<string> {
  let stdout = '';
  assert.equal(await runCommandLine(['keys', 'create', ...argv, '--json'], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => services }), 0);
  return (JSON.parse(stdout) as { key: string }).key;
}

async function slash(app: TestApp, text: string, user: string) {
  const id = randomUUID();
  const res = await postSigned(`${app.url}/slack/events`, SIGNING_SECRET, slashCommandBody({ command: '/keys', text, user_id: user, response_url: `${app.slack.baseUrl}/respond/${id}` }));
  assert.equal(res.status, 200, 'the command is acked');
  const call = await app.slack.waitFor('response_url', (c) => c.path === `/respond/${id}`);
  return { type: call.body.response_type as string, text: JSON.stringify(call.body) };
}

test('/keys in Slack lists the keys to those access.keys names (to them alone), refuses others, and never makes a key', async (t) => {
  const app = await startTestApp({ config: { timezone: 'UTC', access: { keys: ['U0OPS'] } }, owner: t });
  const key = await makeKey(app.app.services, 'checkout', '--aliases', 'qwen-plus', '--budget-daily', '10', '--owner', 'payments');

  const listed = await slash(app, '', 'U0OPS');
  assert.equal(listed.type, 'ephemeral', 'spend per key: the caller alone while access.keys names people');
  assert.match(listed.text, /Gateway keys/);
  assert.match(listed.text, /checkout/);
  assert.ok(listed.text.includes(`${key.slice(0, 7)}…`), 'the prefix');
  assert.ok(!listed.text.includes(key.slice(7)), 'never the key');
  assert.match(listed.text, /\$0\.00 of \$10\.00/);

  const refused = await slash(app, '', 'U0INTERN');
  assert.equal(refused.type, 'ephemeral');
  assert.match(refused.text, /\/keys is limited to the people listed in the routeops config \(access\.keys\)/);
  assert.doesNotMatch(refused.text, /checkout/);

  const create = await slash(app, 'create billing', 'U0OPS');
  assert.equal(create.type, 'ephemeral');
  assert.match(create.text, /\/keys only lists the keys; to create one, run routeops keys create NAME on the server/);
  let stdout = '';
  await runCommandLine(['keys', 'list', '--json'], { stdout: (s) => (stdout += s), stderr: () => {} }, { services: () => app.app.services });
  assert.deepEqual((JSON.parse(stdout) as { keys: Array<{ name: string }> }).keys.map((k) => k.name), ['checkout'], 'nothing was made');
});

test('/keys in the shell lists the keys (the operator: no access list), and refuses to create, rotate or revoke', async (t) => {
  const { services } = makeServices({ access: { keys: ['U0OPS'] } }, { owner: t });
  const key = await makeKey(services, 'reports', '--rpm', '30');
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (c: Buffer) => (printed += c.toString()));
  const done = startShell(services, { input, output });
  input.write('/keys\nkeys rotate reports\nkeys bogus\nexit\n');
  await done;
  assert.match(printed, /reports\s+ro_\w{4}…\s+active/);
  assert.ok(!printed.includes(key.slice(7)), 'never the key');
  assert.match(printed, /\/keys only lists the keys; to rotate one, run routeops keys rotate NAME on the server/);
  assert.match(printed, /unexpected "bogus"; \/keys takes only the word list$/m);
});

test('/keys with no keys says how they are made', async (t) => {
  const { services } = makeServices({}, { owner: t });
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (c: Buffer) => (printed += c.toString()));
  const done = startShell(services, { input, output });
  input.write('/keys\nexit\n');
  await done;
  assert.match(printed, /No gateway keys: they are made with routeops keys create on the server\./);
});
