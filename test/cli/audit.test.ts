// `routeops audit`: the Slack button clicks the store audited (migrations/020_slack_actions.sql),
// read back through the real CLI over a real SQLite file: the window, the JSON, bad --days.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli } from '../../src/app/cli.js';
import { createActionAuditStore } from '../../src/store/slack-actions.js';
import { writeConfig } from '../support/config.js';
import { tempDb } from '../support/store.js';

const now = new Date('2026-12-05T12:00:00Z');

test('routeops audit lists the clicks of the last N days, oldest first, as text and JSON; a bad --days exits 2', async (t) => {
  const store = tempDb(t);
  const actions = createActionAuditStore(store.db);
  const click = (at: string, user: string, outcome: 'done' | 'refused' | 'already', detail: string | null = null) =>
    actions.record({ at, user, action: 'budget.show_spend', value: '2026-12-01..2026-12-31', channel: 'C0ALERTS', message_ts: '1764936000.000100', outcome, detail });
  await click('2026-11-20T09:00:00.000Z', 'U0OLD', 'done', 'Spend shown');
  await click('2026-12-04T09:00:00.000Z', 'U0INTERN', 'refused');
  await click('2026-12-04T09:00:05.000Z', 'U0CFO', 'done', 'Spend shown by U0CFO at 2026-12-04 09:00 UTC, in the thread.');
  await click('2026-12-04T09:00:09.000Z', 'U0CFO', 'already');
  const env = { ROUTEOPS_CONFIG: writeConfig(join(store.dir, 'routeops.yml'), { timezone: 'UTC' }), ROUTEOPS_DB: store.path, LOG_LEVEL: 'silent' };
  const run = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await cli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, clock: () => now });
    return { code, stdout, stderr };
  };

  const json = await run('audit', '--json');
  assert.equal(json.code, 0, json.stderr);
  const data = JSON.parse(json.stdout) as { days: number; actions: Array<{ user: string; outcome: string; at: string }> };
  assert.equal(data.days, 7);
  assert.deepEqual(data.actions.map((a) => [a.user, a.outcome]), [['U0INTERN', 'refused'], ['U0CFO', 'done'], ['U0CFO', 'already']]);

  const month = await run('audit', '--days', '30', '--json');
  assert.equal((JSON.parse(month.stdout) as typeof data).actions[0]!.user, 'U0OLD');

  const text = await run('audit');
  assert.equal(text.code, 0);
  assert.match(text.stdout, /2026-12-04 09:00:05 +U0CFO +budget\.show_spend/);

  for (const bad of ['0', '400', 'week', '1.5']) {
    const r = await run('audit', '--days', bad);
    assert.equal(r.code, 2, bad);
    assert.match(r.stderr, /--days takes a whole number of days from 1 to 366/);
  }
});
