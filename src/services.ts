// The services every command and job receives (the ctx of ARCHITECTURE §2): passed in,
// never imported as singletons, so tests build them around a temp database and a fixed clock.
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Config } from './config/load.js';
import type { Catalog } from './catalog/catalog.js';
import type { Ledger } from './ledger/ledger.js';
import type { Zone } from './time/zone.js';

export type Clock = () => Date;

export interface Services {
  config: Config;
  db: Database;
  catalog: Catalog;
  ledger: Ledger;
  zone: Zone;
  clock: Clock;
  log: Logger;
}
