// `routeops catalog refresh` through the real CLI entry: a YAML config naming real catalog files
// from test/fixtures/catalog/ (file paths are valid catalog.sources locations), a real SQLite
// file, and for delivery the fake Slack Web API. The CLI's own clock is set far from every
// --now, so whatever carries a time shows which one the run used.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { cli } from '../../src/app/cli.js';
import { normalizeModelsDev } from '../../src/features/catalog/sources/normalize.js';
import { createPriceProposalStore } from '../../src/store/price-proposals.js';
import { openDatabase } from '../../src/store/open.js';
import { LITELLM_SUBSET, MODELS_DEV_DIR, readGzJson } from '../catalog-sources/helpers.js';
import { writeConfig, type ConfigObject } from '../support/config.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { tempDir } from '../support/temp.js';

const CLI_CLOCK = new Date('2030-01-01T00:00:00Z');
const ALERTS = 'C0ALERTS';
const [T1, T2, T3] = ['2026-07-20T00:00:00Z', '2026-07-20T06:00:00Z', '2026-07-20T12:00:00Z'];

interface Rig {
  dir: string;
  dbPath: string;
  run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** A folder with a config (made from the folder's path) and a database, and the CLI over them. */
function rig(t: TestContext, config: (dir: string) => ConfigObject, extraEnv: NodeJS.ProcessEnv = {}): Rig {
  const tmp = tempDir('routeops-refresh-', t);
  const env = { ROUTEOPS_CONFIG: writeConfig(tmp.file('routeops.yml'), { timezone: 'UTC', ...config(tmp.dir) }), ROUTEOPS_DB: tmp.dbPath, LOG_LEVEL: 'silent', ...extraEnv };
  return {
    dir: tmp.dir,
    dbPath: tmp.dbPath,
    async run(...argv) {
      let stdout = '';
      let stderr = '';
      const code = await cli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, clock: () => CLI_CLOCK });
      return { code, stdout, stderr };
    },
  };
}

/** LiteLLM's real map (the 2026-07-18 subset), with zai/glm-5 moved from $1.00/$3.20 to $1.20/$3.60 per 1M. */
function liteLLMWithGlm5Raised(): string {
  const doc = JSON.parse(gunzipSync(readFileSync(LITELLM_SUBSET)).toString('utf8')) as Record<string, Record<string, unknown>>;
  assert.deepEqual([doc['zai/glm-5']!.input_cost_per_token, doc['zai/glm-5']!.output_cost_per_token], [0.000001, 0.0000032], 'the fixture as this test assumes it');
  doc['zai/glm-5']!.input_cost_per_token = 0.0000012;
  doc['zai/glm-5']!.output_cost_per_token = 0.0000036;
  return JSON.stringify(doc);
}

/** Three refreshes: the real map (baseline), the changed one (seen once), the changed one again (held: confirmed). */
async function threeRefreshes(r: Rig, lastFlags: string[]) {
  const source = join(r.dir, 'litellm.json.gz');
  copyFileSync(LITELLM_SUBSET, source);
  const first = await r.run('catalog', 'refresh', '--now', T1, '--json');
  writeFileSync(source, liteLLMWithGlm5Raised());
  const second = await r.run('catalog', 'refresh', '--now', T2, '--json');
  const third = await r.run('catalog', 'refresh', '--now', T3, ...lastFlags);
  return { first, second, third };
}

/**
 * LiteLLM read from the folder's litellm.json.gz, which threeRefreshes writes, and an alias
 * routed to zai/glm-5: proposals are made for the models routed or used.
 */
const watchingGlm5 = (dir: string): ConfigObject => ({
  models: { 'glm-5': { routes: [{ provider: 'zai', model: 'glm-5' }] } },
  catalog: { sources: { litellm: join(dir, 'litellm.json.gz') } },
});

