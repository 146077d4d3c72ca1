// Starting with bad environment values, and stopping while start-up still waits for Slack: the
// process `npm start` / `routeops start` / a container runs (dist/src/app/main.js), as a child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { childEnv, REPO_ROOT } from '../support/bot-process.js';
import { spawnChild } from '../support/child.js';
import { tempDir } from '../support/temp.js';

const MAIN = `${REPO_ROOT}dist/src/app/main.js`;
const LIMIT = { timeout: 60_000 };

async function startWith(env: Record<string, string>) {
  const child = spawnChild(process.execPath, [MAIN], { env: childEnv({ PORT: '0', ...env }) });
  child.proc.stdin!.end();
  return { ...(await child.exited), stderr: child.stderr };
}

const BAD_ENVIRONMENT: Array<[string, (dir: string) => Record<string, string>, RegExp]> = [
  ['a log file that is a folder', (dir) => ({ ROUTEOPS_LOG_FILE: dir }), /ROUTEOPS_LOG_FILE: cannot open it \(EISDIR/],
  ['a database under a file', () => ({ ROUTEOPS_DB: '/proc/version/x.db' }), /ROUTEOPS_DB: cannot open it \(E[A-Z]+: /],
  ['a host that is no IP address or host name', () => ({ HOST: '999.1.1.1' }), /HOST: expected an IP address .* or a host name/],
  ['a port that is no number', () => ({ PORT: 'abc' }), /PORT: expected an integer from 0 to 65535/],
  ['a port out of range', () => ({ PORT: '70000' }), /PORT: expected an integer from 0 to 65535/],
];

for (const [what, env, message] of BAD_ENVIRONMENT) {
  test(`${what} is bad config: exit 2 with one line naming the variable, no stack`, LIMIT, async (t) => {
    const tmp = tempDir('routeops-badenv-', t);
    const exit = await startWith({ ROUTEOPS_DB: tmp.dbPath, ...env(tmp.file('')) });
    assert.equal(exit.code, 2, exit.stderr);
    assert.match(exit.stderr, /^environment: invalid configuration\n/);
    assert.match(exit.stderr, message);
    assert.doesNotMatch(exit.stderr, /^\s+at /m, 'no stack trace');
  });
}

test('SIGTERM while start-up retries an unreachable Slack stops it at once (143), the database closed', LIMIT, async (t) => {
  const tmp = tempDir('routeops-stop-starting-', t);
  mkdirSync(tmp.file('db'));
  const dbPath = tmp.file('db/routeops.db');
  const env = childEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_API_URL: 'http://127.0.0.1:9/api/', HOST: '127.0.0.1', PORT: '0', ROUTEOPS_DB: dbPath });
  const bot = spawnChild(process.execPath, [MAIN], { env });
  t.after(() => bot.proc.kill('SIGKILL'));
  bot.proc.stdin!.end();
  // Slack's client logs each failed try; start-up goes on retrying for ~15 s after this one.
  await bot.waitFor('stderr', /http request failed/);
  bot.proc.kill('SIGTERM');
  assert.deepEqual(await bot.exited, { code: 143, signal: null }, bot.stderr);
  assert.match(bot.stderr, /routeops: stopped while starting \(SIGTERM\)/);
  assert.doesNotMatch(bot.stderr, /routeops started/);
  assert.equal(existsSync(`${dbPath}-wal`), false, 'the database was closed (its WAL checkpointed and removed)');
});
