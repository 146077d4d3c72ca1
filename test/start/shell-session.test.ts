// The shell as a newcomer meets it: in a real terminal (a pseudo-terminal
// from util-linux `script`) its prompt stays free of JSON log lines, which go to a file the start
// line names; on a pipe it opens only when forced, and a busy port is a warning, not a dead shell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { childEnv, REPO_ROOT } from '../support/bot-process.js';
import { spawnChild } from '../support/child.js';
import { writeConfig } from '../support/config.js';
import { startSim } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';
import { tempDir } from '../support/temp.js';

const MAIN = `${REPO_ROOT}dist/src/app/main.js`;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const LIMIT = { timeout: 60_000 };

test('in a terminal the shell answers /ask while every log line goes to the file the start line names', LIMIT, async (t) => {
  const sim = await startSim(t);
  const tmp = tempDir('routeops-pty-', t);
  const env = childEnv({ ...SIM_KEYS, ROUTEOPS_DB: tmp.dbPath, ROUTEOPS_CONFIG: writeConfig(tmp.file('routeops.yml'), simConfig(sim)), PORT: '0' });
  // script gives routeops a pseudo-terminal as stdin, stdout and stderr, as a terminal window would.
  const term = spawnChild('script', ['-qfec', `${quote(process.execPath)} ${quote(MAIN)}`, '/dev/null'], { env });
  t.after(() => term.proc.kill('SIGKILL'));

  await term.waitFor('stdout', /routeops> /);
  assert.ok(term.stdout.includes(`logs go to ${tmp.file('routeops.log')}`), term.stdout);
  term.proc.stdin!.write('/ask hello from the terminal\n');
  await term.waitFor('stdout', /Simulated \w+ answer to: hello from the terminal/);
  term.proc.stdin!.end('exit\n');
  assert.equal((await term.exited).code, 0, term.stdout);

  // The terminal shows stdout and stderr both: neither carried a log line.
  assert.doesNotMatch(term.stdout, /\{"level":\d+/);
  const logged = readFileSync(tmp.file('routeops.log'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
  assert.ok(logged.includes('routeops started') && logged.includes('routeops stopped'), logged.join('\n'));
});

test('ROUTEOPS_SHELL=1 opens the shell on a pipe; a busy port is a one-line warning and the shell still answers', LIMIT, async (t) => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const port = (busy.address() as AddressInfo).port;
  const tmp = tempDir('routeops-pipe-', t);
  const env = childEnv({ ROUTEOPS_SHELL: '1', ROUTEOPS_DB: tmp.dbPath, ROUTEOPS_INGEST_TOKEN: 'ingest-token-0123456789', PORT: String(port) });
  const shell = spawnChild(process.execPath, [MAIN], { env });
  t.after(() => shell.proc.kill('SIGKILL'));

  await shell.waitFor('stdout', /routeops> /);
  const warnings = shell.stdout.split('\n').filter((l) => l.includes(`127.0.0.1:${port}`));
  assert.deepEqual(warnings, [`HTTP off: 127.0.0.1:${port} is not free (EADDRINUSE); set PORT to another port.`]);
  shell.proc.stdin!.end('/spend today\n');
  // The end of a forced shell's input ends routeops (a server would keep running).
  assert.equal((await shell.exited).code, 0, shell.stderr);
  assert.match(shell.stdout, /Spend today/);
});

test('on a pipe without ROUTEOPS_SHELL routeops is a server: no prompt, /healthz on 127.0.0.1, until SIGTERM', LIMIT, async (t) => {
  const tmp = tempDir('routeops-server-', t);
  const server = spawnChild(process.execPath, [MAIN], { env: childEnv({ ROUTEOPS_DB: tmp.dbPath, PORT: '0' }) });
  t.after(() => server.proc.kill('SIGKILL'));
  const port = (await server.waitFor('stdout', /running as a server until SIGTERM or SIGINT; Slack is off; HTTP on http:\/\/127\.0\.0\.1:(\d+)/))[1]!;
  // Input that a shell would run (and "exit" would end it) is not read.
  server.proc.stdin!.end('exit\n');
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  server.proc.kill('SIGTERM');
  assert.deepEqual(await server.exited, { code: 0, signal: null }, server.stderr);
  assert.doesNotMatch(server.stdout, /routeops>/);
});

async function shellWaitingForAnAnswer(t: import('node:test').TestContext, fault: Record<string, unknown>) {
  const sim = await startSim(t);
  sim.setFaults('deepseek', fault);
  const tmp = tempDir('routeops-ctrl-c-', t);
  const config = simConfig(sim, { ask: { first_token_timeout_ms: 60_000, progress_interval_ms: 200 } });
  const env = childEnv({ ...SIM_KEYS, ROUTEOPS_DB: tmp.dbPath, ROUTEOPS_CONFIG: writeConfig(tmp.file('routeops.yml'), config), PORT: '0' });
  const term = spawnChild('script', ['-qfec', `${quote(process.execPath)} ${quote(MAIN)}`, '/dev/null'], { env });
  t.after(() => term.proc.kill('SIGKILL'));
  await term.waitFor('stdout', /routeops> /);
  term.proc.stdin!.write('/ask are you there?\r');
  await term.waitFor('stdout', /waiting for deepseek/);
  term.proc.stdin!.write('\x03'); // Ctrl-C, as the terminal reads it
  await term.waitFor('stdout', /stopping after the answer in flight… \(Ctrl-C again to quit now\)/);
  return term;
}

test('Ctrl-C while the shell waits for an answer says it stops after that answer, then does', LIMIT, async (t) => {
  const term = await shellWaitingForAnAnswer(t, { slowFirstTokenMs: 4000 });
  assert.equal((await term.exited).code, 0, term.stdout);
  assert.match(term.stdout, /Simulated \w+ answer to: are you there\?/, 'the answer in flight was shown');
});

test('a second Ctrl-C while the shell waits for an answer quits at once (130), without it', LIMIT, async (t) => {
  const term = await shellWaitingForAnAnswer(t, { hang: true });
  term.proc.stdin!.write('\x03');
  assert.equal((await term.exited).code, 130, term.stdout);
  assert.doesNotMatch(term.stdout, /Simulated \w+ answer/);
});
