// Reading the Dockerfile, .dockerignore and compose.yaml as Docker reads them, for the tests that
// hold them to the repository (test/container/). There is no Docker engine in the test runs: these
// parse just the instructions the files use, and fail loudly on anything else.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { CleanupOwner } from './temp.js';

/** The repository root (this file runs from dist/test/support/). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Instruction {
  keyword: string;
  /** The rest of the instruction, continuation lines joined. */
  args: string;
}

export interface Stage {
  /** The image, with the global ARGs' defaults put in. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  args: Record<string, string>;
  stages: Stage[];
}

/** Instructions of a Dockerfile: comments dropped (also between continuation lines), `\` lines joined. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) || (!pending && !raw.trim())) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (!whole) continue;
    const [, keyword, args] = /^(\S+)\s*(.*)$/s.exec(whole)!;
    out.push({ keyword: keyword!.toUpperCase(), args: args!.trim() });
  }
  return out;
}

export function parseDockerfile(text: string): Dockerfile {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args) ?? [];
      if (!image) throw new Error(`FROM ${ins.args}: not understood`);
      const resolved = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
        const v = args[(a ?? b)!];
        if (v === undefined) throw new Error(`FROM ${image}: no default for ARG ${a ?? b}`);
        return v;
      });
      stages.push({ image: resolved, ...(name ? { name } : {}), instructions: [] });
    } else if (!stages.length) {
      if (ins.keyword !== 'ARG') throw new Error(`${ins.keyword} before the first FROM`);
      const [, key, value] = /^(\w+)(?:=(.*))?$/.exec(ins.args) ?? [];
      if (!key) throw new Error(`ARG ${ins.args}: not understood`);
      args[key] = value ?? '';
    } else stages.at(-1)!.instructions.push(ins);
  }
  return { args, stages };
}

/** The instructions of one keyword in a stage. */
export const all = (stage: Stage, keyword: string): string[] => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** An exec-form (JSON array) argument list; throws on the shell form. */
export function execForm(args: string): string[] {
  if (!args.startsWith('[')) throw new Error(`not in exec form (a JSON array): ${args}`);
  const list = JSON.parse(args) as unknown;
  if (!Array.isArray(list) || !list.every((a) => typeof a === 'string')) throw new Error(`not a list of strings: ${args}`);
  return list;
}

/** `KEY=value …` of an ENV instruction (values may be double-quoted). */
export function envPairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  if (!Object.keys(out).length) throw new Error(`ENV ${args}: use the KEY=value form`);
  return out;
}

export interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

/** A COPY instruction: its `--from` and its sources and destination (other flags are refused). */
export function copyOf(args: string): Copy {
  const words = args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    const m = /^--from=(.+)$/.exec(flag);
    if (!m) throw new Error(`COPY flag ${flag} is not read by these tests`);
    from = m[1];
  }
  if (words.length < 2) throw new Error(`COPY ${args}: needs sources and a destination`);
  return { ...(from ? { from } : {}), sources: words.slice(0, -1), dest: words.at(-1)! };
}

/** A HEALTHCHECK: its options and its command (exec form after CMD). */
export function healthcheckOf(args: string): { options: Record<string, string>; command: string[] } {
  const m = /^((?:--\S+\s+)*)CMD\s+(.*)$/s.exec(args);
  if (!m) throw new Error(`HEALTHCHECK ${args}: expected [OPTIONS] CMD [...]`);
  const options = Object.fromEntries(m[1]!.trim().split(/\s+/).filter(Boolean).map((o) => o.replace(/^--/, '').split('=') as [string, string]));
  return { options, command: execForm(m[2]!) };
}

/** A .dockerignore as a predicate: is this context path (relative, `/`-separated) left out? */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negated = l.startsWith('!');
      const pattern = (negated ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      // Docker's patterns: anchored at the context root; `*` and `?` stay within a path
      // element, `**` crosses any number of them; a pattern that matches a folder leaves out
      // everything in it.
      let re = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i]!;
        if (pattern.startsWith('**/', i)) {
          re += '(?:.*/)?';
          i += 2;
        } else if (pattern.startsWith('**', i)) {
          re += '.*';
          i += 1;
        } else if (c === '*') re += '[^/]*';
        else if (c === '?') re += '[^/]';
        else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negated, re: new RegExp(`^${re}(?:/.*)?$`) };
    });
  return (path) => {
    let excluded = false;
    for (const r of rules) if (r.re.test(path)) excluded = !r.negated;
    return excluded;
  };
}

export interface ComposeService {
  build?: string | { context: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

export interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * compose.yaml, with its `${VAR}` / `${VAR:-default}` put into the parsed values as Compose does,
 * from the environment it runs in (`hostEnv`; by default nothing set).
 */
export function readCompose(hostEnv: Record<string, string> = {}): Compose {
  const interpolate = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const out = value.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => hostEnv[name] || (fallback ?? ''));
      if (/\$(?!\$)/.test(out)) throw new Error(`compose.yaml: "${value}" has a $ these tests do not interpolate`);
      return out;
    }
    if (Array.isArray(value)) return value.map(interpolate);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
    return value;
  };
  return interpolate(parse(readFileSync(`${ROOT}compose.yaml`, 'utf8'))) as Compose;
}

export const readDockerfile = (): Dockerfile => parseDockerfile(readFileSync(`${ROOT}Dockerfile`, 'utf8'));
export const readDockerignore = (): ((path: string) => boolean) => dockerignore(readFileSync(`${ROOT}.dockerignore`, 'utf8'));

/** The Dockerfile's last stage: the image that runs. */
export const runtimeStage = (d: Dockerfile): Stage => d.stages.at(-1)!;

/** The stage a `COPY --from=NAME` takes from. */
export function stageNamed(d: Dockerfile, name: string): Stage {
  const stage = d.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage named ${name}`);
  return stage;
}

/** A stage's WORKDIR (the last one set). */
export function workdirOf(stage: Stage): string {
  const dirs = all(stage, 'WORKDIR');
  if (!dirs.length) throw new Error('the stage sets no WORKDIR');
  return dirs.at(-1)!;
}

/** Every ENV of a stage, later ones winning. */
export const envOf = (stage: Stage): Record<string, string> => Object.assign({}, ...all(stage, 'ENV').map(envPairs)) as Record<string, string>;

/** Runs one of the image's commands (a HEALTHCHECK, a CLI call) here, to its end, without blocking the servers it talks to. */
export async function runCommand(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** A server that answers every request 503, as a service that is up but not well; its origin. */
export async function startFailingServer(owner: CleanupOwner): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(503).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  owner.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
