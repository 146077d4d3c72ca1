// The Dockerfile held to the repository it builds (there is no Docker engine in the test runs):
// its Node satisfies package.json's engines, the npm commands it runs exist and leave no dev
// dependency behind, every file it copies exists and gets past .dockerignore, the build stage
// holds every source the build compiles, the runtime stage runs the compiled entry point as PID 1
// as a non-root user with the database on a volume. test/container/image-run.test.ts starts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, relative, resolve } from 'node:path';
import ts from 'typescript';
import { all, copyOf, envOf, execForm, healthcheckOf, readDockerfile, readDockerignore, ROOT, runtimeStage, stageNamed, workdirOf, type Stage } from '../support/dockerfile.js';
import { wantsShell } from '../../src/app/run-mode.js';
import { parseEnv } from '../../src/config/load.js';

const dockerfile = readDockerfile();
const runtime = runtimeStage(dockerfile);
const build = dockerfile.stages[0]!;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const runs = (stage: Stage) => all(stage, 'RUN').join('\n');

/** Is every Node release of an image tag's version (`22` = every 22.x, `20.19` = every 20.19.x) inside `>=A.B <C`? */
function tagSatisfies(tag: string, engines: string): boolean {
  const range = /^>=(\d+)\.(\d+)(?:\.\d+)?\s+<(\d+)$/.exec(engines.trim());
  if (!range) throw new Error(`engines.node "${engines}": not a ">=A.B <C" range these tests read`);
  const [minMajor, minMinor, below] = range.slice(1).map(Number) as [number, number, number];
  const [major, minor] = tag.split('.').map(Number) as [number, number | undefined];
  if (major >= below || major < minMajor) return false;
  return major > minMajor || (minor !== undefined && minor >= minMinor);
}

test("both stages are on one Node image whose every release package.json's engines accepts", () => {
  assert.ok(dockerfile.stages.length >= 2, 'a build stage and a runtime stage');
  const images = new Set(dockerfile.stages.map((s) => s.image));
  // One base for both: better-sqlite3 is compiled in the build stage for the Node that runs it.
  assert.equal(images.size, 1, [...images].join(', '));
  const [image] = images;
  const m = /^node:(\d+(?:\.\d+)*)-bookworm-slim$/.exec(image!);
  assert.ok(m, `${image}: expected node:<version>-bookworm-slim`);
  assert.ok(tagSatisfies(m[1]!, pkg.engines.node), `node ${m[1]} is not within engines ${pkg.engines.node}`);
  // The check itself: versions outside the range are told apart.
  assert.deepEqual(['18', '20', '20.18', '20.19', '22', '24', '25'].map((v) => tagSatisfies(v, '>=20.19 <25')), [false, false, false, true, true, true, false]);
});

test('the build stage installs the compilers and runs npm ci from the lockfile, the build script and a prune of dev dependencies', () => {
  const install = /apt-get install[^\n&]*/.exec(runs(build))?.[0] ?? '';
  for (const tool of ['python3', 'make', 'g++']) assert.match(install, new RegExp(`\\s${tool.replace('+', '\\+')}(\\s|$)`), `${tool} in: ${install}`);
  const copiedFirst = build.instructions.slice(0, build.instructions.findIndex((i) => i.keyword === 'RUN' && /npm ci/.test(i.args)));
  assert.ok(copiedFirst.some((i) => i.keyword === 'COPY' && copyOf(i.args).sources.includes('package-lock.json')), 'the lockfile is copied before npm ci');
  for (const [, script] of runs(build).matchAll(/npm run (\S+)/g)) assert.ok(pkg.scripts[script!], `npm run ${script}: no such script in package.json`);
  assert.match(runs(build), /npm run build\b/);
  assert.match(runs(build), /npm prune --omit=dev/);
});

test('with install scripts off, the build stage runs the install script of every package that has one', () => {
  assert.match(runs(build), /npm ci --ignore-scripts/);
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean; dev?: boolean }> };
  const scripted = Object.entries(lock.packages)
    .filter(([path, p]) => path && p.hasInstallScript && !p.dev)
    .map(([path]) => path.replace(/^.*node_modules\//, ''));
  assert.ok(scripted.includes('better-sqlite3'));
  const rebuilt = /npm rebuild ([^\n&]+)/.exec(runs(build))?.[1]?.trim().split(/\s+/) ?? [];
  assert.deepEqual(rebuilt.sort(), scripted.sort(), 'a native dependency without its install script has no binary');
});

