// The services fixture: real services (src/app/services.ts) over a SQLite file in a fresh temp
// folder, built from a config object through the real schema, with a clock the test can move.
import pino from 'pino';
import { createServices, type Clock, type Services } from '../../src/app/services.js';
import { testConfig, type ConfigObject } from './config.js';
import { tempDir, type CleanupOwner, type TempDir } from './temp.js';

export interface ServicesOptions {
  /** The fixed time the services read (default 2026-11-23T12:00:00Z); move it with `clock.now`. */
  now?: string | Date;
  /** A clock to use instead of the settable one (e.g. `() => new Date()` for real time). */
  clock?: Clock;
  /** The environment provider API keys are read from (e.g. SIM_KEYS). */
  secrets?: NodeJS.ProcessEnv;
  /** With a test context, the services close and the folder goes when that test ends. */
  owner?: CleanupOwner;
}

export interface ServicesFixture {
  services: Services;
  /** The settable time the services read (unless `clock` was given). */
  clock: { now: Date };
  dbPath: string;
  tmp: TempDir;
  /** Closes the services and opens new ones on the same file (a restart). */
  restart(): Services;
  /** Closes the services and removes the folder; safe to call twice. */
  cleanup(): void;
}

export const DEFAULT_NOW = '2026-11-23T12:00:00Z';

/** e.g. `makeServices({ budgets: { daily: 10 }, models: { chat: { routes: [...] } } }, { now })`. */
export function makeServices(config: ConfigObject = {}, opts: ServicesOptions = {}): ServicesFixture {
  const tmp = tempDir('routeops-services-');
  const resolved = testConfig(config);
  const clock = { now: new Date(opts.now ?? DEFAULT_NOW) };
  const make = () =>
    createServices({ config: resolved, dbPath: tmp.dbPath, log: pino({ level: 'silent' }), clock: opts.clock ?? (() => clock.now), secrets: opts.secrets ?? {} });
  let services: Services;
  try {
    services = make();
  } catch (err) {
    tmp.cleanup();
    throw err;
  }
  const fixture: ServicesFixture = {
    services,
    clock,
    dbPath: tmp.dbPath,
    tmp,
    restart() {
      void fixture.services.close(); // SQLite closes before it returns
      fixture.services = make();
      return fixture.services;
    },
    cleanup() {
      void fixture.services.close(); // SQLite closes before it returns
      tmp.cleanup();
    },
  };
  opts.owner?.after(() => fixture.cleanup());
  return fixture;
}
