// The test oracle for Markdown escaping: the CommonMark reference parser (commonmark.js) reads
// what routeops would send to a Slack Markdown field, and says which live markup it finds.
import { Parser } from 'commonmark';

const parser = new Parser();

/**
 * What a Markdown reader would make live in `markdown`: every link and image (autolinks are
 * links too) with its destination, raw HTML, and any `<` or `>` (Slack's own `<url|text>`,
 * `<!channel>` and `<@U…>` markup needs them). Empty when nothing is live.
 */
export function liveMarkup(markdown: string): string[] {
  const found: string[] = [];
  const walker = parser.parse(markdown).walker();
  for (let step = walker.next(); step; step = walker.next()) {
    if (!step.entering) continue;
    const node = step.node;
    if (node.type === 'link' || node.type === 'image') found.push(`${node.type} to ${node.destination ?? ''}`);
    else if (node.type === 'html_inline' || node.type === 'html_block') found.push(`${node.type} ${node.literal ?? ''}`);
  }
  if (/[<>]/.test(markdown)) found.push('a raw < or > (Slack markup)');
  return found;
}

/** The literal text of every code span and code block in `markdown`, in order. */
export function codeTexts(markdown: string): string[] {
  const found: string[] = [];
  const walker = parser.parse(markdown).walker();
  for (let step = walker.next(); step; step = walker.next()) {
    if (step.entering && (step.node.type === 'code' || step.node.type === 'code_block')) found.push(step.node.literal ?? '');
  }
  return found;
}

/** The text a reader sees (text and code, markup gone), lines joined with \n. */
export function renderedText(markdown: string): string {
  let text = '';
  const walker = parser.parse(markdown).walker();
  for (let step = walker.next(); step; step = walker.next()) {
    if (!step.entering) continue;
    const node = step.node;
    if (node.type === 'text' || node.type === 'code' || node.type === 'code_block') text += node.literal ?? '';
    else if (node.type === 'softbreak' || node.type === 'linebreak') text += '\n';
    else if (node.type === 'paragraph' || node.type === 'heading') text += text && !text.endsWith('\n') ? '\n' : '';
  }
  return text;
}
