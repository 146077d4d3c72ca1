// How routeops runs without Slack: the decisions (src/app/run-mode.ts), and
// the real app with and without Slack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnv } from '../../src/config/load.js';
import { httpPlan, logPlan, serverStartLine, wantsShell } from '../../src/app/run-mode.js';
import { startTestApp } from '../support/app.js';

const env = (vars: Record<string, string> = {}) => parseEnv(vars);

test('the shell opens when stdin is a terminal; ROUTEOPS_SHELL=1 forces it on a pipe, 0 keeps it closed', () => {
  assert.equal(wantsShell(undefined, true), true);
  assert.equal(wantsShell(undefined, false), false);
  assert.equal(wantsShell('1', false), true);
  assert.equal(wantsShell('0', true), false);
  assert.throws(() => env({ ROUTEOPS_SHELL: 'yes' }), /ROUTEOPS_SHELL: expected 1 \(open the shell on any stdin\) or 0/);
});

test('without Slack HTTP binds 127.0.0.1 unless HOST says otherwise, and the shell runs it only for ingest', () => {
  const token = { ROUTEOPS_INGEST_TOKEN: 'a-token-of-16-chars' };
  assert.equal(httpPlan(env(), false, true), null, 'a shell with nothing that needs HTTP does not listen');
  assert.deepEqual(httpPlan(env(token), false, true), { host: '127.0.0.1', port: 3000, required: false });
  assert.deepEqual(httpPlan(env(), false, true, true), { host: '127.0.0.1', port: 3000, required: false }, 'the shell listens for the gateway when it is on');
  assert.deepEqual(httpPlan(env(), false, false), { host: '127.0.0.1', port: 3000, required: true }, 'a server serves /healthz');
  assert.deepEqual(httpPlan(env({ HOST: '0.0.0.0', PORT: '8080' }), false, false), { host: '0.0.0.0', port: 8080, required: true });
  assert.deepEqual(httpPlan(env(), true, false), { host: '0.0.0.0', port: 3000, required: true }, 'with Slack, as before');
  assert.deepEqual(httpPlan(env({ HOST: '127.0.0.1' }), true, false)?.host, '127.0.0.1');
});

test('in the shell logs go to routeops.log beside the database (or ROUTEOPS_LOG_FILE), never over the prompt', () => {
  assert.deepEqual(logPlan(env({ ROUTEOPS_DB: '/srv/ro/routeops.db' }), true), { file: '/srv/ro/routeops.log', level: 'info' });
  assert.deepEqual(logPlan(env({ ROUTEOPS_DB: '/srv/ro/routeops.db', ROUTEOPS_LOG_FILE: '/var/log/ro.log' }), true), { file: '/var/log/ro.log', level: 'info' });
  assert.deepEqual(logPlan(env({ ROUTEOPS_DB: ':memory:' }), true), { file: null, level: 'warn' }, 'no folder to log beside: warnings on stderr');
  assert.deepEqual(logPlan(env({ ROUTEOPS_DB: ':memory:', LOG_LEVEL: 'error' }), true), { file: null, level: 'error' });
  assert.deepEqual(logPlan(env(), false), { file: null, level: 'info' }, 'a server logs on stderr');
  assert.deepEqual(logPlan(env({ ROUTEOPS_LOG_FILE: '/var/log/ro.log' }), false), { file: '/var/log/ro.log', level: 'info' });
});

test('the app with Slack listens on 0.0.0.0; without Slack, as a server, on 127.0.0.1', async (t) => {
  const slack = await startTestApp({ owner: t });
  assert.deepEqual(slack.app.http, { kind: 'listening', host: '0.0.0.0', port: slack.app.port, ingest: true });
  const server = await startTestApp({ owner: t, withSlack: false });
  assert.deepEqual(server.app.http, { kind: 'listening', host: '127.0.0.1', port: server.app.port, ingest: true });
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
});

test('the start line lists POST /v1/usage only when ingest is on', () => {
  const logs = { file: null, level: 'info' };
  const on = serverStartLine('ROUTEOPS_SHELL=0', logs, { kind: 'listening', host: '127.0.0.1', port: 3000, ingest: true });
  assert.match(on, /HTTP on http:\/\/127\.0\.0\.1:3000 \(\/healthz, POST \/v1\/usage\)/);
  const off = serverStartLine('ROUTEOPS_SHELL=0', logs, { kind: 'listening', host: '127.0.0.1', port: 3000, ingest: false });
  assert.match(off, /HTTP on http:\/\/127\.0\.0\.1:3000 \(\/healthz; ingest off: set ROUTEOPS_INGEST_TOKEN for POST \/v1\/usage\)/);
  assert.doesNotMatch(off, /\/healthz, POST/);
  const gateway = serverStartLine('ROUTEOPS_SHELL=0', logs, { kind: 'listening', host: '127.0.0.1', port: 3000, ingest: false, gateway: true });
  assert.match(gateway, /; gateway on \/v1\/chat\/completions\)/);
});