void test('a LiteLLM change seen in two refreshes makes one proposal: the JSON document, effective and seen_at from --now', async (t) => {
  const r = rig(t, (dir) => ({ slack: { alerts_channel: ALERTS }, ...watchingGlm5(dir) }));
  const { first, second, third } = await threeRefreshes(r, ['--json']);

  assert.equal(first.code, 0, first.stderr);
  const baseline = JSON.parse(first.stdout) as { sources: Array<{ baseline: boolean; entries: number }>; proposals: Array<{ kind: string }> };
  assert.equal(baseline.sources[0]!.baseline, true);
  // The first read is compared with nothing: no price proposal (retirements the map marks are proposals/retire.ts's, tested there).
  assert.deepEqual(baseline.proposals.filter((p) => p.kind !== 'retirement'), []);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(JSON.parse(second.stdout).pending, 1, 'seen once: waiting for the next fetch');
  assert.deepEqual(JSON.parse(second.stdout).proposals, []);

  assert.equal(third.code, 0, third.stderr);
  const doc = JSON.parse(third.stdout) as { proposals: Array<{ id: number }> };
  const id = doc.proposals[0]?.id;
  assert.deepEqual(doc, {
    now: '2026-07-20T12:00:00.000Z',
    sources: [{ source: 'litellm', ok: true, entries: baseline.sources[0]!.entries, checked_at: null, baseline: false, error: null }],
    off: ['openrouter', 'models_dev', 'genai_prices'],
    changes: 1,
    held: 0,
    pending: 0,
    // First seen at the second refresh; LiteLLM gives no date of its own, so that is when it takes effect.
    proposals: [{ id, kind: 'price', provider: 'zai', model: 'glm-5', source: 'litellm', effective: '2026-07-20T06:00:00.000Z', status: 'proposed', suspect: false }],
    alerts: 1,
    alerts_off: null,
    error: null,
  });
  assert.ok(baseline.sources[0]!.entries > 500, 'the whole map was read');

  const db = openDatabase(r.dbPath);
  try {
    const stored = (await createPriceProposalStore(db).list()).filter((p) => p.kind !== 'retirement');
    assert.equal(stored.length, 1);
    assert.deepEqual(
      { seen_at: stored[0]!.seen_at, created_at: stored[0]!.created_at, per_million: (stored[0]!.version as { per_million: unknown }).per_million, previous: stored[0]!.previous },
      // $1.2e-6 and $3.6e-6 a token; the cache read (2e-7) and write (0) as the map gives them;
      // before: the built-in 1.00 in / 0.20 cached / 3.20 out / 0 cache write (src/domain/catalog/builtin-catalog.json).
      {
        seen_at: '2026-07-20T06:00:00.000Z',
        created_at: '2026-07-20T12:00:00.000Z',
        per_million: { input: 1.2, output: 3.6, cached_input: 0.2, cache_write: 0 },
        previous: { input: 1, output: 3.2, cached_input: 0.2, cache_write: 0 },
      },
    );
    // Queued, not posted (no Slack token here): the running bot posts it from the outbox.
    const queued = db.prepare('SELECT kind, channel, sent_at, text FROM sent_alerts WHERE created_at = ?').all('2026-07-20T12:00:00.000Z') as Array<{ text: string }>;
    assert.equal(queued.length, 1);
    assert.deepEqual({ ...queued[0], text: undefined }, { kind: 'price', channel: ALERTS, sent_at: null, text: undefined });
    assert.match(queued[0]!.text, new RegExp(`Proposal ${id}: zai/glm-5 price from litellm`));
  } finally {
    db.close();
  }
});

