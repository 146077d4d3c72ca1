// The text of a gateway key and what may be kept of it (docs/ARCHITECTURE.md §3.1 `keys`): `ro_`
// and 40 random base62 characters (~238 bits), shown once; the store keeps its SHA-256 and its
// first characters only. Randomness is passed in (node:crypto's by default) so tests can fix it.
import { createHash, randomBytes } from 'node:crypto';

export const KEY_START = 'ro_';
const RANDOM_CHARS = 40;
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** What a key looks like; anything else is refused before any look-up. */
const KEY_FORM = /^ro_[A-Za-z0-9]{32,128}$/;
/** Characters of the key kept for display: "ro_" and 4 more. */
const PREFIX_LENGTH = 7;

/** A new key. Bytes of 248 and above are skipped so each character is uniform over 62. */
export function newKeyText(random: (n: number) => Uint8Array = randomBytes): string {
  let out = KEY_START;
  while (out.length < KEY_START.length + RANDOM_CHARS) {
    for (const b of random(RANDOM_CHARS)) {
      if (b < 248 && out.length < KEY_START.length + RANDOM_CHARS) out += BASE62[b % 62];
    }
  }
  return out;
}

export const keyHash = (key: string): string => createHash('sha256').update(key).digest('hex');

export const keyPrefix = (key: string): string => key.slice(0, PREFIX_LENGTH);

/** How a key is named to people: its prefix and an ellipsis, never more. */
export const shownPrefix = (prefix: string): string => `${prefix}…`;

export const looksLikeKey = (text: string): boolean => KEY_FORM.test(text);

const NAME_FORM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SLACK_USER_ID = /^[UW][A-Z0-9]{6,}$/;

/** Why `name` cannot name a key, or null when it can. */
export function keyNameProblem(name: string): string | null {
  if (!NAME_FORM.test(name)) return 'a key name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. checkout-service)';
  // Gateway rows carry the key name as the ledger's user (docs/ARCHITECTURE.md §3.5), beside Slack user ids.
  if (SLACK_USER_ID.test(name)) return 'a key name must not look like a Slack user id (its spend would mix with that user\'s); e.g. checkout-service';
  return null;
}
