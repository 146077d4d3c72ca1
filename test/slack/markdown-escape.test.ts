// Escaping model text for Slack's Markdown fields (the streamed /ask answer), checked with the
// CommonMark reference parser as the oracle: no link, image, autolink or HTML the bot did not
// write, in the whole answer and in what was sent after every push (Slack renders the message
// after each streaming call), and code left as the model wrote it where a reader sees code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMarkdownEscaper, escapeMarkdown, HOLD_MAX } from '../../src/adapters/slack/markdown-escape.js';
import { codeTexts, liveMarkup, renderedText } from '../support/markdown-oracle.js';
import { prng } from '../support/ledger-fixtures.js';

/** Hostile answers: each would put a live link (or Slack markup) on screen if escaped naively. */
const CORPUS = [
  '`[x](https://evil.example/1)',
  'text ```[x](https://evil.example/2)',
  'a ` b\nc ` [x](https://evil.example/3) `',
  '``` foo ``` [x](https://evil.example/4)',
  '```js`\n[x](https://evil.example/5)\n```',
  '- ```\n  code\n```\n[x](https://evil.example/6)',
  '1. Run:\n   ```bash\nnpm i\n   ```\n[x](https://evil.example/7)',
  '- ~~~\n  ```\n  [x](https://evil.example/8)\n  ~~~\n  [y](https://evil.example/9)',
  '    ```\n[x](https://evil.example/10)\n```\n[z](https://evil.example/11)',
  'para\n    ```\n    [x](https://evil.example/12)',
  '[[x](https://evil.example/13)](https://evil.example/14)',
  '[x [y](https://evil.example/15)]',
  '![img](https://evil.example/16.png)',
  '<https://evil.example/17>',
  '<https://evil.example/18|click here>',
  '<!channel> <!here> <@U0CEO> <#C0GENERAL> <!subteam^S0ADMIN>',
  '&lt;https://evil.example/19&gt; &#91;x&#93;(https://evil.example/20) &lbrack;x&rbrack;(https://evil.example/21)',
  '[x]\u200b(https://evil.example/22) [y]\u2060(https://evil.example/23) [z] (https://evil.example/24)',
  '[x](https://evil.example/25\n) [y\nz](https://evil.example/26)',
  '[x][1]\n\n[1]: https://evil.example/27',
  '[x]\n\n   [x]: https://evil.example/28 "title"',
  '[`x]: https://evil.example/29`\n\n[`x]',
  '[a`]: https://evil.example/30 "t`"\n\n[a`]',
  '\\`[x](https://evil.example/31)`',
  '\\\\`[x](https://evil.example/32)`',
  '`a\\`[x](https://evil.example/33)',
  '| a | `b | [x](https://evil.example/34) | c` |\n|---|---|---|---|',
  '~~~\n[x](https://evil.example/35)\n~~~ [y](https://evil.example/36)\n[z](https://evil.example/37)',
  '````\n```\n[x](https://evil.example/38)\n````\n[y](https://evil.example/39)',
  '```\n[x](https://evil.example/40)\n      ```\n[y](https://evil.example/41)',
  '  ```\n[x](https://evil.example/42)\n```',
  '```\r\n[x](https://evil.example/43)\r\n```\r\n[y](https://evil.example/44)\r[z](https://evil.example/45)',
  '\t```\n[x](https://evil.example/46)',
  '> [x](https://evil.example/47)\n> ```\n> [y](https://evil.example/48)',
  '[^1]: https://evil.example/49\n\nsee [^1]',
  '``\n[x](https://evil.example/50)\n``',
  '`` ` `` [x](https://evil.example/51)',
  '*[x](https://evil.example/52)* **[y](https://evil.example/53)**',
  '# [x](https://evil.example/54)\nSetext [y](https://evil.example/55)\n===',
  '<div>\n[x](https://evil.example/56)\n</div>',
  '[x](<https://evil.example/57>)',
  '[x]: <https://evil.example/58>\n[x]',
  '\ud83d[x](https://evil.example/59)\ude00',
  '1. a\n   - b\n     ```\n     [x](https://evil.example/60)\n   ```\n   [y](https://evil.example/61)',
  '```\n[x](https://evil.example/62)\n```   \n[y](https://evil.example/63)',
  '~~~~~\n[x](https://evil.example/64)',
  '[x](https://evil.example/65 "t") [y]( https://evil.example/66 )',
];

