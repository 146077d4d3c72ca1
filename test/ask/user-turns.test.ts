import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserTurns } from '../../src/features/ask/user-turns.js';
import { createLeaseStore } from '../../src/store/leases.js';
import { tempDb } from '../support/store.js';

test('user turns: one question at a time per user, in arrival order; other users do not wait; a failure passes the turn on', async () => {
  const turns = new UserTurns();
  const log: string[] = [];
  const gates = new Map<string, () => void>();
  const job = (name: string, fail = false) => () =>
    new Promise<string>((resolve, reject) => {
      log.push(`start ${name}`);
      gates.set(name, () => (fail ? reject(new Error(name)) : resolve(name)));
    });
  const a1 = turns.run('U1', job('a1', true));
  const a2 = turns.run('U1', job('a2'));
  const b1 = turns.run('U2', job('b1'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['start a1', 'start b1']);
  gates.get('b1')!();
  assert.equal(await b1, 'b1');
  assert.deepEqual(log, ['start a1', 'start b1'], 'a2 still waits for a1');
  gates.get('a1')!();
  await assert.rejects(a1, /a1/);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['start a1', 'start b1', 'start a2']);
  gates.get('a2')!();
  assert.equal(await a2, 'a2');
  assert.equal(turns.users, 0);
});

test('user turns across replicas: a question on another replica waits for the turn held here, and is told it waits', async (t) => {
  const { db } = tempDb(t);
  const leases = createLeaseStore(db);
  let refused = 0;
  // The lease store as both replicas share it, counting the refusals the waiting one gets.
  const counted = { ...leases, acquire: async (...args: Parameters<typeof leases.acquire>) => {
    const got = await leases.acquire(...args);
    if (!got) refused++;
    return got;
  } };
  const clock = () => new Date();
  const here = new UserTurns({ lease: { leases: counted, holder: 'replica-a', clock }, pollMs: 5 });
  const there = new UserTurns({ lease: { leases: counted, holder: 'replica-b', clock }, pollMs: 5 });
  const log: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const first = here.run('U1', async () => {
    log.push('start a');
    await gate;
    log.push('end a');
  });
  await until(() => log.length === 1);
  let told = 0;
  const second = there.run('U1', async () => void log.push('start b'), () => told++);
  const other = there.run('U2', async () => void log.push('start other user'));
  await other;
  await until(() => refused > 0);
  assert.equal(told, 1, 'told once that it waits');
  assert.deepEqual(log, ['start a', 'start other user'], 'b waits for a; another user does not');
  open();
  await Promise.all([first, second]);
  assert.deepEqual(log, ['start a', 'start other user', 'end a', 'start b']);
  assert.equal(await leases.current('ask:U1', Date.now()), null, 'given up after each turn');
});

/** Resolves once `cond` holds (checked after each turn of the event loop). */
function until(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (cond() ? resolve() : setImmediate(check));
    check();
  });
}
