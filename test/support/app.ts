// Starts the real routeops (real SQLite file, real Bolt over HTTP on 127.0.0.1) against the
// fake Slack Web API, with a fixed clock.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startRouteops, type RunningApp } from '../../src/app/main.js';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const INGEST_TOKEN = 'ingest-token-0123456789abcdef';

export interface TestApp {
  app: RunningApp;
  slack: FakeSlack;
  dir: string;
  url: string;
  close(): Promise<void>;
}

export async function startTestApp(opts: { config?: string; now?: string; withSlack?: boolean; env?: Record<string, string> } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'routeops-test-'));
  const configPath = join(dir, 'routeops.yml');
  writeFileSync(configPath, opts.config ?? 'timezone: UTC\n');
  const slack = await startFakeSlack();
  const now = new Date(opts.now ?? '2026-11-23T12:00:00Z');
  const env: NodeJS.ProcessEnv = {
    ROUTEOPS_CONFIG: configPath,
    ROUTEOPS_DB: join(dir, 'routeops.db'),
    ROUTEOPS_INGEST_TOKEN: INGEST_TOKEN,
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...opts.env,
  };
  if (opts.withSlack !== false) {
    Object.assign(env, { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl });
  }
  const app = await startRouteops({ env, clock: () => now, log: pino({ level: 'silent' }), shell: false });
  return {
    app,
    slack,
    dir,
    url: `http://127.0.0.1:${app.port}`,
    async close() {
      await app.stop();
      await slack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
