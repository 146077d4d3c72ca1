import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserTurns } from '../../src/features/ask/user-turns.js';

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
