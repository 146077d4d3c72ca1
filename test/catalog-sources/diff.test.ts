import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { diffSnapshots, pctChange, renderDiffText, summarize } from '../../src/features/catalog/diff.js';
import { cli } from '../../src/app/cli.js';
import { NO_RATES, type SourceEntry } from '../../src/features/catalog/sources/types.js';
import { GENAI_DIR, LITELLM_DIR, MODELS_DEV_DIR, OPENROUTER_DIR, OPENROUTER_FULL, sourceEntry, tempDir } from './helpers.js';

function entry(model: string, over: Partial<SourceEntry> & { in?: number | null; out?: number | null; cached?: number | null } = {}): SourceEntry {
  const input = over.in === undefined ? 100000 : over.in;
  const output = over.out === undefined ? 200000 : over.out;
  return sourceEntry(model, {
    context: over.context === undefined ? 131072 : over.context,
    rates: { ...NO_RATES, input, cached_input: over.cached ?? null, output },
    expires_at: over.expires_at ?? null,
  });
}

void test('pctChange', () => {
  assert.equal(pctChange(90000, 60000), -33.3);
  assert.equal(pctChange(224000, 250000), 11.6);
  assert.equal(pctChange(0, 5), null);
  assert.equal(pctChange(null, 5), null);
  assert.equal(pctChange(5, null), null);
});

void test('diffSnapshots: price per component, added, removed, context, expiry', () => {
  const old = [entry('a/up'), entry('a/down', { cached: 10000 }), entry('a/gone'), entry('a/ctx'), entry('a/exp'), entry('a/same')];
  const now = [
    entry('a/up', { in: 150000 }),
    entry('a/down', { out: 100000, cached: null }),
    entry('a/new', { in: 0, out: 0 }),
    entry('a/ctx', { context: 262144 }),
    entry('a/exp', { expires_at: '2026-02-01T00:00:00.000Z' }),
    entry('a/same'),
  ];
  const changes = diffSnapshots(old, now);
  assert.deepEqual(
    changes.map((c) => [c.kind, c.model, c.kind === 'price' ? c.component : '', 'old' in c ? c.old : '', 'new' in c ? c.new : '', 'pct' in c ? c.pct : '']),
    [
      ['context', 'a/ctx', '', 131072, 262144, 100],
      ['price', 'a/down', 'cached_input', 10000, null, null],
      ['price', 'a/down', 'output', 200000, 100000, -50],
      ['expiry', 'a/exp', '', null, '2026-02-01T00:00:00.000Z', ''],
      ['removed', 'a/gone', '', '', '', ''],
      ['added', 'a/new', '', '', '', ''],
      ['price', 'a/up', 'input', 100000, 150000, 50],
    ],
  );
  assert.deepEqual(summarize(changes), { price: 3, added: 1, removed: 1, context: 1, expiry: 1, terms: 0 });
  assert.deepEqual(diffSnapshots(old, now, { commonOnly: true }).map((c) => c.kind).sort(), ['context', 'expiry', 'price', 'price', 'price']);
  const text = renderDiffText(changes);
  assert.match(text, /^openrouter\/a\/up\n {2}input \$0\.10 -> \$0\.15 per 1M \(\+50%\)$/m);
  assert.match(text, /^ {2}cached input \$0\.01 -> none per 1M$/m);
  assert.match(text, /^ {2}added: in \$0\.00 \/ out \$0\.00 per 1M, context 131072$/m);
  assert.match(text, /^ {2}expires 2026-02-01$/m);
  assert.match(text, /^3 price, 1 added, 1 removed, 1 context, 1 expiry change\(s\)$/m);
});

/** `routeops catalog diff OLD NEW [--json]` through the CLI, with no config and no database. */
async function catalogDiffCommand(oldPath: string, newPath: string, opts: { json: boolean }): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const exitCode = await cli(['catalog', 'diff', oldPath, newPath, ...(opts.json ? ['--json'] : [])], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {} });
  return { exitCode, stdout, stderr };
}

