import { cutText, wellFormed } from '../../domain/text.js';

// Text that the bot did not write itself must never become Slack markup: escaping &, < and >
// turns <!channel>, <!here>, <@U…> and <url|label> into inert text (Slack's own rule). mrkdwn has
// no other link syntax: a bare URL is shown as itself. Lone surrogates become U+FFFD.
export function escapeMrkdwn(text: string): string {
  return wellFormed(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to Slack's per-field limits, marking the cut; never inside a character or an escape such as &amp;. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = cutText(text, max - 1);
  const entity = /&[a-z]{0,4}$/.exec(cut);
  return `${entity ? cut.slice(0, entity.index) : cut}…`;
}

/**
 * For Slack's Markdown fields (chat.startStream/appendStream/stopStream `markdown_text`), fed the
 * answer piece by piece as it streams: Slack's own markup escaped as above, and Markdown links
 * made inert, so a model cannot write a link whose text hides its target. A `]` that would open
 * an inline link `[label](url)` (images too) or a reference definition `[label]: url` gets a
 * CommonMark backslash escape after it; inside code spans and fences, where links are not parsed
 * and a backslash would show, nothing changes. What ends a piece and could change meaning with
 * what follows (a `]`, a run of backticks) waits for the next piece or end().
 */
export interface MarkdownEscaper {
  /** The escaped text that is safe to send now. */
  push(text: string): string;
  /** The rest, at the end of the answer. */
  end(): string;
}

const MARKDOWN_SPECIAL = /[`\]&<>]/;

export function createMarkdownEscaper(): MarkdownEscaper {
  let held = '';
  let fence = false;
  /** Length of the backtick run that opened the current code span; 0 outside one. */
  let span = 0;
  const run = (text: string, last: boolean): string => {
    let s = held + text;
    held = '';
    if (!last) {
      const tail = /(?:\]|`+)$/.exec(s);
      if (tail) {
        held = tail[0];
        s = s.slice(0, -held.length);
      }
    }
    if (!MARKDOWN_SPECIAL.test(s)) return s;
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      if (c === '`') {
        let j = i + 1;
        while (s[j] === '`') j++;
        const n = j - i;
        if (fence) fence = n < 3;
        else if (span) span = n === span ? 0 : span;
        else if (n >= 3) fence = true;
        else span = n;
        out += s.slice(i, j);
        i = j - 1;
      } else if (c === ']') {
        out += !fence && !span && (s[i + 1] === '(' || s[i + 1] === ':') ? ']\\' : ']';
      } else {
        out += c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c;
      }
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
