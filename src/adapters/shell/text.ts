// Reply -> plain text for the terminal (CLI and shell).
import type { Reply, ReplyTable } from '../../domain/reply.js';
import type { AskStatus } from '../../features/ask/progress.js';

function renderTable(t: ReplyTable): string {
  const all = [t.columns.map((c) => c.header), ...t.rows, ...(t.footerRows ?? [])];
  const widths = t.columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (t.columns[i]?.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(all[0]!), rule, ...t.rows.map(line)];
  if (t.footerRows?.length) out.push(rule, ...t.footerRows.map(line));
  return out.join('\n');
}

export function renderText(reply: Reply): string {
  const parts: string[] = [];
  if (reply.title) parts.push(reply.title);
  if (reply.summary) parts.push(reply.summary);
  if (reply.body) parts.push(reply.body);
  for (const s of reply.sections ?? []) {
    const lines: string[] = [];
    if (s.heading) lines.push(`${s.heading}:`);
    if (s.text) lines.push(s.heading ? s.text.replace(/^/gm, '  ') : s.text);
    const labelWidth = Math.max(0, ...(s.fields ?? []).map((f) => f.label.length));
    for (const f of s.fields ?? []) lines.push(`${f.label.padEnd(labelWidth)}  ${f.value}`);
    parts.push(lines.join('\n'));
  }
  if (reply.table) parts.push(renderTable(reply.table));
  if (reply.footer) parts.push(reply.footer);
  return parts.length ? parts.join('\n\n') + '\n' : '';
}

/** A usage reply as a command line tool prints it: the problem, then "Usage: routeops …". */
export function renderUsage(reply: Reply): string {
  const lines: string[] = [];
  if (reply.summary) lines.push(reply.summary);
  for (const s of reply.sections ?? []) if (s.text) lines.push(s.heading ? `${s.heading}: ${s.text}` : s.text);
  return lines.length ? `${lines.join('\n')}\n` : renderText(reply);
}

export interface TerminalProgressOptions {
  /** Where status lines go (default: with the answer). The CLI keeps them off stdout. */
  status?: (s: string) => void;
  /** A terminal: the waiting line is rewritten in place; otherwise each tick is a line of its own. */
  inPlace?: boolean;
}

/** Erases the line the cursor is on (a status line shown in place). */
const CLEAR_LINE = '\r\x1b[2K';

/**
 * Prints a streamed answer as it arrives; a restart after a fallback is marked, not hidden.
 * Before the answer's first words, what it waits for is shown (src/features/ask/progress.ts):
 * "[waiting for deepseek… 5 s]", and a line when a route is given up for the next.
 */
export function terminalProgress(write: (s: string) => void, opts: TerminalProgressOptions = {}) {
  const writeStatus = opts.status ?? write;
  // In place only where the answer goes too: the line is cleared before the answer is written.
  const inPlace = opts.inPlace === true && opts.status === undefined;
  let printed = '';
  let any = false;
  let statusShown = false;
  const clearStatus = () => {
    if (!statusShown) return '';
    statusShown = false;
    return CLEAR_LINE;
  };
  return {
    update(text: string) {
      const clear = clearStatus();
      if (clear) write(clear);
      if (text.startsWith(printed)) write(text.slice(printed.length));
      else write(`\n[that route failed; answer from the fallback]\n${text}`);
      printed = text;
      any = true;
    },
    status(status: AskStatus | null) {
      // Once the answer is being written, a status line would land inside it.
      if (any) return;
      if (status === null) {
        const clear = clearStatus();
        if (clear) write(clear);
        return;
      }
      const line = `[${status.text}]`;
      if (!inPlace) return writeStatus(`${line}\n`);
      // A fallback stays on screen; the ticks replace one another.
      write(`${CLEAR_LINE}${line}${status.kind === 'fallback' ? '\n' : ''}`);
      statusShown = status.kind === 'waiting';
    },
    shown: () => any,
    text: () => printed,
    /** What erases a status line still shown, to put before the reply. */
    clearStatus,
  };
}

/** What is left to print once a streamed answer has been shown: the rest of it and the footer. */
export function renderAfterProgress(reply: Reply, live: ReturnType<typeof terminalProgress>): string {
  const clear = live.clearStatus();
  if (!live.shown()) return clear + renderText(reply);
  if (reply.body?.startsWith(live.text())) {
    const rest = reply.body.slice(live.text().length);
    // An answer ends with a blank line and its footer; a text shown whole already (the simulator's banner) needs nothing more.
    if (reply.footer === undefined) return rest && `${rest}\n`;
    return `${rest}\n\n${reply.footer}\n`;
  }
  return `\n\n${renderText(reply)}`;
}
