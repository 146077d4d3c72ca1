import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { commandsFor } from '../commands/registry.js';

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

const manifest = parse(readFileSync(`${root}manifest.yml`, 'utf8')) as {
  features: { slash_commands: Array<{ command: string }> };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; socket_mode_enabled: boolean };
};

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
  assert.deepEqual(manifest.settings.event_subscriptions.bot_events.sort(), ['app_mention', 'message.channels', 'message.groups', 'message.im']);
  for (const scope of ['commands', 'chat:write', 'files:write', 'app_mentions:read', 'im:history']) assert.ok(manifest.oauth_config.scopes.bot.includes(scope), scope);
  assert.equal(manifest.settings.socket_mode_enabled, true);
});