test('the code the image runs imports only production dependencies (the rest is pruned)', () => {
  const sourceDirs = ['src', 'commands', 'tools'];
  const builtins = new Set(builtinModules);
  const wrong: string[] = [];
  const walk = (dir: string): string[] => readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : []));
  for (const file of sourceDirs.flatMap(walk)) {
    const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    const names: string[] = [];
    const visit = (node: ts.Node) => {
      // Type-only imports are erased by the compiler.
      if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) names.push(node.moduleSpecifier.text);
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) names.push(node.arguments[0].text);
      ts.forEachChild(node, visit);
    };
    visit(source);
    for (const name of names) {
      if (name.startsWith('.') || name.startsWith('node:') || builtins.has(name)) continue;
      const pkgName = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!;
      if (!pkg.dependencies[pkgName]) wrong.push(`${file} imports ${name}`);
    }
  }
  assert.deepEqual(wrong, []);
});

/** The context paths COPY takes from the build context, per stage. */
const contextCopies = (stage: Stage) =>
  all(stage, 'COPY')
    .map(copyOf)
    .filter((c) => !c.from)
    .flatMap((c) => c.sources);

test('every file the Dockerfile copies exists and gets past .dockerignore, which keeps host builds, databases and secrets out', () => {
  const ignored = readDockerignore();
  const files = (path: string): string[] => (statSync(join(ROOT, path)).isDirectory() ? readdirSync(join(ROOT, path)).flatMap((n) => files(`${path}/${n}`)) : [path]);
  for (const source of dockerfile.stages.flatMap(contextCopies)) {
    assert.ok(existsSync(join(ROOT, source)), `COPY ${source}: not in the repository`);
    const left = files(source).filter(ignored);
    assert.deepEqual(left, [], `COPY ${source}: left out of the context by .dockerignore`);
  }
  for (const path of ['node_modules', 'dist', 'data/routeops.db', '.git', 'routeops.db', 'data/x.db-wal', 'routeops.yml', '.env', 'src/node_modules', 'manifest.http.yml']) {
    assert.ok(ignored(path), `${path} reaches the build context`);
  }
  // The matcher itself tells them apart.
  assert.deepEqual(['src/app/main.ts', 'package.json', 'deploy/routeops.sim.yml'].map(ignored), [false, false, false]);
});

test('the build stage holds every file the build compiles and every script it runs', () => {
  const copied = new Set(contextCopies(build));
  // The build script's own files (`node scripts/clean.js`) and its tsc project.
  for (const [, file] of pkg.scripts.build!.matchAll(/node (\S+)/g)) assert.ok([...copied].some((c) => file === c || file!.startsWith(`${c}/`)), `npm run build runs ${file}, not copied`);
  const project = /tsc -p (\S+)/.exec(pkg.scripts.build!)?.[1];
  assert.ok(project && copied.has(project), `tsc -p ${project}: not copied`);
  const extended = (JSON.parse(readFileSync(join(ROOT, project), 'utf8')) as { extends?: string }).extends;
  if (extended) assert.ok(copied.has(posix.normalize(extended)), `${project} extends ${extended}, not copied`);
  // Whatever the copied sources import (relative imports) is copied too: the build cannot reach the rest.
  const inCopied = (file: string) => [...copied].some((c) => file === c || file.startsWith(`${c}/`));
  const missing: string[] = [];
  const walk = (dir: string): string[] => readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : []));
  const sources = [...copied].filter((c) => statSync(join(ROOT, c)).isDirectory()).flatMap(walk);
  assert.ok(sources.includes('src/app/main.ts') && sources.includes('tools/sim/main.ts'));
  for (const file of sources) {
    for (const { fileName } of ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = relative(ROOT, resolve(ROOT, dirname(file), fileName)).replace(/\.js$/, '.ts');
      if (!inCopied(target)) missing.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(missing, []);
});

/** tsconfig's outDir and rootDir: where a source file's compiled module lands. */
function compiledPathOf(source: string): string {
  const { outDir, rootDir } = (JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { outDir: string; rootDir: string } }).compilerOptions;
  return posix.join(outDir, posix.relative(rootDir, source)).replace(/\.ts$/, '.js');
}

