// Text that the bot did not write itself must never become Slack markup: escaping &, < and >
// turns <!channel>, <!here>, <@U…> and <url|label> into inert text (Slack's own rule).
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to Slack's per-field limits, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * For Slack's Markdown fields (chat.startStream/appendStream/stopStream `markdown_text`): Slack's
 * own markup escaped as above, and Markdown links made inert, so a model cannot write a link
 * whose text hides its target: a `]` that would open an inline link `[label](url)` (images too)
 * or a reference definition `[label]: url` is followed by a CommonMark backslash escape. Only
 * that one spot changes; brackets in code (`a[0]`) are left alone.
 */
export function escapeMarkdown(text: string): string {
  return escapeMrkdwn(text).replace(/\](?=[(:])/g, ']\\');
}
