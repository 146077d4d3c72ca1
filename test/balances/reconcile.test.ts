// The bill check's arithmetic and cause (src/domain/money/reconcile.ts), hand-computed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { causeText, reconcile, type ReconcileInterval } from '../../src/domain/money/reconcile.js';

const USD = 1_000_000_000n;
const T = { threshold_pct: 5, threshold_nano: USD };
const iv = (deducted: bigint, ledger: Record<string, bigint>): ReconcileInterval => ({ deducted_nano: deducted, ledger_by_model: new Map(Object.entries(ledger)) });

test('deducted far above the ledger with no model to explain it is traffic outside routeops', () => {
  // 8.00 deducted against 3.00 in the ledger: gap 5.00, +166.6%.
  const r = reconcile([iv(4n * USD, { a: 1n * USD }), iv(4n * USD, { a: 2n * USD })], T);
  assert.deepEqual([r.deducted_nano, r.ledger_nano, r.gap_nano, r.gap_pct, r.flagged], [8n * USD, 3n * USD, 5n * USD, 166.6, true]);
  assert.deepEqual(r.cause, { kind: 'outside_traffic' });
});

test('a gap that follows one model at one ratio in every hour is that model priced out of date', () => {
  // Model a billed at 200%: 1.00 → 2.00; b at its price. Ledger 5.00, deducted 7.00: gap 2.00
  // (+40%) = a's 2.00 × (200% − 100%).
  const r = reconcile([iv(2n * USD, { a: 1n * USD }), iv(2n * USD, { b: 2n * USD }), iv(3n * USD, { a: 1n * USD, b: 1n * USD })], T);
  assert.deepEqual([r.gap_nano, r.gap_pct, r.flagged], [2n * USD, 40, true]);
  assert.deepEqual(r.cause, { kind: 'stale_price', model: 'a', ratio_pct: 200, alone: false });
});

test('one model alone at one ratio is named with outside traffic beside it; past 400% or in one busy hour it is outside traffic', () => {
  // Only model a was called: a stale price and outside traffic that follows routeops' look alike.
  const alone = reconcile([iv(2n * USD, { a: 1n * USD }), iv(4n * USD, { a: 2n * USD })], T);
  assert.deepEqual(alone.cause, { kind: 'stale_price', model: 'a', ratio_pct: 200, alone: true });
  assert.match(causeText(alone.cause!), /^prices out of date: a was billed at 200% of routeops' price in every hour — or traffic outside routeops that follows routeops' own/);
  // Ten times the ledger's cost in every hour: no price is that far out.
  assert.deepEqual(reconcile([iv(10n * USD, { a: 1n * USD }), iv(20n * USD, { a: 2n * USD })], T).cause, { kind: 'outside_traffic' });
  // Hours without spend fit any ratio: one hour of use is no pattern.
  assert.deepEqual(reconcile([iv(3n * USD, { a: 1n * USD }), iv(0n, {}), iv(0n, {})], T).cause, { kind: 'outside_traffic' });
});

test('a gap under either threshold is no finding; a gap of the other sign is billed differently', () => {
  // 0.90 over 100.00: under 5%.
  assert.equal(reconcile([iv(100_900_000_000n, { a: 100n * USD })], T).flagged, false);
  // 0.60 over 6.00 = 10% but under 1.00.
  assert.equal(reconcile([iv(6_600_000_000n, { a: 6n * USD })], T).flagged, false);
  // 2.00 less deducted than recorded, 1.00 an hour whatever the mix: no model's ratio explains it.
  const r = reconcile([iv(9n * USD, { a: 5n * USD, b: 5n * USD }), iv(9n * USD, { a: 10n * USD })], T);
  assert.deepEqual([r.gap_nano, r.gap_pct, r.flagged], [-2n * USD, -10, true]);
  assert.deepEqual(r.cause, { kind: 'billed_differently' });
});
