// The Slack app manifest (manifest.yml, docs/ARCHITECTURE.md §3.6) and its HTTP-mode variant,
// derived from it on demand (`routeops manifest --http URL`) so the two cannot drift apart: the
// same app with Socket Mode off and one request URL for every slash command, the events and
// interactivity.
import { readFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument } from 'yaml';
import { truncateForMessage } from '../domain/text.js';

/** manifest.yml at the package root (this module runs from dist/src/features/). */
export const MANIFEST_PATH = new URL('../../../manifest.yml', import.meta.url);

/** Where the HTTP server hands slash commands, events and interactivity to Bolt (src/adapters/http/server.ts). */
export const SLACK_EVENTS_PATH = '/slack/events';

export type EventsUrl = { ok: true; url: string } | { ok: false; error: string };

/**
 * The request URL for a public base URL: `https://host[/prefix]` gets `/slack/events` appended
 * (kept when already there). Slack sends requests to https URLs only; a query, a fragment or
 * credentials have no place in it.
 */
export function eventsUrlFor(base: string): EventsUrl {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return { ok: false, error: `--http: expected the public https URL routeops is reached at, e.g. https://routeops.example.com, got "${truncateForMessage(base)}"` };
  }
  if (url.protocol !== 'https:') return { ok: false, error: `--http: Slack sends requests to https:// URLs only, got "${truncateForMessage(base)}"` };
  if (url.search || url.hash || url.username || url.password) return { ok: false, error: '--http: give the URL without a query, fragment or credentials' };
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith(SLACK_EVENTS_PATH) ? path : `${path}${SLACK_EVENTS_PATH}`;
  return { ok: true, url: url.href };
}

export interface Manifest {
  /** The YAML text to paste into Slack. */
  text: string;
  /** The same manifest as an object (Slack also takes it as JSON). */
  manifest: Record<string, unknown>;
}

/** manifest.yml as it is: Socket Mode. */
export function socketModeManifest(text: string): Manifest {
  return { text, manifest: parseDocument(text).toJS() as Record<string, unknown> };
}

/** manifest.yml in HTTP mode: Socket Mode off, `eventsUrl` for every request URL; comments kept except the file's header. */
export function httpModeManifest(text: string, eventsUrl: string): Manifest {
  const doc = parseDocument(text.replace(/^(?:#[^\n]*\n)+/, ''));
  const commands = doc.getIn(['features', 'slash_commands']);
  if (!isSeq(commands)) throw new Error('manifest.yml has no features.slash_commands list');
  for (const command of commands.items) {
    if (!isMap(command)) throw new Error('manifest.yml: a slash command is not a mapping');
    // Right after `command:`, where a reader looks for it.
    command.delete('url');
    command.items.splice(1, 0, doc.createPair('url', eventsUrl));
  }
  doc.setIn(['settings', 'event_subscriptions', 'request_url'], eventsUrl);
  doc.setIn(['settings', 'interactivity', 'request_url'], eventsUrl);
  doc.setIn(['settings', 'socket_mode_enabled'], false);
  const header = [
    '# Slack app manifest for routeops in HTTP mode, printed by `routeops manifest --http …` from',
    `# manifest.yml: Socket Mode off, every request URL ${eventsUrl}.`,
    '# Paste it at api.slack.com/apps -> "From a manifest", install the app, and start routeops',
    '# with SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (README "Running it in Slack").',
  ];
  return { text: `${header.join('\n')}\n${doc.toString({ lineWidth: 0 })}`, manifest: doc.toJS() as Record<string, unknown> };
}

/** Reads manifest.yml. */
export function readManifestFile(path: URL | string = MANIFEST_PATH): string {
  return readFileSync(path, 'utf8');
}