const OLD = join(OPENROUTER_DIR, '2025-12-31T00-11Z.json.gz');
const NEW = join(OPENROUTER_DIR, '2025-12-31T06-04Z.json.gz');

void test('catalog diff: two OpenRouter fixtures, text', async () => {
  const r = await catalogDiffCommand(OLD, NEW, { json: false });
  assert.equal(r.exitCode, 0);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^old: .*2025-12-31T00-11Z\.json\.gz \(openrouter, 353 models\)$/);
  assert.match(lines[1]!, /^new: .*2025-12-31T06-04Z\.json\.gz \(openrouter, 353 models\)$/);
  const body = lines.slice(2).join('\n');
  assert.match(body, /^openrouter\/qwen\/qwen3-next-80b-a3b-instruct\n {2}input \$0\.09 -> \$0\.06 per 1M \(-33\.3%\)\n {2}output \$1\.10 -> \$0\.60 per 1M \(-45\.5%\)$/m);
  assert.match(body, /^openrouter\/google\/gemma-3-27b-it\n(?: {2}.*\n)* {2}context 96000 -> 131072 tokens \(\+36\.5%\)$/m);
  assert.equal(lines.at(-1), '8 price, 0 added, 0 removed, 1 context, 0 expiry change(s)');
});

void test('catalog diff: two OpenRouter fixtures, JSON', async () => {
  const r = await catalogDiffCommand(OLD, NEW, { json: true });
  assert.equal(r.exitCode, 0);
  const doc = JSON.parse(r.stdout) as {
    old: { format: string; entries: number };
    new: { format: string; entries: number };
    common_only: boolean;
    summary: Record<string, number>;
    changes: Record<string, unknown>[];
  };
  assert.equal(doc.old.format, 'openrouter');
  assert.equal(doc.new.entries, 353);
  assert.equal(doc.common_only, false);
  assert.deepEqual(doc.summary, { price: 8, added: 0, removed: 0, context: 1, expiry: 0, terms: 0 });
  assert.deepEqual(
    doc.changes.filter((c) => c.model === 'qwen/qwen3-next-80b-a3b-instruct'),
    [
      { kind: 'price', provider: 'openrouter', model: 'qwen/qwen3-next-80b-a3b-instruct', component: 'input', old: 0.09, new: 0.06, pct: -33.3 },
      { kind: 'price', provider: 'openrouter', model: 'qwen/qwen3-next-80b-a3b-instruct', component: 'output', old: 1.1, new: 0.6, pct: -45.5 },
    ],
  );
  assert.deepEqual(doc.changes.find((c) => c.kind === 'context'), {
    kind: 'context',
    provider: 'openrouter',
    model: 'google/gemma-3-27b-it',
    old: 96000,
    new: 131072,
    pct: 36.5,
  });
});

void test('catalog diff: added/removed and expiry in LiteLLM maps; mixed formats compare common models only', async () => {
  const a = join(LITELLM_DIR, '2025-12-29T12-34Z.json.gz');
  const b = join(LITELLM_DIR, '2026-01-06T00-10Z.json.gz');
  const r = await catalogDiffCommand(a, b, { json: true });
  assert.equal(r.exitCode, 0);
  const doc = JSON.parse(r.stdout) as { summary: Record<string, number>; changes: Record<string, unknown>[] };
  assert.equal(doc.summary.added, 33);
  assert.deepEqual(doc.changes.find((c) => c.provider === 'gemini' && c.model === 'gemini-1.5-flash'), {
    kind: 'expiry',
    provider: 'gemini',
    model: 'gemini-1.5-flash',
    old: null,
    new: '2025-09-29T00:00:00.000Z',
  });
  const added = doc.changes.find((c) => c.kind === 'added' && c.model === 'low/1024-x-1024/gpt-image-1.5');
  assert.equal(added?.priced, false);

  const mixed = await catalogDiffCommand(OPENROUTER_FULL, join(LITELLM_DIR, '2026-01-11T18-03Z.json.gz'), { json: true });
  assert.equal(mixed.exitCode, 0);
  const m = JSON.parse(mixed.stdout) as { common_only: boolean; summary: { added: number; removed: number }; changes: { provider: string }[] };
  assert.equal(m.common_only, true);
  assert.equal(m.summary.added + m.summary.removed, 0);
  assert.ok(m.changes.length > 0);
  assert.ok(m.changes.every((c) => c.provider === 'openrouter'));
  const text = await catalogDiffCommand(OPENROUTER_FULL, join(LITELLM_DIR, '2026-01-11T18-03Z.json.gz'), { json: false });
  assert.match(text.stdout, /formats differ: comparing only the models present in both/);
});

