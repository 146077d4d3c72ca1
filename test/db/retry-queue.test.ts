// The retry queue under the usage meter and the Slack store: writes from the event loop wait for
// a locked database only briefly, and the connection's own timeout is back afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createRetryQueue } from '../../src/store/retry-queue.js';
import { tempDb } from '../support/ledger-fixtures.js';

test('retry queue: an item is written under the short busy timeout, and the connection gets its own back', (t) => {
  const { db, cleanup } = tempDb();
  t.after(cleanup);
  const seen: number[] = [];
  const queue = createRetryQueue<string>({
    db,
    log: pino({ level: 'silent' }),
    what: 'test writes',
    busyWaitMs: 7,
    apply: () => seen.push(db.pragma('busy_timeout', { simple: true }) as number),
    dropped: () => assert.fail('nothing is dropped'),
  });
  t.after(() => queue.stop());
  assert.equal(queue.push('a'), true);
  assert.equal(queue.push('b'), true);
  assert.deepEqual(seen, [7, 7], 'each write waits at most busyWaitMs for the lock');
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000, 'the normal timeout is restored');
});