void test('the confirming refresh in text: each source, the change, the proposal, and the alert posted to Slack', async (t) => {
  const slack = await startFakeSlack(t);
  const r = rig(t, (dir) => ({ slack: { alerts_channel: ALERTS }, ...watchingGlm5(dir) }), { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: 'sign', SLACK_API_URL: slack.apiUrl });
  const { first, third } = await threeRefreshes(r, []);
  const entries = (JSON.parse(first.stdout) as { sources: Array<{ entries: number }> }).sources[0]!.entries;
  assert.equal(third.code, 0, third.stderr);
  const id = /^ {2}(\d+): zai\/glm-5 /m.exec(third.stdout)?.[1];
  assert.ok(id, third.stdout);
  assert.equal(
    third.stdout,
    [
      'Catalog refresh at 2026-07-20T12:00:00.000Z:',
      '  openrouter: off (catalog.sources.openrouter is null)',
      `  litellm: fetched ${entries} entries`,
      '  models_dev: off (catalog.sources.models_dev is null)',
      '  genai_prices: off (catalog.sources.genai_prices is null)',
      'Changes: 1 confirmed, 0 held as suspect (over 10x), 0 seen once (waiting for the next fetch)',
      '  zai/glm-5 (litellm): price',
      'Proposals: 1 new',
      `  ${id}: zai/glm-5 price from litellm, effective 2026-07-20T06:00:00.000Z`,
      '  decide: routeops prices apply ID  or  routeops prices ignore ID  (routeops prices list shows them)',
      `Alerts: 1 alert posted to ${ALERTS}.`,
      '',
    ].join('\n'),
  );
  const posted = slack.messages.filter((m) => m.channel === ALERTS && m.text.includes('glm-5'));
  assert.equal(posted.length, 1);
  assert.match(JSON.stringify(posted[0]), new RegExp(`Proposal ${id}: zai/glm-5 price from litellm, effective 2026-07-20T06:00:00.000Z`));
});

void test('with price alerts off (no slack.alerts_channel) a refresh still records the proposal and says why nothing is posted', async (t) => {
  const r = rig(t, (dir) => watchingGlm5(dir));
  const { third } = await threeRefreshes(r, ['--json']);
  assert.equal(third.code, 0, third.stderr);
  const doc = JSON.parse(third.stdout) as { proposals: Array<{ provider: string; model: string }>; alerts: number; alerts_off: string };
  assert.deepEqual(
    [doc.proposals.map((p) => `${p.provider}/${p.model}`), doc.alerts, doc.alerts_off],
    [['zai/glm-5'], 0, 'slack.alerts_channel is not set in the config, so price alerts are off'],
  );
});

