// routeops manifest [--http URL]: the Slack app manifest to paste at api.slack.com/apps, for
// Socket Mode (manifest.yml as it is) or HTTP mode (derived from it: src/features/slack-manifest.ts).
// Needs no config and no database.
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { truncateForMessage } from '../src/domain/text.js';
import { eventsUrlFor, httpModeManifest, readManifestFile, socketModeManifest, type Manifest } from '../src/features/slack-manifest.js';
import { CLI_ONLY, defineCommand } from './types.js';

export const manifestCommand = defineCommand<{ eventsUrl?: string }>({
  name: 'manifest',
  summary: 'Print the Slack app manifest: Socket Mode, or HTTP mode with the public URL routeops is reached at',
  usage: 'manifest [--http https://HOST] [--json]',
  adapters: CLI_ONLY,
  options: { http: { type: 'string' } },
  parse: ({ options, positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected "${truncateForMessage(positionals[0]!)}"`);
    if (options.http === undefined) return {};
    const events = eventsUrlFor(options.http as string);
    if (!events.ok) throw new UsageError(events.error);
    return { eventsUrl: events.url };
  },
  async run({ eventsUrl }): Promise<Reply> {
    let manifest: Manifest;
    try {
      const text = readManifestFile();
      manifest = eventsUrl ? httpModeManifest(text, eventsUrl) : socketModeManifest(text);
    } catch (err) {
      return { kind: 'error', title: '', summary: `cannot read manifest.yml: ${(err as Error).message.split('\n')[0]}` };
    }
    return {
      kind: 'result',
      title: '',
      // The file is the output: printed as it is.
      file: { filename: eventsUrl ? 'manifest.http.yml' : 'manifest.yml', title: 'Slack app manifest', mimeType: 'application/yaml', content: manifest.text },
      data: manifest.manifest,
    };
  },
});