test("CMD runs the compiled main module directly as PID 1, in exec form, with npm start's node flags", () => {
  assert.equal(all(runtime, 'ENTRYPOINT').length, 0, 'no entry point: the CMD is PID 1');
  const cmd = execForm(all(runtime, 'CMD').at(-1)!);
  assert.equal(cmd[0], 'node');
  const entry = cmd.at(-1)!;
  assert.equal(entry, compiledPathOf('src/app/main.ts'));
  assert.ok(existsSync(join(ROOT, entry)), `${entry} is not in the build output`);
  // That module stops routeops gracefully on the signals Docker sends.
  const main = readFileSync(join(ROOT, 'src/app/main.ts'), 'utf8');
  for (const signal of ['SIGTERM', 'SIGINT']) assert.match(main, new RegExp(`process\\.on\\('${signal}', onSignal\\)`));
  // npm start runs scripts/start.js (build if stale, then main() in that process): the same
  // module, with the same node flags.
  const start = /\bnode((?:\s+--\S+)*)\s+(\S+)/.exec(pkg.scripts.start!.replace(/.*&&/, ''));
  assert.ok(start, `npm start ("${pkg.scripts.start}") no longer runs node directly: make the Dockerfile's CMD run what it runs`);
  const script = start[2]!;
  const runs = script === entry ? entry : /import\('\.\.\/(dist\/[^']+)'\)/.exec(readFileSync(join(ROOT, script), 'utf8'))?.[1];
  assert.equal(runs, entry, `npm start (${script}) runs the module the CMD runs`);
  assert.deepEqual(cmd.slice(1, -1), start[1]!.trim().split(/\s+/).filter(Boolean), "the node flags are npm start's");
});

test('the runtime stage has no build tools, runs as a non-root user, and keeps the database on a volume that user owns', () => {
  assert.doesNotMatch(runs(runtime), /apt-get|npm (ci|install|rebuild)|\b(g\+\+|gcc|make|python3)\b/, 'nothing installed or compiled in the runtime stage');
  for (const c of all(runtime, 'COPY').map(copyOf).filter((c) => c.from)) {
    const from = stageNamed(dockerfile, c.from!);
    assert.equal(workdirOf(from), '/app');
    for (const s of c.sources) assert.match(s, /^\/app\/(node_modules|dist)$/, `COPY --from=${c.from} ${s}: only the build's output and pruned dependencies`);
  }
  const user = all(runtime, 'USER').at(-1);
  assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user ?? '(none)'}`);
  // The node images' own unprivileged user.
  assert.equal(user, 'node');
  const userAt = runtime.instructions.findIndex((i) => i.keyword === 'USER');
  assert.ok(runtime.instructions.slice(userAt).every((i) => i.keyword !== 'RUN'), 'every RUN before USER (none as the user)');

  const env = envOf(runtime);
  const volumes = all(runtime, 'VOLUME');
  const dataDir = posix.dirname(env.ROUTEOPS_DB ?? '');
  assert.ok(volumes.includes(dataDir), `ROUTEOPS_DB=${env.ROUTEOPS_DB} is not on a VOLUME (${volumes.join(', ')})`);
  assert.match(runs(runtime), new RegExp(`mkdir (-p )?${dataDir} && chown ${user}:${user} ${dataDir}`), `${dataDir} is writable by ${user}`);
});

test('the image listens on every interface on the port it exposes, and HEALTHCHECK asks node for /healthz there', () => {
  const env = envOf(runtime);
  assert.equal(env.HOST, '0.0.0.0', 'HOST: reachable from outside the container');
  assert.deepEqual(all(runtime, 'EXPOSE'), [env.PORT]);
  const checks = all(runtime, 'HEALTHCHECK');
  assert.equal(checks.length, 1);
  const { command, options } = healthcheckOf(checks[0]!);
  assert.equal(command[0], 'node', 'no curl in the image: node does the check');
  assert.match(command.join(' '), /process\.env\.PORT/, 'the port the server listens on');
  assert.match(command.join(' '), /\/healthz/);
  assert.match(readFileSync(join(ROOT, 'src/adapters/http/server.ts'), 'utf8'), /path === '\/healthz'/, 'the HTTP server serves /healthz');
  assert.ok(options.timeout && options['start-period'], 'a timeout and a start period');
});

test('`docker run -it` runs the server, not the shell: the image says ROUTEOPS_SHELL=0, which a terminal does not override', () => {
  const env = envOf(runtime);
  assert.equal(env.ROUTEOPS_SHELL, '0');
  assert.equal(wantsShell(parseEnv(env).ROUTEOPS_SHELL, true), false, 'stdin a terminal (-it), and still no shell');
});

