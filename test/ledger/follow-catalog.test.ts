// The ledger follows the catalog in force (src/features/catalog/follow.ts): rows written with one
// catalog are re-priced when a later start has another — a version added (an upgrade's new
// built-in prices), a price edited in the config, a price removed — from the first version that
// changed, rollup included; a start with the same catalog changes nothing. Through the real CLI
// over a real SQLite file and config, as an operator would see it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../../src/app/cli.js';
import type { ConfigObject } from '../support/config.js';
import { writeConfig } from '../support/config.js';
import { tempDir } from '../support/temp.js';
import { openDatabase } from '../../src/store/open.js';
import { SPEND_DIMS } from '../../src/domain/spend.js';
import { aggregateSql, SPEND_COLUMNS } from '../../src/store/ledger/sql.js';

type Version = NonNullable<ConfigObject['pricing']>[number]['versions'][number];

function setup() {
  const tmp = tempDir('routeops-follow-');
  const configPath = join(tmp.dir, 'routeops.yml');
  const env = { ROUTEOPS_CONFIG: configPath, ROUTEOPS_DB: join(tmp.dir, 'ledger.db'), LOG_LEVEL: 'silent' };
  const withPrices = (versions: Version[] | null) =>
    writeConfig(configPath, { timezone: 'UTC', ...(versions ? { pricing: [{ provider: 'zai', model: 'glm-x', versions }] } : {}) });
  const run = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await cli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, clock: () => new Date('2026-11-23T12:00:00Z') });
    assert.equal(code, 0, stderr);
    return stdout;
  };
  /** The rows' costs by request id, as `spend --json` cannot show them one by one. */
  const costs = () => {
    const db = openDatabase(env.ROUTEOPS_DB);
    try {
      return Object.fromEntries(db.prepare<[], { request_id: string; cost_nusd: number | null }>('SELECT request_id, cost_nusd FROM usage ORDER BY request_id').all().map((r) => [r.request_id, r.cost_nusd]));
    } finally {
      db.close();
    }
  };
  const rollupEqualsRows = () => {
    const db = openDatabase(env.ROUTEOPS_DB);
    try {
      for (const dim of SPEND_DIMS) {
        assert.deepEqual(db.prepare(`SELECT ${SPEND_COLUMNS} FROM spend_daily WHERE dim = ? ORDER BY day, key`).all(dim), db.prepare(`${aggregateSql(dim, '')} ORDER BY day, key`).all(), `the ${dim} rollup equals the rows`);
      }
    } finally {
      db.close();
    }
  };
  return { tmp, env, withPrices, run, costs, rollupEqualsRows };
}

const v = (effective: string, input: number, output: number): Version => ({ effective, per_million: { input, output } });

void test('a start with another catalog re-prices the rows from the first version that changed; the same catalog again changes nothing', async () => {
  const t = setup();
  try {
    t.withPrices([v('2026-01-01T00:00:00Z', 1, 1)]);
    const file = join(t.tmp.dir, 'usage.jsonl');
    // 1M in + 1M out each: $2.00 at $1 + $1.
    const row = (id: string, ts: string) => JSON.stringify({ ts, provider: 'zai', model: 'glm-x', input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 1_000_000, request_id: id });
    writeFileSync(file, [row('a', '2026-02-15T12:00:00Z'), row('b', '2026-03-15T12:00:00Z'), row('c', '2026-04-15T12:00:00Z')].join('\n'));
    await t.run('ledger', 'import', file);
    assert.deepEqual(t.costs(), { a: 2_000_000_000, b: 2_000_000_000, c: 2_000_000_000 });

    // An upgrade adds a version from 03-01 at $2 + $2: b and c -> $4.00, a stays.
    t.withPrices([v('2026-01-01T00:00:00Z', 1, 1), v('2026-03-01T00:00:00Z', 2, 2)]);
    const spend = JSON.parse(await t.run('spend', '2026-01-01..2026-05-01', '--json')) as { total_usd: number };
    assert.equal(spend.total_usd, 10);
    assert.deepEqual(t.costs(), { a: 2_000_000_000, b: 4_000_000_000, c: 4_000_000_000 });
    t.rollupEqualsRows();

    // The 03-01 price edited in place (same instant, $3 + $3): b and c -> $6.00.
    t.withPrices([v('2026-01-01T00:00:00Z', 1, 1), v('2026-03-01T00:00:00Z', 3, 3)]);
    await t.run('models', 'glm-x');
    assert.deepEqual(t.costs(), { a: 2_000_000_000, b: 6_000_000_000, c: 6_000_000_000 });

    // The same catalog again: nothing moves (the rows are not touched: a hand edit would stay).
    const db = openDatabase(t.env.ROUTEOPS_DB);
    db.prepare("UPDATE usage SET cost_nusd = 7 WHERE request_id = 'a'").run();
    db.close();
    await t.run('spend', '--json');
    assert.equal(t.costs().a, 7, 'an unchanged catalog re-prices nothing');
    const back = openDatabase(t.env.ROUTEOPS_DB);
    back.prepare("UPDATE usage SET cost_nusd = 2000000000 WHERE request_id = 'a'").run();
    back.close();

    // The price removed: the rows are "not priced", never $0.
    t.withPrices(null);
    await t.run('spend', '--json');
    assert.deepEqual(t.costs(), { a: null, b: null, c: null });
    t.rollupEqualsRows();
  } finally {
    t.tmp.cleanup();
  }
});
