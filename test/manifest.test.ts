// The Slack app manifests: manifest.yml (Socket Mode) and the HTTP-mode variant `routeops manifest
// --http URL` derives from it, both checked against Slack's own manifest schema
// (test/fixtures/slack/), against the commands the Slack adapter offers, and against the HTTP
// server the request URLs point at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { commandsFor } from '../commands/registry.js';
import { usageOf } from '../commands/types.js';
import { cli } from '../src/app/cli.js';
import { startTestApp, SIGNING_SECRET } from './support/app.js';
import { postSigned, slashCommandBody } from './support/slack-request.js';

// Compiled tests live in dist/test/, sources in test/: resolve from the repository root.
const root = fileURLToPath(new URL('../../', import.meta.url));
const schemaDir = `${root}test/fixtures/slack/`;
const load = (name: string) => JSON.parse(readFileSync(schemaDir + name, 'utf8')) as Record<string, unknown>;

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The dispatching schema refers to the versioned ones by these URLs; register them offline.
  const base = 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/';
  ajv.addSchema(load('manifest.schema.1.0.0.json'), `${base}manifest.schema.1.0.0.json`);
  ajv.addSchema(load('manifest.schema.2.0.0.json'), `${base}manifest.schema.2.0.0.json`);
  return ajv.compile(load('manifest.schema.json'));
}

interface Manifest {
  features: { slash_commands: Array<{ command: string; url?: string; usage_hint?: string }>; app_home: { home_tab_enabled: boolean } };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { bot_events: string[]; request_url?: string };
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
  };
}

const manifestText = readFileSync(`${root}manifest.yml`, 'utf8');
const manifest = parse(manifestText) as Manifest;

/** `routeops ARGS…` through the real CLI. */
async function routeops(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await cli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { LOG_LEVEL: 'silent' } });
  return { code, stdout, stderr };
}

async function httpManifest(base: string): Promise<Manifest> {
  const run = await routeops('manifest', '--http', base);
  assert.equal(run.code, 0, run.stderr);
  return parse(run.stdout) as Manifest;
}

test('manifest.yml is valid against Slack manifest schema', () => {
  const validate = validator();
  const ok = validate(manifest);
  assert.equal(ok, true, JSON.stringify(validate.errors, null, 2));
});

test('the schema really rejects a broken manifest (the check is not vacuous)', () => {
  const validate = validator();
  const broken = structuredClone(manifest) as unknown as { features: { slash_commands: Array<Record<string, unknown>> } };
  broken.features.slash_commands[0]!.command = 'no-leading-slash with spaces';
  broken.features.slash_commands[0]!.unknown_field = true;
  assert.equal(validate(broken), false);
});

test('manifest declares the commands, events, scopes and Socket Mode routeops needs', () => {
  // Every command the Slack adapter offers, and only those (a command missing here cannot be typed).
  assert.deepEqual(manifest.features.slash_commands.map((c) => c.command).sort(), commandsFor('slack').map((c) => `/${c.name}`).sort());
  // Group DMs arrive as message.mpim, and their threads are read with mpim:history.
  // The assistant view's threads arrive as assistant_thread_started, their messages as message.im.
  // App Home is published on app_home_opened (src/adapters/slack/home.ts): the tab must be on.
  assert.deepEqual(manifest.settings.event_subscriptions.bot_events.sort(), ['app_home_opened', 'app_mention', 'assistant_thread_started', 'message.channels', 'message.groups', 'message.im', 'message.mpim']);
  assert.equal(manifest.features.app_home.home_tab_enabled, true);
  for (const scope of ['commands', 'chat:write', 'files:write', 'app_mentions:read', 'assistant:write', 'channels:history', 'groups:history', 'im:history', 'mpim:history']) {
    assert.ok(manifest.oauth_config.scopes.bot.includes(scope), scope);
  }
  assert.equal(manifest.settings.socket_mode_enabled, true);
  assert.equal(manifest.settings.event_subscriptions.request_url, undefined, 'Socket Mode needs no request URL');
});

test('manifest declares the assistant view with what its surfaces use: assistant:write and assistant_thread_started, not the context event routeops does not handle', () => {
  const features = manifest.features as unknown as { assistant_view?: { assistant_description?: string } };
  assert.match(features.assistant_view?.assistant_description ?? '', /\S/, 'assistant_view needs its description');
  assert.ok(manifest.oauth_config.scopes.bot.includes('assistant:write'), 'setStatus, setSuggestedPrompts and setTitle need assistant:write');
  assert.ok(manifest.settings.event_subscriptions.bot_events.includes('assistant_thread_started'));
  assert.ok(!manifest.settings.event_subscriptions.bot_events.includes('assistant_thread_context_changed'), 'no listener: the answer does not use the viewed channel');
});

