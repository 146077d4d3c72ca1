// Small helpers for text shown to people. Lengths are UTF-16 units (what String#length counts and
// what Slack's limits are measured against, at worst), but a cut never falls inside a character:
// not between the two halves of a surrogate pair, and not inside a grapheme cluster (an emoji
// with its skin tone or ZWJ sequence, a flag, a letter with its combining marks).

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The text with each lone UTF-16 surrogate (half an emoji, e.g. from a model's JSON escapes) replaced by U+FFFD. */
export function wellFormed(text: string): string {
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\uFFFD') : text;
}

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/**
 * The largest index ≤ `at` where `text` may be cut: a grapheme cluster boundary. When the first
 * cluster alone is longer than `at` (a letter with thousands of combining marks), a code point
 * boundary instead, so that a cut always moves forward.
 */
export function cutIndex(text: string, at: number): number {
  if (at >= text.length) return text.length;
  if (at <= 0) return 0;
  const start = graphemes.segment(text).containing(at)!.index;
  if (start > 0) return start;
  return isLow(text.charCodeAt(at)) && isHigh(text.charCodeAt(at - 1)) ? at - 1 : at;
}

/** At most `max` UTF-16 units of the start of `text`, cut between characters. */
export function cutText(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, cutIndex(text, max));
}

/** Keeps echoed user input short in error messages. */
export function truncateForMessage(s: string, max = 40): string {
  return s.length > max ? `${cutText(s, max)}…` : s;
}

/** "1 row", "2,000 rows". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * C0 and C1 control characters and DEL: in a name they would reach terminals raw (an escape
 * sequence recolours or rewrites the screen, BEL rings) and break table alignment.
 */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROLS_BUT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** Text with control characters other than tab, newline and carriage return made visible as U+FFFD. */
export const withoutControls = (text: string): string => text.replace(CONTROLS_BUT_LAYOUT, '\uFFFD');

/** "U+001B" for the first control character in `text`. */
export function firstControl(text: string): string {
  const m = CONTROL_CHARS.exec(text);
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : '';
}

/** Control and bidirectional-override characters: shown text never breaks a line or reads reordered (\u202Eevil is not "live"). */
const HIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `s` with its control and bidi-override characters replaced by `by`. */
export const withoutHiddenChars = (s: string, by = ''): string => s.replace(HIDDEN_CHARS, by);
