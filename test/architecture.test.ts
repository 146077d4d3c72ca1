// The layout of docs/ARCHITECTURE.md, held by a test: imports point one way (adapters → commands
// → features → store/upstream/domain), no import cycles (type-only imports count), and the
// database driver and SQL stay in src/store. Imports are read with TypeScript's own
// pre-processor, so comments and strings that look like imports are not counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url)); // dist/test -> repository root

/** Each layer and the layers it may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  app: ['adapters', 'commands', 'features', 'domain', 'store', 'upstream', 'config', 'tools'],
  adapters: ['commands', 'features', 'domain', 'store', 'upstream', 'config'],
  commands: ['features', 'domain', 'store', 'upstream', 'config', 'tools'],
  features: ['domain', 'store', 'upstream', 'config'],
  store: ['domain', 'config'],
  upstream: ['domain', 'config'],
  domain: ['config'],
  // The config schema reads times with the domain's one ISO-8601 parser (a leaf module).
  config: ['domain'],
  tools: [],
  // The catalog generator (a build tool, run by a developer) reads the sources with the code that
  // reads them live: tools/catalog/generate.ts.
  'tools/catalog': ['features', 'domain', 'config'],
};

function layerOf(file: string): string {
  const [top, second] = file.split('/');
  if (top === 'tools' && second === 'catalog') return 'tools/catalog';
  if (top === 'commands' || top === 'tools') return top;
  if (top === 'src' && second && second in ALLOWED) return second;
  throw new Error(`${file} is in no layer of docs/ARCHITECTURE.md`);
}

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) sources(path, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

interface Module {
  text: string;
  local: string[];
  packages: string[];
}

function readGraph(): Map<string, Module> {
  const files = ['src', 'commands', 'tools'].filter((d) => existsSync(join(root, d))).flatMap((d) => sources(d));
  const graph = new Map<string, Module>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const info = ts.preProcessFile(text, true, true);
    const local: string[] = [];
    const packages: string[] = [];
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) {
        packages.push(fileName);
        continue;
      }
      const target = relative(root, resolve(root, dirname(file), fileName)).replace(/\.js$/, '.ts');
      local.push(existsSync(join(root, target)) ? target : relative(root, resolve(root, dirname(file), fileName, 'index.ts')));
    }
    graph.set(file, { text, local, packages });
  }
  return graph;
}

const graph = readGraph();

test('every import points down the layers of docs/ARCHITECTURE.md', () => {
  const wrong: string[] = [];
  for (const [file, { local }] of graph) {
    const from = layerOf(file);
    for (const target of local) {
      const to = layerOf(target);
      if (to !== from && !ALLOWED[from]!.includes(to)) wrong.push(`${file} (${from}) imports ${target} (${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no import cycles, type-only imports included', () => {
  // Tarjan's strongly connected components: any component of more than one file is a cycle.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.local ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  assert.deepEqual(cycles, []);
});

test('the database driver and SQL are only in src/store', () => {
  const sql = /['"`][^'"`]*\b(SELECT\s[\s\S]{0,200}?\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX))\b/i;
  const outside = [...graph]
    .filter(([file]) => !file.startsWith('src/store/'))
    .filter(([, m]) => m.packages.some((p) => p === 'better-sqlite3' || p === 'pg') || sql.test(m.text))
    .map(([file]) => file);
  assert.deepEqual(outside, []);
});

test('the graph reader sees the layers (a reader that saw nothing would pass the tests above)', () => {
  assert.ok(graph.size > 50);
  assert.ok(graph.get('src/app/main.ts')?.local.some((t) => t.startsWith('src/adapters/')));
  assert.ok([...graph.values()].some((m) => m.packages.includes('better-sqlite3')));
});
