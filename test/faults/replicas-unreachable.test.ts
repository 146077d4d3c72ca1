// A replica (or a CLI command) whose PostgreSQL server cannot be reached at start: exit 2 with
// one message naming ROUTEOPS_DATABASE_URL's server, its password replaced (docs/ARCHITECTURE.md
// §3.8, src/app/pg-services.ts), never a stack trace, and nothing left listening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { runBotToExit, runCli } from '../support/bot-process.js';
import { tempDir } from '../support/temp.js';

const PASSWORD = 'pw-Never-Printed-7731';

/** A port nothing listens on: one the OS just handed out, closed again. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

test('a replica whose database is unreachable at start exits 2 with a message naming the URL without its password; so does a CLI command', { timeout: 60_000 }, async (t) => {
  const port = await closedPort();
  const url = `postgres://routeops:${PASSWORD}@127.0.0.1:${port}/routeops`;
  const shown = `postgres://routeops:***@127.0.0.1:${port}/routeops`;
  const env = { ROUTEOPS_DATABASE_URL: url, ROUTEOPS_DB: tempDir('routeops-unreachable-', t).dbPath };

  const bot = await runBotToExit(env);
  assert.deepEqual([bot.code, bot.signal], [2, null], bot.stderr);
  assert.ok(bot.stderr.includes(`ROUTEOPS_DATABASE_URL: cannot reach the database at ${shown} (`), bot.stderr);
  assert.match(bot.stderr, /ECONNREFUSED/, 'says why');
  assert.ok(!bot.stderr.includes(PASSWORD), 'the password is never printed');
  assert.doesNotMatch(bot.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(bot.stderr, /routeops started/);

  const cli = await runCli(['spend', '--json'], env);
  assert.equal(cli.code, 2, cli.stderr);
  assert.equal(cli.stdout, '');
  assert.ok(cli.stderr.includes(`cannot reach the database at ${shown}`), cli.stderr);
  assert.ok(!cli.stderr.includes(PASSWORD));
});