function assertInert(escaped: string, what: string): void {
  assert.deepEqual(liveMarkup(escaped), [], `${what}\n--- sent ---\n${escaped}`);
}

/** Feeds `pieces` one push at a time; checks what was sent so far after each; returns it all. */
function streamChecked(pieces: string[], what: string): string {
  const e = createMarkdownEscaper();
  let sent = '';
  for (const [i, piece] of pieces.entries()) {
    sent += e.push(piece);
    assertInert(sent, `${what}, after push ${i + 1} of ${pieces.length}`);
  }
  sent += e.end();
  assertInert(sent, `${what}, at the end`);
  return sent;
}

test('an unmatched backtick or a mid-line ``` before a link leaves the link inert', () => {
  for (const answer of ['`[x](https://evil.example)', 'text ```[x](https://evil.example)', 'run `npm i` then `[docs](https://evil.example)']) {
    const sent = escapeMarkdown(answer);
    assertInert(sent, answer);
    assert.match(renderedText(sent), /\[(x|docs)\]\(https:\/\/evil\.example\)/, 'the reader sees the link text and where it pointed');
  }
});

test('a corpus of hostile answers: nothing live, whole, cut in two anywhere, or fed a character at a time; the target stays visible', () => {
  for (const answer of CORPUS) {
    const whole = escapeMarkdown(answer);
    assertInert(whole, JSON.stringify(answer));
    for (const target of answer.match(/evil\.example\/\d+/g) ?? []) assert.ok(renderedText(whole).includes(target), `${target} is shown as text in ${JSON.stringify(whole)}`);
    for (let i = 0; i <= answer.length; i++) {
      assert.equal(streamChecked([answer.slice(0, i), answer.slice(i)], `${JSON.stringify(answer)} cut at ${i}`), whole, 'the same text however it arrives');
    }
    assert.equal(streamChecked([...answer], `${JSON.stringify(answer)} a character at a time`), whole);
  }
});

const HOSTILE_PIECES = [
  'See ', 'the docs ', '[Reset your SSO](https://evil.example/a)', '`', '``', '```', '```js\n', '\n```\n', '~~~', '\n~~~\n',
  '[x]', '(https://evil.example/b)', ': https://evil.example/c', '[1]', '\n[1]: https://evil.example/d\n', '\n', '\n\n', '  ', '    ',
  '- ', '1. ', '   ', '<https://evil.example/e>', '<https://evil.example/f|click>', '<!channel>', '<@U0CEO>', '&lt;', '&#91;',
  '\\', '\\`', '![img](https://evil.example/g.png)', '\u200b', '|', '# ', '> ', '[', ']', '(', ')', ':', 'https://evil.example/h',
  '`code [a](https://evil.example/i)`', '\r\n', '\r', '\t', '😀', '👩‍💻', '🇫🇷', '\ud83d', '*', '_',
];

test('streamed answers built from hostile pieces: what was sent is inert after every push, and the same as escaping the whole answer', () => {
  const rand = prng(20261123);
  for (let n = 0; n < 300; n++) {
    const answer = Array.from({ length: 5 + Math.floor(rand() * 40) }, () => HOSTILE_PIECES[Math.floor(rand() * HOSTILE_PIECES.length)]!).join('');
    const pushes: string[] = [];
    for (let i = 0; i < answer.length; ) {
      const size = n % 3 === 0 ? 1 : 1 + Math.floor(rand() * 12);
      pushes.push(answer.slice(i, i + size));
      i += size;
    }
    assert.equal(streamChecked(pushes, `answer ${n} ${JSON.stringify(answer)}`), escapeMarkdown(answer), `answer ${n}: the same text however it arrives`);
  }
});

