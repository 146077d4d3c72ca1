// Model text for Slack's Markdown fields (the streaming API's `markdown_text`, docs/PROVIDERS.md
// §5), escaped piece by piece as the answer streams in. Slack renders the message again after
// every streaming call, so what has been sent must be safe as it stands, at every call, and
// the whole answer too. Safe means (docs/ARCHITECTURE.md §4): no Slack markup (&, < and > become
// entities, which also rules out Markdown autolinks and HTML), and no Markdown link or image,
// whatever the model wrote: a `(` or `:` that follows a `]` gets a backslash.
//
// Inside code nothing is parsed, and a backslash would show, so code is left as it is, but only
// where a CommonMark reader is certain to see code at every render:
// - a fenced block whose opening line starts in the first four columns (``` or ~~~, held until
//   its line is complete). A line in it less indented than its fence gets a closing fence put in
//   front (a list item may have ended there), and a closing line is re-indented to the opening
//   one's column, so that the block ends where a reader ends it;
// - a code span opened and closed on one line (held until it is closed, at most HOLD_MAX
//   characters; `]:` in it is escaped all the same, as a link reference definition ignores spans).
// Every other backtick run is escaped, and so is the first tilde of a run of three or more, so a
// reader sees no code span or fence that this escaper did not see first.

import { wellFormed } from '../../domain/text.js';

export interface MarkdownEscaper {
  /** The escaped text that is safe to send now (what may change meaning with what follows is held). */
  push(text: string): string;
  /** The rest, at the end of the answer. */
  end(): string;
}

/**
 * The most text held back to decide on a code span or a fence line. It bounds what one push
 * returns: at most 5 × (HOLD_MAX + its input) characters (`&` becomes `&amp;`), and a fence line.
 */
