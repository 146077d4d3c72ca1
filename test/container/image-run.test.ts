// The image's runtime stage, run without Docker (there is no engine in the test runs): the files
// its COPY instructions put in the image, laid out in a folder as they would be under WORKDIR,
// started with its CMD and the environment the Dockerfile and compose.yaml give it. It must
// start, pass its own HEALTHCHECK, serve the CLI the README has people run in the container, and
// stop with exit 0 on SIGTERM (what `docker stop` sends PID 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { startBot } from '../support/bot-process.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { tempDir } from '../support/temp.js';
import {
  all,
  copyOf,
  envOf,
  execForm,
  healthcheckOf,
  readCompose,
  readDockerfile,
  ROOT,
  runCommand,
  runtimeStage,
  stageNamed,
  startFailingServer,
  workdirOf,
} from '../support/dockerfile.js';

const dockerfile = readDockerfile();
const runtime = runtimeStage(dockerfile);
const workdir = workdirOf(runtime);

/**
 * Lays out in `dir` what the runtime stage's COPY instructions put under WORKDIR: files from the
 * build context are the repository's; the build stage's `dist` is this build's output for the
 * folders that stage compiles, and its `node_modules` the repository's (with the dev dependencies
 * the image prunes: dockerfile.test.ts checks the code imports none of them).
 */
function layOutImage(dir: string): void {
  const build = dockerfile.stages[0]!;
  const compiled = all(build, 'COPY')
    .map(copyOf)
    .flatMap((c) => c.sources)
    .filter((s) => existsSync(join(ROOT, 'dist', s)));
  for (const copy of all(runtime, 'COPY').map(copyOf)) {
    for (const source of copy.sources) {
      let path = source;
      if (copy.from) {
        const from = workdirOf(stageNamed(dockerfile, copy.from));
        assert.ok(source.startsWith(`${from}/`), `COPY --from=${copy.from} ${source}: outside that stage's WORKDIR`);
        path = source.slice(from.length + 1);
      }
      const dest = posix.resolve(workdir, copy.dest);
      const target = copy.dest.endsWith('/') || copy.sources.length > 1 ? posix.join(dest, posix.basename(source)) : dest;
      assert.ok(target.startsWith(`${workdir}/`), `${target} is outside WORKDIR ${workdir}`);
      const out = join(dir, posix.relative(workdir, target));
      mkdirSync(dirname(out), { recursive: true });
      if (copy.from && path === 'node_modules') symlinkSync(join(ROOT, path), out, 'dir');
      else if (copy.from && path === 'dist') for (const d of compiled) cpSync(join(ROOT, 'dist', d), join(out, d), { recursive: true });
      else cpSync(join(ROOT, path), out, { recursive: true });
    }
  }
}

test('the runtime stage as laid out by its COPY starts with its CMD and environment, passes its HEALTHCHECK, runs the CLI, and stops with exit 0 on SIGTERM', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir('routeops-image-', t);
  const image = tmp.file('app');
  layOutImage(image);
  const slack = await startFakeSlack(t);

  const compose = readCompose().services.routeops!;
  const dataDir = posix.dirname(envOf(runtime).ROUTEOPS_DB!);
  const configMount = compose.volumes!.map((v) => v.split(':')).find(([, target]) => target === compose.environment!.ROUTEOPS_CONFIG)!;
  // The container's environment, with the volume, the bind-mounted config and the port here.
  const env: Record<string, string> = {
    ...envOf(runtime),
    ...compose.environment,
    ROUTEOPS_DB: join(tmp.file('data'), posix.relative(dataDir, envOf(runtime).ROUTEOPS_DB!)),
    ROUTEOPS_CONFIG: join(ROOT, configMount[0]!),
    HOST: '127.0.0.1',
    PORT: '0',
    // Slack in HTTP mode, against the fake Web API.
    SLACK_BOT_TOKEN: 'xoxb-image-test',
    SLACK_SIGNING_SECRET: 'image-test-signing-secret',
    SLACK_API_URL: slack.apiUrl,
  };

  const [node, ...args] = execForm(all(runtime, 'CMD').at(-1)!);
  assert.equal(node, 'node');
  const bot = await startBot(env, { argv: args, cwd: image });
  t.after(() => bot.kill('SIGKILL'));

  const { command } = healthcheckOf(all(runtime, 'HEALTHCHECK')[0]!);
  const healthcheck = (port: string) => runCommand(process.execPath, command.slice(1), { env: { ...process.env, ...env, PORT: port }, cwd: image });
  const healthy = await healthcheck(String(bot.port));
  assert.equal(healthy.code, 0, healthy.stderr);
  const failing = new URL(await startFailingServer(t)).port;
  assert.equal((await healthcheck(failing)).code, 1, 'a 503 from /healthz: unhealthy');

  // `docker compose exec routeops node bin/routeops.js …` (README "Running in a container").
  const cli = (...argv: string[]) => runCommand(process.execPath, ['bin/routeops.js', ...argv], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, cwd: image });
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  assert.deepEqual(await cli('--version'), { code: 0, stdout: `routeops ${version}\n`, stderr: '' });
  const spend = await cli('spend', 'today', '--json');
  assert.equal(spend.code, 0, spend.stderr);
  assert.equal((JSON.parse(spend.stdout) as { requests: number }).requests, 0, 'the database on the volume, opened beside the running bot');
  const manifest = await cli('manifest');
  assert.equal(manifest.stdout, readFileSync(join(ROOT, 'manifest.yml'), 'utf8'));

  assert.deepEqual(await bot.kill('SIGTERM'), { code: 0, signal: null });
  assert.ok(bot.logs.some((l) => l.msg === 'routeops stopped'), 'a graceful stop');
});
