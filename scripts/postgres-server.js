// A throwaway PostgreSQL server for the tests (and for trying replicas locally): a fresh cluster
// in a temp folder, listening on 127.0.0.1 at a free port with a random password (scram), durability off
// (a test database is dropped anyway). Uses the server programs of Debian's postgresql package
// (/usr/lib/postgresql/<version>/bin) or those on PATH. Run as root, the cluster belongs to the
// `postgres` user the package creates (the server refuses to run as root).
//
//   node scripts/postgres-server.js            starts one, prints its URL, stops it on SIGTERM/SIGINT
//   import { startPostgres } from './postgres-server.js'   (scripts/test.js; the replica fault
//   tests stop and start their own server under load: pause() and resume())
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setInterval } from 'node:timers';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const INSTALL_HINT = 'install PostgreSQL\'s server from Debian\'s packages (apt-get install -y postgresql) or set ROUTEOPS_TEST_DATABASE_URL to a server the tests may create databases on';

/** The folder holding initdb, pg_ctl and postgres, or null. */
export function findServerBin() {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(debian, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const found = which.status === 0 ? which.stdout.trim() : '';
  return found ? found.replace(/\/initdb$/, '') : null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Installs Debian's postgresql package when it can without asking (root, or sudo without a
 * password), so `npm test` works on a fresh Debian or Ubuntu machine; true when it did.
 */
export function installServer(log = (line) => process.stderr.write(`${line}\n`)) {
  if (spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) return false;
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) return false;
  const sudo = asRoot ? [] : ['sudo', '-n'];
  log('PostgreSQL\'s server is not installed: installing it from Debian\'s packages for the tests (apt-get install postgresql)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const sh = (args) => spawnSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  return sh([...sudo, 'apt-get', 'update', '-qq']) && sh([...sudo, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'postgresql']) && findServerBin() !== null;
}

/** Starts a server; resolves to { url, dataDir, logFile, stop(), pause(), resume() }. Throws with INSTALL_HINT when there is none to start. */
export async function startPostgres() {
  const bin = findServerBin() ?? (installServer() ? findServerBin() : null);
  if (!bin) throw new Error(`no PostgreSQL server programs found: ${INSTALL_HINT}`);
  const asRoot = process.getuid?.() === 0;
  if (asRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    throw new Error(`running as root, the server must run as the user postgres, and there is none: ${INSTALL_HINT} (the package creates that user), or run the tests as another user`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'routeops-pg-'));
  const data = join(dir, 'data');
  // As root the cluster's files and the server belong to `postgres`; runuser keeps our env.
  const run = (cmd, args, opts = {}) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], opts) : execFileSync(join(bin, cmd), args, opts);
  // A password on TCP (scram), never trust: another user of this machine cannot connect as the
  // superuser (and run programs as its owner); the socket in our own folder stays trusted.
  const password = randomBytes(18).toString('hex');
  let started = false;
  let port;
  let startArgs;
  try {
    writeFileSync(join(dir, 'pw'), `${password}\n`, { mode: 0o600 });
    if (asRoot) execFileSync('chown', ['-R', 'postgres', dir]);
    run('initdb', ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${join(dir, 'pw')}`, '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'], { stdio: 'pipe' });
    rmSync(join(dir, 'pw'), { force: true });
    port = await freePort();
    const options = [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      `-k ${dir}`,
      '-c unix_socket_permissions=0700',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=300',
      '-c shared_buffers=64MB',
    ].join(' ');
    startArgs = ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start'];
    run('pg_ctl', startArgs, { stdio: 'pipe' });
    started = true;
  } catch (err) {
    // Nothing left behind: a half-made cluster, or a server that started before a failure.
    if (started) spawnSync(asRoot ? 'runuser' : join(bin, 'pg_ctl'), asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'] : ['-D', data, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // Off the event loop: a test's simulator and replicas' clients live in the same process.
  const runAsync = (cmd, args) => (asRoot ? promisify(execFile)('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : promisify(execFile)(join(bin, cmd), args));
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], { stdio: 'pipe' });
    } catch (err) {
      // Already down (a test paused it and failed before resuming it): nothing to stop.
      if (spawnSync(asRoot ? 'runuser' : join(bin, 'pg_ctl'), asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, 'status'] : ['-D', data, 'status']).status !== 3) throw err;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return {
    url,
    dataDir: data,
    logFile: join(dir, 'server.log'),
    stop,
    /** Stops the server as an administrator's restart does (pg_ctl -m fast: sessions ended, nothing lost); resolves once it is down. */
    pause: async () => {
      await runAsync('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    /** Starts it again on the same port and data; resolves once it takes connections. */
    resume: async () => {
      await runAsync('pg_ctl', startArgs);
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const server = await startPostgres();
    console.log(server.url);
    const quit = () => {
      server.stop();
      process.exit(0);
    };
    process.on('SIGTERM', quit);
    process.on('SIGINT', quit);
    setInterval(() => {}, 1 << 30);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
