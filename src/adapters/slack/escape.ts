// Text for Slack's mrkdwn fields. Markdown fields (the streaming API) are escaped by
// markdown-escape.ts.
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
