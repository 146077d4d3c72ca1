import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import pg from 'pg';
import { ConfigError } from '../../src/config/load.js';
import { createPostgresServices } from '../../src/app/pg-services.js';
import { testConfig } from '../support/config.js';
import { tempPg, testServerUrl } from '../support/postgres.js';
import { tempDir } from '../support/temp.js';

test('a database routeops may not create its tables in is bad configuration naming the URL (never its password) and the reason', async (t) => {
  const target = await tempPg(t, { migrate: false });
  const role = `limited_${target.name.slice(-8)}`;
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  t.after(async () => {
    await target.cleanup();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'Sekr1t-pw'`);
  const url = new URL(target.url);
  url.username = role;
  url.password = 'Sekr1t-pw';
  const tmp = tempDir('routeops-pgsvc-', t);
  const err = await createPostgresServices({ config: testConfig({}), dbPath: tmp.dbPath, log: pino({ level: 'silent' }), databaseUrl: url.toString() }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, String(err));
  const text = err.message;
  assert.match(text, new RegExp(`ROUTEOPS_DATABASE_URL: the database at postgres://${role}:\\*\\*\\*@127\\.0\\.0\\.1:\\d+/${target.name} could not be migrated \\(.*permission denied for schema public`));
  assert.doesNotMatch(text, /Sekr1t/);
});
