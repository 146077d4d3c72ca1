// compose.yaml held to the repository (there is no Docker engine in the test runs): both services
// run the image the Dockerfile builds, the simulator service runs `routeops sim` with arguments
// the CLI accepts, routeops' config points every provider at it with the paths the simulator
// serves, every key that config reads is set, and the database is on a named volume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { readCommandLine } from '../../src/app/cli.js';
import { loadConfig, parseEnv } from '../../src/config/load.js';
import { PROFILE_NAMES } from '../../tools/sim/server.js';
import { SIM_PROVIDER_FOR, type SimArgs } from '../../tools/sim/main.js';
import { startSim } from '../support/sim.js';
import { all, copyOf, envOf, readCompose, readDockerfile, ROOT, runCommand, runtimeStage, startFailingServer, type ComposeService } from '../support/dockerfile.js';

const compose = readCompose();
const { sim, routeops } = compose.services as { sim: ComposeService; routeops: ComposeService };
const image = runtimeStage(readDockerfile());

/** The container side of a `host:container` or `ip:host:container` port mapping. */
const containerPort = (mapping: string) => mapping.split(':').at(-1)!;

/** The simulator service's `routeops sim` arguments, as the CLI reads them. */
function simArgs(): SimArgs {
  const [node, script, ...argv] = sim.command!;
  assert.deepEqual([node, script], ['node', 'bin/routeops.js']);
  const line = readCommandLine(argv);
  assert.equal(line.command.name, 'sim');
  return line.command.parse(line.input, 'cli') as SimArgs;
}

test('both services run the one image, built once from the Dockerfile in the build context', () => {
  const context = typeof routeops.build === 'string' ? routeops.build : routeops.build?.context;
  assert.equal(context, '.');
  assert.ok(routeops.image, 'the built image is tagged, so the simulator service can name it');
  assert.equal(sim.build, undefined, 'the simulator service does not build the same image again');
  assert.equal(sim.image, routeops.image);
  assert.ok(existsSync(join(ROOT, 'Dockerfile')));
});

test('the simulator service runs `routeops sim` from the image, on every interface, on the port it publishes', () => {
  const copied = all(image, 'COPY')
    .map(copyOf)
    .flatMap((c) => (c.from ? [] : c.sources));
  assert.ok(copied.includes('bin'), 'bin/routeops.js is in the image');
  const args = simArgs();
  assert.equal(args.host, '0.0.0.0', 'reachable from the routeops container');
  assert.deepEqual(sim.ports!.map(containerPort), [String(args.port)]);
});

test("routeops' config points every provider at the sim service with the paths `routeops sim` serves, and compose sets every key it reads", async (t) => {
  const configPath = routeops.environment!.ROUTEOPS_CONFIG!;
  const mount = routeops.volumes!.map((v) => v.split(':')).find(([, target]) => target === configPath);
  assert.ok(mount, `ROUTEOPS_CONFIG=${configPath} is mounted from the repository`);
  const hostPath = join(ROOT, mount[0]!);
  assert.ok(existsSync(hostPath), mount[0]);

  const { port } = simArgs();
  const running = await startSim(t);
  const config = loadConfig(parseEnv({ ROUTEOPS_CONFIG: hostPath }));
  const inFile = Object.keys((parse(readFileSync(hostPath, 'utf8')) as { providers: Record<string, unknown> }).providers);
  assert.deepEqual(inFile.sort(), PROFILE_NAMES.map((p) => SIM_PROVIDER_FOR[p].provider).sort(), 'every provider routeops knows, on the simulator');
  for (const profile of PROFILE_NAMES) {
    const { provider, apiKeyEnv } = SIM_PROVIDER_FOR[profile];
    // What `routeops sim` prints for itself, with the service's name and port for its host.
    const expected = running.baseUrl(profile).replace(running.url, `http://sim:${port}`);
    assert.equal(config.providers[provider]?.base_url, expected, provider);
    assert.equal(config.providers[provider]?.api_key_env, apiKeyEnv, provider);
    assert.ok(routeops.environment![apiKeyEnv], `${apiKeyEnv} set in compose.yaml`);
  }
});

test("the database is on a named volume at the image's data folder, and the published port is the image's", () => {
  const env = envOf(image);
  const dataDir = posix.dirname(env.ROUTEOPS_DB!);
  assert.equal(routeops.environment!.ROUTEOPS_DB, undefined, "the image's ROUTEOPS_DB");
  const volume = routeops.volumes!.map((v) => v.split(':')).find(([, target]) => target === dataDir);
  assert.ok(volume, `${dataDir} is a volume`);
  assert.ok(compose.volumes && volume[0]! in compose.volumes, `${volume[0]} is a named volume (kept across up and down)`);
  assert.deepEqual(routeops.ports!.map(containerPort), [env.PORT]);
});

test("compose's environment is one routeops accepts with nothing set on the host, and passes Slack through when it is set", () => {
  const bare = parseEnv(routeops.environment!);
  assert.equal(bare.SLACK_BOT_TOKEN, undefined, 'no Slack: the empty values count as unset');
  assert.equal(bare.ROUTEOPS_INGEST_TOKEN, undefined);
  const withSlack = readCompose({ SLACK_BOT_TOKEN: 'xoxb-from-host', SLACK_APP_TOKEN: 'xapp-from-host', LOG_LEVEL: 'debug' }).services.routeops!.environment!;
  const env = parseEnv(withSlack);
  assert.equal(env.SLACK_BOT_TOKEN, 'xoxb-from-host');
  assert.equal(env.SLACK_APP_TOKEN, 'xapp-from-host');
  assert.equal(env.LOG_LEVEL, 'debug');
});

test("routeops waits for a healthy simulator; the simulator's health check passes against a running one and fails on an error", async (t) => {
  assert.equal(routeops.depends_on?.sim?.condition, 'service_healthy');
  const [kind, node, ...rest] = sim.healthcheck!.test;
  assert.deepEqual([kind, node], ['CMD', 'node']);
  const url = new URL(rest.at(-1)!);
  const { port } = simArgs();
  assert.equal(url.origin, `http://127.0.0.1:${port}`, 'the port the simulator listens on, inside its container');

  const running = await startSim(t);
  // The check as Docker runs it, with the simulator's address in this test for the container's.
  const check = (origin: string) => runCommand(process.execPath, [...rest.slice(0, -1), `${origin}${url.pathname}`]);
  assert.ok(url.pathname.startsWith(new URL(running.baseUrl('deepseek')).pathname), `${url.pathname} is under a simulator base URL`);
  const up = await check(running.url);
  assert.equal(up.code, 0, up.stderr);
  const failing = await startFailingServer(t);
  assert.equal((await check(failing)).code, 1, 'an error status: unhealthy');
});