test("each slash command's usage hint names every option the command takes (e.g. /ask --ops)", () => {
  for (const command of commandsFor('slack')) {
    const entry = manifest.features.slash_commands.find((c) => c.command === `/${command.name}`)!;
    for (const option of usageOf(command, 'slack').match(/--[a-z][a-z-]*/g) ?? []) {
      assert.ok(entry.usage_hint?.includes(option), `/${command.name}'s usage_hint "${entry.usage_hint ?? ''}" lacks ${option}`);
    }
  }
  assert.match(manifest.features.slash_commands.find((c) => c.command === '/ask')!.usage_hint!, /--ops/);
});

test('`routeops manifest` prints manifest.yml as it is', async () => {
  const run = await routeops('manifest');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, manifestText);
});

test('`routeops manifest --http URL` is valid against Slack manifest schema and equals manifest.yml but for Socket Mode and the request URLs', async () => {
  const http = await httpManifest('https://routeops.example.com');
  const validate = validator();
  assert.equal(validate(http), true, JSON.stringify(validate.errors, null, 2));

  const events = 'https://routeops.example.com/slack/events';
  assert.deepEqual(
    http.features.slash_commands.map((c) => [c.command, c.url]),
    manifest.features.slash_commands.map((c) => [c.command, events]),
  );
  assert.equal(http.settings.event_subscriptions.request_url, events);
  assert.equal(http.settings.interactivity.request_url, events);
  assert.equal(http.settings.socket_mode_enabled, false);

  // Everything else is manifest.yml's: scopes, events, commands' hints, descriptions.
  const back = structuredClone(http);
  for (const c of back.features.slash_commands) delete c.url;
  delete back.settings.event_subscriptions.request_url;
  delete back.settings.interactivity.request_url;
  back.settings.socket_mode_enabled = true;
  assert.deepEqual(back, manifest);
});

test('`routeops manifest --http` takes a base URL with or without a path prefix or /slack/events, and --json prints the manifest as JSON', async () => {
  for (const [base, events] of [
    ['https://routeops.example.com/', 'https://routeops.example.com/slack/events'],
    ['https://example.com/routeops', 'https://example.com/routeops/slack/events'],
    ['https://example.com:8443/slack/events', 'https://example.com:8443/slack/events'],
  ] as const) {
    assert.equal((await httpManifest(base)).settings.event_subscriptions.request_url, events, base);
  }
  const json = await routeops('manifest', '--http', 'https://routeops.example.com', '--json');
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), await httpManifest('https://routeops.example.com'));
});

test('`routeops manifest --http` refuses what Slack cannot send requests to, with exit 2 and the usage', async () => {
  for (const [base, message] of [
    ['http://routeops.example.com', /Slack sends requests to https:\/\/ URLs only, got "http:\/\/routeops.example.com"/],
    ['routeops.example.com', /expected the public https URL routeops is reached at, e\.g\. https:\/\/routeops\.example\.com, got "routeops\.example\.com"/],
    ['https://routeops.example.com/?token=x', /without a query, fragment or credentials/],
  ] as const) {
    const run = await routeops('manifest', '--http', base);
    assert.equal(run.code, 2, base);
    assert.match(run.stderr, message);
    assert.match(run.stderr, /Usage: routeops manifest \[--http https:\/\/HOST\]/);
    assert.equal(run.stdout, '');
  }
});

test("the HTTP manifest's request URL path is where routeops in HTTP mode takes a signed slash command", async (t) => {
  const app = await startTestApp({ owner: t });
  const path = new URL((await httpManifest('https://routeops.example.com')).settings.event_subscriptions.request_url!).pathname;
  const res = await postSigned(`${app.url}${path}`, SIGNING_SECRET, slashCommandBody({ command: '/help', text: '', user_id: 'U0MANIFEST', channel_id: 'C0MANIFEST', response_url: `${app.slack.baseUrl}/respond/manifest` }));
  assert.equal(res.status, 200);
  const reply = await app.slack.waitFor('response_url', (c) => c.path === '/respond/manifest');
  assert.match(JSON.stringify(reply.body), /routeops commands/);
  // A path the manifest does not name is not Slack's.
  const elsewhere = await postSigned(`${app.url}/slack/other`, SIGNING_SECRET, slashCommandBody({ command: '/help', text: '', user_id: 'U0MANIFEST', channel_id: 'C0MANIFEST', response_url: `${app.slack.baseUrl}/respond/other` }));
  assert.equal(elsewhere.status, 404);
});