void test('catalog diff: models.dev 05-02 -> 07-02 and genai-prices v1 -> v2, formats recognised, tiers in words', async () => {
  const r = await catalogDiffCommand(join(MODELS_DEV_DIR, '2026-05-02.json.gz'), join(MODELS_DEV_DIR, '2026-07-02.json.gz'), { json: true });
  assert.equal(r.exitCode, 0);
  const doc = JSON.parse(r.stdout) as { old: { format: string; entries: number }; new: { format: string; entries: number }; changes: Record<string, unknown>[] };
  assert.deepEqual([doc.old.format, doc.old.entries, doc.new.format, doc.new.entries], ['models_dev', 215, 'models_dev', 262]);
  assert.deepEqual(doc.changes.find((c) => c.model === 'deepseek-v4-pro' && c.provider === 'deepseek' && c.component === 'input'), {
    kind: 'price',
    provider: 'deepseek',
    model: 'deepseek-v4-pro',
    component: 'input',
    old: 1.74,
    new: 0.435,
    pct: -75,
  });
  assert.deepEqual(doc.changes.find((c) => c.kind === 'terms' && c.provider === 'qwen-intl' && c.model === 'qwen3.6-plus'), {
    kind: 'terms',
    provider: 'qwen-intl',
    model: 'qwen3.6-plus',
    what: 'tiers',
    old: 'none',
    new: '> 256,000 tokens: in $2.00 / cached $0.20 / write $2.50 / out $6.00 per 1M',
  });
  const g = await catalogDiffCommand(join(GENAI_DIR, 'v1-2026-07-25.json.gz'), join(GENAI_DIR, 'v2-2026-08-21.json.gz'), { json: false });
  assert.equal(g.exitCode, 0);
  assert.match(g.stdout, /^old: .*v1-2026-07-25\.json\.gz \(genai_prices, 199 models\)$/m);
  assert.equal(g.stdout.trimEnd().split('\n').at(-1), '2 price, 3 added, 0 removed, 0 context, 0 expiry change(s)');
});

void test('catalog diff: broken or unknown files -> exit 2 and a clear message', async () => {
  const t = tempDir();
  try {
    const broken = join(t.dir, 'broken.json.gz');
    writeFileSync(broken, gzipSync('{"data": [{"id": "x"'));
    const r = await catalogDiffCommand(OLD, broken, { json: true });
    assert.equal(r.exitCode, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^catalog diff: .*broken\.json\.gz is not valid JSON \(.+\)\nusage: routeops catalog diff OLD NEW \[--json\]/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);

    const other = join(t.dir, 'other.json');
    writeFileSync(other, '[1, 2, 3]');
    const u = await catalogDiffCommand(other, NEW, { json: false });
    assert.equal(u.exitCode, 2);
    assert.match(u.stderr, /other\.json: not an OpenRouter \/models response .*, a LiteLLM price map .*, a models\.dev api\.json .* nor genai-prices data/);

    const missing = await catalogDiffCommand(join(t.dir, 'nope.json'), NEW, { json: false });
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /file not found: .*nope\.json/);
  } finally {
    t.cleanup();
  }
});
