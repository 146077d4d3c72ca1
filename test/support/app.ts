// Starts the real routeops (real SQLite file, real Bolt over HTTP on 127.0.0.1) against the
// fake Slack Web API, with a fixed clock and its config written as a YAML file. With
// ROUTEOPS_TEST_STORE=postgres (scripts/test.js's second pass) the app runs over a fresh
// PostgreSQL database instead (ROUTEOPS_DATABASE_URL), dropped when it closes.
import pino from 'pino';
import { startRouteops, type RunningApp } from '../../src/app/main.js';
import { writeConfig, type ConfigObject } from './config.js';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';
import { tempDir, type CleanupOwner } from './temp.js';
import { DEFAULT_NOW } from './services.js';
import { tempPg } from './postgres.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const INGEST_TOKEN = 'ingest-token-0123456789abcdef';

export interface TestApp {
  app: RunningApp;
  slack: FakeSlack;
  dir: string;
  /** The app's SQLite file (ROUTEOPS_DB); with PostgreSQL, where its journal and logs go. */
  dbPath: string;
  /** The environment naming the app's store, for a CLI or process over the same data. */
  storeEnv: { ROUTEOPS_DB: string; ROUTEOPS_DATABASE_URL?: string };
  url: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** The config file's content as an object (default `{ timezone: 'UTC' }`). */
  config?: ConfigObject;
  now?: string;
  withSlack?: boolean;
  env?: Record<string, string>;
  /** With a test context, the app stops when that test ends. */
  owner?: CleanupOwner;
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const tmp = tempDir('routeops-app-');
  const configPath = writeConfig(tmp.file('routeops.yml'), opts.config ?? { timezone: 'UTC' });
  const slack = await startFakeSlack();
  const now = new Date(opts.now ?? DEFAULT_NOW);
  const env: NodeJS.ProcessEnv = {
    ROUTEOPS_CONFIG: configPath,
    ROUTEOPS_DB: tmp.dbPath,
    ROUTEOPS_INGEST_TOKEN: INGEST_TOKEN,
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...opts.env,
  };
  if (opts.withSlack !== false) {
    Object.assign(env, { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl });
  }
  const pg = process.env.ROUTEOPS_TEST_STORE === 'postgres' && !env.ROUTEOPS_DATABASE_URL ? await tempPg(undefined, { migrate: false }) : null;
  if (pg) env.ROUTEOPS_DATABASE_URL = pg.url;
  let app: RunningApp;
  try {
    app = await startRouteops({ env, clock: () => now, log: pino({ level: 'silent' }), shell: false });
  } catch (err) {
    await slack.close();
    await pg?.cleanup();
    tmp.cleanup();
    throw err;
  }
  let closed = false;
  const testApp: TestApp = {
    app,
    slack,
    dir: tmp.dir,
    dbPath: tmp.dbPath,
    storeEnv: { ROUTEOPS_DB: tmp.dbPath, ...(pg ? { ROUTEOPS_DATABASE_URL: pg.url } : {}) },
    url: `http://127.0.0.1:${app.port}`,
    async close() {
      if (closed) return;
      closed = true;
      await app.stop();
      await slack.close();
      await pg?.cleanup();
      tmp.cleanup();
    },
  };
  opts.owner?.after(() => testApp.close());
  return testApp;
}