export const HOLD_MAX = 1000;

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;
/** What may stand between `]` and `(` without a lenient reader seeing a link any less: blanks and invisible characters. */
const INVISIBLE = /[ \t\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/;

const entities = (s: string) => s.replace(/[&<>]/g, (c) => ENTITY[c]!);

interface Fence {
  /** The opening run (``` or ~~~, three or more). */
  run: string;
  /** Its column. */
  indent: number;
}

/** End of the run of `ch` starting at `from`. */
function runEnd(s: string, from: number, ch: string): number {
  let i = from;
  while (s[i] === ch) i++;
  return i;
}

/** Leading blanks of `s`: where they end, and the column reached (tabs stop every 4 columns). */
function leading(s: string): { end: number; col: number } {
  let end = 0;
  let col = 0;
  for (; end < s.length; end++) {
    if (s[end] === ' ') col++;
    else if (s[end] === '\t') col += 4 - (col % 4);
    else break;
  }
  return { end, col };
}

/** A code span's content: entities, and `]:` (and `](` where a table cell may end inside the span, at a `|`) escaped. */
function spanContent(s: string): string {
  const pipe = s.includes('|');
  let out = '';
  let bracket = false;
  for (const c of s) {
    if (bracket && (c === ':' || (pipe && c === '('))) out += '\\';
    out += ENTITY[c] ?? c;
    bracket = c === ']' || (bracket && INVISIBLE.test(c));
  }
  return out;
}

export function createMarkdownEscaper(): MarkdownEscaper {
  /** Input not decided on yet; `\r\n` and `\r` already made `\n`. */
  let buf = '';
  /** A high surrogate that ended the last push: its low half may come next. */
  let carry = '';
  /** The last push ended with `\r`: a `\n` starting the next one belongs to it. */
  let dropLf = false;
  let fence: Fence | null = null;
  /** `buf` starts a line (in a fence: a line not yet known to be content). */
  let lineStart = true;
  let afterBracket = false;
  let inTildeRun = false;
  let out = '';

  /** Input ending at the current line's `\n` (-1: not known yet). */
  const lineEnd = (final: boolean) => {
    const nl = buf.indexOf('\n');
    return nl !== -1 ? nl : final ? buf.length : -1;
  };
  const consume = (n: number) => void (buf = buf.slice(n));

  /** At the start of a line outside code: a fence opening, or else inline text. False: wait for more. */
  const lineOutside = (final: boolean): boolean => {
    const end = lineEnd(final);
    const notFence = () => {
      lineStart = false;
      return true;
    };
    if (end === -1 && buf.length > HOLD_MAX) return notFence();
    const ws = leading(buf);
    if (ws.col > 3) return notFence();
    if (ws.end === buf.length) return end === -1 ? false : notFence();
    const ch = buf[ws.end]!;
    if (ch !== '`' && ch !== '~') return notFence();
    const e = runEnd(buf, ws.end, ch);
    if (e === buf.length && end === -1) return false;
    if (e - ws.end < 3) return notFence();
    // A backtick fence's info string has no backtick.
    if (ch === '`' && buf.slice(e, end === -1 ? buf.length : end).includes('`')) return notFence();
    if (end === -1) return false;
    if (end > HOLD_MAX) return notFence();
    out += buf.slice(0, e) + entities(buf.slice(e, end));
    fence = { run: buf.slice(ws.end, e), indent: ws.col };
    if (end < buf.length) out += '\n';
    consume(end + 1);
    return true;
  };

  /** At the start of a line inside a fence: blank, closing, less indented (close first), or content. */
  const lineInFence = (f: Fence, final: boolean): boolean => {
    const end = lineEnd(final);
    const ws = leading(buf);
    const closeFence = (line: string, through: number) => {
      out += line;
      consume(through);
      fence = null;
      afterBracket = false;
      return true;
    };
    if (ws.end === buf.length && end === -1) {
      if (ws.col <= f.indent + 3) return false;
      lineStart = false; // blanks past any closing line's indentation: content
      return true;
    }
    if (ws.end === end) {
      out += buf.slice(0, end) + (end < buf.length ? '\n' : '');
      consume(end + 1);
      return true;
    }
    const ch = buf[ws.end]!;
    if (ch === f.run[0] && ws.col <= f.indent + 3) {
      const e = runEnd(buf, ws.end, ch);
      const closing = ' '.repeat(f.indent) + buf.slice(ws.end, e);
      // What may be a closing line is held at most HOLD_MAX characters; past that, the fence is
      // closed there (the line's held characters are dropped: a run of fence characters or blanks).
      const forced = `${' '.repeat(f.indent)}${f.run}\n`;
      if (e === buf.length && end === -1) return e > HOLD_MAX ? closeFence(forced, e) : false;
      if (e - ws.end >= f.run.length) {
        let t = e;
        while (buf[t] === ' ' || buf[t] === '\t') t++;
        if (t === buf.length && end === -1) return t > HOLD_MAX ? closeFence(forced, t) : false;
        if (t === end) return closeFence(closing + (end < buf.length ? '\n' : ''), end + 1);
      }
    }
    // Less indented than the fence: a list item holding the fence may end here; end the fence
    // so that every reader does, and read the line as text.
    if (ws.col < f.indent) {
      out += `${' '.repeat(f.indent)}${f.run}\n`;
      fence = null;
      return true;
    }
    lineStart = false;
    return true;
  };

  /** Fence content up to the end of its line. */
  const contentInFence = (): boolean => {
    const nl = buf.indexOf('\n');
    const n = nl === -1 ? buf.length : nl + 1;
    out += entities(buf.slice(0, n));
    consume(n);
    if (nl !== -1) lineStart = true;
    return true;
  };

  /** A backtick run at `p`: a code span closed on this line (index after it), -1 (no span: escape the run), or null (wait). */
  const codeSpan = (p: number, final: boolean): number | null => {
    const open = runEnd(buf, p, '`');
    const n = buf.length;
    if (open === n && !final && open - p <= HOLD_MAX) return null;
    const waitOrGiveUp = () => (!final && n - p <= HOLD_MAX ? null : -1);
    for (let q = open; ; ) {
      while (q < n && buf[q] !== '`' && buf[q] !== '\n') q++;
      if (q === n) return waitOrGiveUp();
      if (buf[q] === '\n') return -1;
      const close = runEnd(buf, q, '`');
      if (close === n && !final) return waitOrGiveUp();
      if (close - p > HOLD_MAX) return -1;
      if (close - q === open - p) {
        out += buf.slice(p, open) + spanContent(buf.slice(open, q)) + buf.slice(q, close);
        return close;
      }
      q = close;
    }
  };

  /** Text outside code, to the end of the line or as far as it can be decided. */
  const inline = (final: boolean): boolean => {
    let p = 0;
    let done = false;
    const n = buf.length;
    scan: while (p < n) {
      const c = buf[p]!;
      if (c !== '~') inTildeRun = false;
      switch (c) {
        case '\n':
          out += '\n';
          p++;
          lineStart = true;
          afterBracket = false;
          done = true;
          break scan;
        case '\\': {
          if (p + 1 === n && !final) break scan;
          const d = buf[p + 1];
          // A backslash escape stays one (before &, < and >, the entity alone says the same).
          if (d !== undefined && ASCII_PUNCTUATION.test(d)) {
            out += ENTITY[d] ?? `\\${d}`;
            p += 2;
          } else {
            out += '\\';
            p++;
          }
          afterBracket = false;
          break;
        }
        case '`': {
          const next = codeSpan(p, final);
          if (next === null) break scan;
          if (next === -1) {
            const e = runEnd(buf, p, '`');
            out += '\\`'.repeat(e - p);
            p = e;
          } else p = next;
          afterBracket = false;
          break;
        }
        case '~': {
          if (inTildeRun) {
            out += '~';
            p++;
            break;
          }
          const e = runEnd(buf, p, '~');
          if (e - p < 3 && e === n && !final) break scan;
          out += e - p >= 3 ? `\\${buf.slice(p, e)}` : buf.slice(p, e);
          inTildeRun = e - p >= 3;
          p = e;
          afterBracket = false;
          break;
        }
        case ']':
          out += ']';
          p++;
          afterBracket = true;
          break;
        default:
          if (afterBracket && (c === '(' || c === ':')) out += '\\';
          out += ENTITY[c] ?? c;
          p++;
          if (!INVISIBLE.test(c)) afterBracket = false;
      }
    }
    consume(p);
    return done;
  };

  const run = (text: string, final: boolean): string => {
    let s = carry + text;
    carry = '';
    if (dropLf && s) {
      if (s[0] === '\n') s = s.slice(1);
      dropLf = false;
    }
    const last = s.charCodeAt(s.length - 1);
    if (!final && last >= 0xd800 && last <= 0xdbff) {
      carry = s.slice(-1);
      s = s.slice(0, -1);
    }
    if (s.endsWith('\r')) dropLf = true;
    buf += wellFormed(s).replace(/\r\n?/g, '\n');
    out = '';
    for (let progress = true; progress && buf; ) {
      if (fence) progress = lineStart ? lineInFence(fence, final) : contentInFence();
      else progress = lineStart ? lineOutside(final) : inline(final);
    }
    return out;
  };

  return { push: (text) => run(text, false), end: () => run('', true) };
}

/** A whole text escaped for a Markdown field (see createMarkdownEscaper). */
export function escapeMarkdown(text: string): string {
  const e = createMarkdownEscaper();
  return e.push(text) + e.end();
}
