// `npm start` and `routeops sim` as process managers and containers run them: SIGTERM to the
// process they started stops routeops gracefully, and nothing is left running.
// Runs after the suite's build: `npm start` then skips its own (scripts/build-if-stale.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { childEnv, REPO_ROOT } from '../support/bot-process.js';
import { childPids, healthAnswers, isRunning, spawnChild, stopsRunning } from '../support/child.js';
import { writeConfig } from '../support/config.js';
import { tempDir } from '../support/temp.js';

const { staleReason } = (await import(pathToFileURL(`${REPO_ROOT}scripts/build-if-stale.js`).href)) as { staleReason(dir?: string): string | null };

const LIMIT = { timeout: 60_000 };

test('SIGTERM to `npm start` stops routeops gracefully, without a build when nothing changed, and leaves no process behind', LIMIT, async (t) => {
  // A build here would rewrite dist/ under the running suite: this test needs the suite's build.
  assert.equal(staleReason(), null, 'dist/ is older than the sources: build first (npm run build)');
  const tmp = tempDir('routeops-npm-start-', t);
  const env = childEnv({ PORT: '0', ROUTEOPS_DB: tmp.dbPath, ROUTEOPS_CONFIG: writeConfig(tmp.file('routeops.yml'), { timezone: 'UTC' }), npm_config_update_notifier: 'false' });
  const npm = spawnChild('npm', ['start'], { cwd: REPO_ROOT, env });
  t.after(() => npm.proc.kill('SIGKILL'));

  const started = JSON.parse((await npm.waitFor('stderr', /^\{.*"routeops started".*\}$/m))[0]) as { pid: number; port: number; host: string };
  t.after(() => isRunning(started.pid) && process.kill(started.pid, 'SIGKILL'));
  assert.doesNotMatch(npm.stderr, /routeops: building/, 'nothing changed since the build, so npm start did not build');
  // Without Slack and with stdin not a terminal it is a server on 127.0.0.1, and says so.
  assert.equal(started.host, '127.0.0.1');
  assert.match(npm.stdout, /no shell, as stdin is not a terminal .*running as a server until SIGTERM or SIGINT/);
  assert.equal(await healthAnswers(started.port), true);
  assert.notEqual(started.pid, npm.proc.pid, 'routeops runs in a process of its own, under npm');

  npm.proc.kill('SIGTERM');
  // npm waits for its child, so once npm has exited routeops must be gone (else it is an orphan under pid 1).
  assert.deepEqual(await npm.ended, { code: 0, signal: null }, npm.stderr);
  assert.equal(isRunning(started.pid), false, 'no routeops process is left behind');
  await npm.exited;
  assert.match(npm.stderr, /"routeops stopped"/, 'stopped gracefully: in-flight work finished, the database closed');
  assert.equal(await healthAnswers(started.port), false);
});

test('SIGTERM to `routeops sim` stops the simulator', LIMIT, async (t) => {
  const sim = spawnChild(process.execPath, [`${REPO_ROOT}bin/routeops.js`, 'sim', '--port', '0'], { env: childEnv({}) });
  t.after(() => sim.proc.kill('SIGKILL'));
  const url = (await sim.waitFor('stdout', /listening on (http:\S+)/))[1]!;
  assert.ok((await fetch(url)).status, 'the simulator answers');
  sim.proc.kill('SIGTERM');
  assert.deepEqual(await sim.exited, { code: 0, signal: null }, sim.stderr);
  await assert.rejects(fetch(`${url}/v1/models`));
});

test('`npx routeops sim` stopped through the shell npx runs it in (which does not pass SIGTERM on) stops too', LIMIT, async (t) => {
  // npx runs `sh -c 'routeops' sim …` and sends SIGTERM to that shell only (@npmcli/run-script);
  // dash dies of it and leaves its child behind. This is that shell, with the variable npx sets.
  const sh = spawnChild('/bin/sh', ['-c', `'${process.execPath}' '${REPO_ROOT}bin/routeops.js' sim --port 0`], { env: childEnv({ npm_lifecycle_event: 'npx' }) });
  t.after(() => sh.proc.kill('SIGKILL'));
  const url = (await sh.waitFor('stdout', /listening on (http:\S+)/))[1]!;
  const [routeops] = childPids(sh.proc.pid!);
  assert.ok(routeops, 'routeops runs under the shell');
  t.after(() => isRunning(routeops) && process.kill(routeops, 'SIGKILL'));

  sh.proc.kill('SIGTERM');
  // `exited` waits for the output pipes to close too, and routeops holds them: it resolves once
  // routeops, its parent gone, has stopped on its own (without that, the test times out).
  assert.equal((await sh.exited).signal, 'SIGTERM', 'the shell died of the signal, as under npx');
  assert.equal(isRunning(routeops), false);
  await assert.rejects(fetch(`${url}/v1/models`));
});

test('SIGKILL to `npx routeops sim` (npx gone, the shell it ran routeops through still alive) stops routeops too', LIMIT, async (t) => {
  // npx: a process titled `npm exec …` (as npm titles itself) that runs `sh -c 'routeops' sim …`
  // with npm_lifecycle_event=npx; SIGKILL leaves it no chance to pass anything on.
  const routeopsCmd = `'${process.execPath}' '${REPO_ROOT}bin/routeops.js' sim --port 0`;
  const fakeNpx = [
    `process.title = 'npm exec routeops sim';`,
    `require('node:child_process').spawn('/bin/sh', ['-c', ${JSON.stringify(routeopsCmd)}], { stdio: 'inherit', env: { ...process.env, npm_lifecycle_event: 'npx' } });`,
    '// padding: process.title can only be as long as the command line it replaces',
  ].join('\n');
  const npx = spawnChild(process.execPath, ['-e', fakeNpx], { env: childEnv({}) });
  t.after(() => npx.proc.kill('SIGKILL'));
  const url = (await npx.waitFor('stdout', /listening on (http:\S+)/))[1]!;
  const [sh] = childPids(npx.proc.pid!);
  assert.ok(sh, 'the shell runs under npx');
  const [routeops] = childPids(sh);
  assert.ok(routeops, 'routeops runs under the shell');
  t.after(() => isRunning(routeops) && process.kill(routeops, 'SIGKILL'));
  t.after(() => isRunning(sh) && process.kill(sh, 'SIGKILL'));

  npx.proc.kill('SIGKILL');
  // The shell and routeops hold npx's output open: `exited` resolves once both are gone, which
  // they are only when routeops stops on its own (without that, the test times out).
  assert.equal((await npx.exited).signal, 'SIGKILL');
  assert.equal(isRunning(routeops), false);
  assert.equal(await stopsRunning(sh), true, 'the shell ended when routeops did');
  await assert.rejects(fetch(`${url}/v1/models`));
});
