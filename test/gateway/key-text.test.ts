// The text of a gateway key (src/features/gateway/key-text.ts): ro_ and 40 base62 characters,
// each uniform (bytes 248-255 are skipped rather than folded onto the first characters).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyHash, keyPrefix, looksLikeKey, newKeyText } from '../../src/features/gateway/key-text.js';

test('a new key is ro_ and 40 base62 characters; bytes 248 and above are skipped, not folded onto A-H', () => {
  let calls = 0;
  // 0 → A, 61 → 9, 62 → A again (62 mod 62), 248-255 skipped; the rest from a second draw.
  const random = (n: number) => (calls++ === 0 ? Uint8Array.from([248, 0, 255, 61, 62, 250]) : new Uint8Array(n).fill(27));
  const key = newKeyText(random);
  assert.equal(key, `ro_A9A${'b'.repeat(37)}`);
  assert.ok(looksLikeKey(key));
  assert.equal(keyPrefix(key), 'ro_A9Ab');
  assert.match(keyHash(key), /^[0-9a-f]{64}$/);
  const real = newKeyText();
  assert.match(real, /^ro_[A-Za-z0-9]{40}$/);
  assert.notEqual(real, newKeyText());
  for (const bad of ['ro_short', `sk_${'a'.repeat(40)}`, `ro_${'a'.repeat(39)}!`]) assert.equal(looksLikeKey(bad), false, bad);
});