test('code stays as the model wrote it where every reader sees code: fences in the first columns, list fences, one-line spans', () => {
  const unchanged = [
    '```py\nif a[0]:\n    f[1](2)   # [x](y)\n```\nDone.',
    '~~~\nxs[0](1) and `odd ticks\n~~~',
    '1. Install:\n   ```bash\n   npm i; echo "[ok](done)"\n   ```\n2. Run it.',
    '- Call:\n  ```js\n  handlers[name](event);\n  ```',
    'Use `handlers[name](event)` or ``a ` b`` and `[text](url)` for links.',
    '````md\n```js\n[x](y)\n```\n````',
    'Shell: `echo $HOME | tr a-z A-Z`',
  ];
  for (const answer of unchanged) {
    const sent = escapeMarkdown(answer);
    assert.equal(sent, answer, `left as it is: ${JSON.stringify(answer)}`);
    assertInert(sent, answer);
  }
  assert.deepEqual(codeTexts(escapeMarkdown('- Call:\n  ```js\n  handlers[name](event);\n  ```')), ['handlers[name](event);\n']);
  // Outside code a backslash goes in where a link would start; a reader does not see it.
  assert.equal(escapeMarkdown('[a](b) ![i](c) [r]: d'), '[a]\\(b) ![i]\\(c) [r]\\: d');
  assert.equal(renderedText(escapeMarkdown('[a](b)')), '[a](b)');
  // Entities: Slack's own escaping, in code too (Slack reads them before Markdown).
  assert.equal(escapeMarkdown('a < b && `c > d`'), 'a &lt; b &amp;&amp; `c &gt; d`');
});

test('a fence whose list item ends is closed there, so code and text are where every reader puts them', () => {
  const answer = '1. Run:\n   ```bash\nnpm i [x](https://evil.example)\n   ```\nthen [y](https://evil.example)';
  const sent = escapeMarkdown(answer);
  assertInert(sent, answer);
  // (The model's closing fence, seen after the text, opens a block; the next line, less indented, closes it.)
  assert.equal(sent, '1. Run:\n   ```bash\n   ```\nnpm i [x]\\(https://evil.example)\n   ```\n   ```\nthen [y]\\(https://evil.example)');
  // A closing fence is moved to its opening fence's column, where it closes for every reader.
  assert.equal(escapeMarkdown('- a\n  ```\n  x\n```\n[y](z)'), '- a\n  ```\n  x\n  ```\n[y]\\(z)');
});

test("mentions, Slack links and HTML from the model stay inert (as mrkdwn's escaping does)", () => {
  assert.equal(escapeMarkdown('<!here> & <@U1> <https://evil.example|click>'), '&lt;!here&gt; &amp; &lt;@U1&gt; &lt;https://evil.example|click&gt;');
  assert.equal(escapeMarkdown('\\<!here\\>'), '&lt;!here&gt;', 'an escaped < is the entity alone');
});

test('lone surrogates become U+FFFD; an emoji split between two pushes arrives whole', () => {
  assert.equal(escapeMarkdown('a\ud83d b \ude00c'), 'a\ufffd b \ufffdc');
  const e = createMarkdownEscaper();
  assert.equal(e.push('smile \ud83d'), 'smile ');
  assert.equal(e.push('\ude00!') + e.end(), '\ud83d\ude00!');
  const f = createMarkdownEscaper();
  assert.equal(f.push('cut \ud83d') + f.end(), 'cut \ufffd', 'a half left at the end is replaced');
});

test('holding back is bounded: a code span never closed, or a long fence line, is decided after HOLD_MAX characters', () => {
  const e = createMarkdownEscaper();
  assert.equal(e.push('`'), '');
  const sent = e.push(`[x](https://evil.example) ${'y'.repeat(HOLD_MAX)}`);
  assert.ok(sent.startsWith('\\`[x]\\(https://evil.example)'), 'the backtick is escaped and the text sent');
  assertInert(sent + e.end(), 'unclosed span');
  // A closed span longer than HOLD_MAX is not a span for the escaper: its backticks are escaped.
  assert.equal(escapeMarkdown(`\`${'a'.repeat(HOLD_MAX)}\``), `\\\`${'a'.repeat(HOLD_MAX)}\\\``);
  const long = `\`\`\`${'i'.repeat(HOLD_MAX + 5)}\n[x](y)`;
  assertInert(escapeMarkdown(long), 'a fence line longer than HOLD_MAX');
  const g = createMarkdownEscaper();
  assert.ok(g.push(long.slice(0, HOLD_MAX + 2)).length > 0, 'a fence line is not held past HOLD_MAX');
});
