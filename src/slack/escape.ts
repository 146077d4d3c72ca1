// Text that the bot did not write itself must never become Slack markup: escaping &, < and >
// turns <!channel>, <!here>, <@U…> and <url|label> into inert text (Slack's own rule).
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to Slack's per-field limits, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