void test('a missing file and an HTML page are reported as failed sources, nothing is proposed, exit 1; a good source beside them is read', async (t) => {
  const modelsDev = join(MODELS_DEV_DIR, '2026-07-02.json.gz');
  const r = rig(t, (dir) => ({ catalog: { sources: { openrouter: join(dir, 'no-such-openrouter.json'), litellm: join(dir, 'litellm.json.gz'), models_dev: modelsDev } } }));
  const missing = join(r.dir, 'no-such-openrouter.json');
  const litellm = join(r.dir, 'litellm.json.gz');
  const modelsDevEntries = normalizeModelsDev(readGzJson(modelsDev), {}).length;

  copyFileSync(LITELLM_SUBSET, litellm);
  const first = await r.run('catalog', 'refresh', '--now', T1, '--json');
  assert.equal(first.code, 1, 'the missing OpenRouter file fails the run');
  const proposedAtFirst = (await r.run('prices', 'list')).stdout;
  // Then LiteLLM answers a login page: read as "every model gone" it would be hundreds of changes.
  writeFileSync(litellm, '<!DOCTYPE html><html><body>Sign in</body></html>');
  const second = await r.run('catalog', 'refresh', '--now', T2, '--json');
  assert.equal(second.code, 1);
  assert.deepEqual(JSON.parse(second.stdout), {
    now: '2026-07-20T06:00:00.000Z',
    sources: [
      { source: 'openrouter', ok: false, entries: null, checked_at: null, baseline: false, error: `file not found: ${missing}` },
      { source: 'litellm', ok: false, entries: null, checked_at: null, baseline: false, error: `${litellm} returned HTML, not JSON (an error or login page?)` },
      // models.dev dates each model (last_updated): 2026-06-13 is the newest in this file, read from it by hand.
      { source: 'models_dev', ok: true, entries: modelsDevEntries, checked_at: '2026-06-13', baseline: false, error: null },
    ],
    off: ['genai_prices'],
    changes: 0,
    held: 0,
    pending: 0,
    proposals: [],
    alerts: 0,
    alerts_off: 'slack.alerts_channel is not set in the config, so price alerts are off',
    error: null,
  });
  const third = await r.run('catalog', 'refresh', '--now', T3);
  assert.equal(third.code, 1);
  assert.match(third.stdout, new RegExp(`^  openrouter: FAILED: file not found: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  assert.match(third.stdout, /^ {2}litellm: FAILED: .*litellm\.json\.gz returned HTML, not JSON \(an error or login page\?\)$/m);
  assert.match(third.stdout, new RegExp(`^  models_dev: fetched ${modelsDevEntries} entries, checked 2026-06-13$`, 'm'));
  assert.match(third.stdout, /^Proposals: none new$/m);
  assert.doesNotMatch(third.stdout + third.stderr, /\n\s+at /, 'no stack');
  assert.equal((await r.run('prices', 'list')).stdout, proposedAtFirst, 'no proposal since the first refresh');
});

void test('with no catalog source configured it says which config keys turn them on, and exits 0', async (t) => {
  const r = rig(t, () => ({}));
  const text = await r.run('catalog', 'refresh');
  assert.equal(text.code, 0, text.stderr);
  assert.equal(
    text.stdout,
    'No catalog source is configured, so nothing was fetched. Turn one on in the config: catalog.sources.openrouter, catalog.sources.litellm, ' +
      "catalog.sources.models_dev or catalog.sources.genai_prices (an http(s) URL or a file path each, .gz ok), or catalog.provider_models: true (each provider's /models, for providers with an API key).\n",
  );
  const json = await r.run('catalog', 'refresh', '--json', '--now', T1);
  assert.equal(json.code, 0);
  assert.deepEqual(JSON.parse(json.stdout), {
    now: '2026-07-20T00:00:00.000Z',
    sources: [],
    off: ['openrouter', 'litellm', 'models_dev', 'genai_prices'],
    changes: 0,
    held: 0,
    pending: 0,
    proposals: [],
    alerts: 0,
    alerts_off: 'slack.alerts_channel is not set in the config, so price alerts are off',
    error: null,
  });
});

void test('bad input exits 2 naming what is accepted; `catalog` alone lists its subcommands', async (t) => {
  const r = rig(t, () => ({ catalog: { sources: { litellm: LITELLM_SUBSET } } }));
  const unknown = await r.run('catalog', 'refresh', '--bogus');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^unknown argument "--bogus"\nUsage: routeops catalog refresh \[--now ISO\] \[--json\]\n/);
  const badNow = await r.run('catalog', 'refresh', '--now', 'yesterday');
  assert.equal(badNow.code, 2);
  assert.match(badNow.stderr, /^--now: expected an ISO-8601 time with a zone, like 2026-07-17T09:00:00Z \(got "yesterday"\)\nUsage: routeops catalog refresh/);
  const badDay = await r.run('catalog', 'refresh', '--now', '2026-02-30');
  assert.equal(badDay.code, 2);
  assert.match(badDay.stderr, /^--now: "2026-02-30" is not a date\n/);
  const stray = await r.run('catalog', 'refresh', 'now');
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /^unexpected "now"; catalog refresh takes --now ISO and --json\n/);
  const bare = await r.run('catalog');
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^catalog needs a subcommand: diff, refresh \(routeops catalog SUBCOMMAND --help\)\n/);
  for (const res of [unknown, badNow, badDay, stray]) assert.equal(res.stdout, '');
  // Nothing was fetched by any of them: the first real run is still the baseline.
  const ok = JSON.parse((await r.run('catalog', 'refresh', '--json', '--now', T1)).stdout) as { sources: Array<{ baseline: boolean }> };
  assert.equal(ok.sources[0]!.baseline, true);
});
