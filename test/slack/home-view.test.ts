// App Home's pure parts: the per-day text chart (exact amounts from integer nano-USD, bars in
// eighths of a character, "not priced" never $0.00) and the view built from a lot of data, which
// stays within Slack's Block Kit limits with its lists capped and counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BAR_WIDTH, dayBars, type DayAmount } from '../../src/features/home/day-bars.js';
import { homeView } from '../../src/adapters/slack/home-view.js';
import type { HomeData } from '../../src/features/home/home-data.js';
import { homeViewProblems } from '../support/block-limits.js';

const day = (d: string, nusd: bigint, notInAmount = 0): DayAmount => ({ day: d, nusd, notInAmount });

test('day bars: the largest day fills the bar, others in proportion to the eighth, tiny spend still visible, exact cents beside', () => {
  const { lines, marked } = dayBars([
    day('2026-11-01', 80_000_000_000n), // $80
    day('2026-11-02', 10_000_000_000n), // $10: 1/8 of the width = 20 eighths
    day('2026-11-03', 1n), // a nano-dollar: one eighth, "<$0.01"
    day('2026-11-04', 0n),
    day('2026-11-05', 0n, 3), // only calls without a price
    day('2026-11-06', 2_345_678_901n, 1), // $2.35 and a call not in it
  ]);
  assert.equal(lines[0], `11-01 ${'█'.repeat(BAR_WIDTH)} $80.00`);
  assert.equal(lines[1], `11-02 ██▌${' '.repeat(BAR_WIDTH - 3)} $10.00`);
  assert.equal(lines[2], `11-03 ▏${' '.repeat(BAR_WIDTH - 1)} <$0.01`);
  assert.equal(lines[3], `11-04 ${' '.repeat(BAR_WIDTH)} $0.00`);
  assert.equal(lines[4], `11-05 ${' '.repeat(BAR_WIDTH)} no amount*`);
  assert.match(lines[5]!, / \$2\.35\*$/);
  assert.equal(marked, true);
  // Sums beyond 2^53 nano-USD stay exact (bigint throughout).
  const big = dayBars([day('2026-11-01', 9_007_199_254_740_993_000n), day('2026-11-02', 4_503_599_627_370_496_500n)]);
  assert.match(big.lines[0]!, /\$9,007,199,254\.74$/);
  assert.equal(big.lines[1]!.split(' ')[1], '█'.repeat(BAR_WIDTH / 2));
});

test('a Home view of a large workspace stays within Block Kit limits: long lists capped and counted, long texts clipped', () => {
  const hostile = (i: number) => `<!channel>&*${'x'.repeat(300)}\`${i}`;
  const data: HomeData = {
    now: '2026-11-23T12:00:00.000Z',
    today: '2026-11-23',
    seesSpend: true,
    spend: null,
    balances: null,
    retirements: Array.from({ length: 200 }, (_, i) => ({ provider: 'deepseek', model: hostile(i), at: '2026-12-10T00:00:00Z', replacement: hostile(i + 1), pointers: Array.from({ length: 5 }, (_, j) => ({ alias: hostile(j), position: 1, of: 2 })) })),
    routeChecks: Array.from({ length: 300 }, (_, i) => ({ alias: hostile(i), routes: [{ provider: 'zai', model: hostile(i), status: 'fail' as const, finished_at: '2026-11-23T09:00:00Z', failure: { check: 'stream', reason: 'r'.repeat(5000) } }] })),
    alerts: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, kind: 'budget', title: hostile(i), text: 'y'.repeat(10_000), created_at: '2026-11-23T12:00:00Z', sent_at: null })),
    proposals: { open: 900, shown: Array.from({ length: 5 }, (_, i) => ({ id: i + 1, kind: 'price' as const, provider: 'deepseek', model: hostile(i), source: 'litellm', effective: '2026-11-20T00:00:00Z', suspect: true })) },
  };
  const view = homeView(data);
  assert.deepEqual(homeViewProblems(view), []);
  const text = JSON.stringify(view);
  assert.ok(!text.includes('<!channel>'), 'mentions escaped');
  // Each list ends with how many it left out, whatever the clipping of long lines.
  const more = (id: string) => /_and ([\d,]+) more[^_]*_"?$/.exec(JSON.stringify(view.blocks.find((b) => b.block_id === id)).replace(/"}}$/, ''))?.[1];
  assert.ok(Number(more('home.retirements')) >= 185, `retirements: ${more('home.retirements')}`);
  assert.ok(Number(more('home.routechecks')) >= 285, `route checks: ${more('home.routechecks')}`);
  assert.ok(Number(more('home.proposals')) >= 895, `proposals: ${more('home.proposals')}`);
});
