// Server-sent events, decoded incrementally from text as it arrives, with the rules the openai
// SDK applies (and the WHATWG spec): lines end in \n, \r\n or \r; a blank line dispatches the
// event; `data:` lines join with \n; `:` lines are comments (keep-alives); one space after the
// colon is dropped; an event cut off by the end of the stream is not dispatched; a byte order mark
// at the start of the stream is dropped (node:http's utf8 decoding keeps it, TextDecoder does not).

export interface SseEvent {
  event: string | null;
  data: string;
}

export class SseDecoder {
  private rest = '';
  private data: string[] = [];
  private event: string | null = null;
  /** Whether the previous piece ended in \r (its \n may start the next piece). */
  private pendingCR = false;
  private started = false;

  /** Decodes a piece of text; complete events are appended to `out`. */
  push(text: string, out: SseEvent[]): void {
    if (text.length === 0) return;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length === 0) return;
    }
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.startsWith('\n')) text = text.slice(1);
    }
    let s = this.rest.length > 0 ? this.rest + text : text;
    if (s.includes('\r')) {
      // A final \r ends its line now; a \n starting the next piece belongs to it.
      this.pendingCR = s.endsWith('\r');
      s = s.replace(/\r\n?/g, '\n');
    }
    let start = 0;
    for (let nl = s.indexOf('\n'); nl !== -1; nl = s.indexOf('\n', start)) {
      this.line(s.slice(start, nl), out);
      start = nl + 1;
    }
    this.rest = start === 0 ? s : s.slice(start);
  }

  /** The end of the stream: an event without its blank line is dropped. */
  end(): void {
    this.rest = '';
    this.data = [];
    this.event = null;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      // As the SDK: an empty `event:` alone dispatches nothing either.
      if (!this.event && this.data.length === 0) return;
      out.push({ event: this.event, data: this.data.length === 1 ? this.data[0]! : this.data.join('\n') });
      this.event = null;
      this.data = [];
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }
}
