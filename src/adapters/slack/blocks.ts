// Reply -> Block Kit. Limits from docs/PROVIDERS.md §5: 50 blocks, 3000 chars per section text, one
// table (≤100 rows × ≤20 cells), header text ≤150 chars.
import type { types } from '@slack/bolt';

type KnownBlock = types.KnownBlock;
import type { Reply } from '../../domain/reply.js';
import { cutIndex, cutText } from '../../domain/text.js';
import { clip, escapeMrkdwn } from './escape.js';

const MAX_BLOCKS = 50;
const SECTION_TEXT_MAX = 3000;
const FIELD_TEXT_MAX = 2000;
const TABLE_MAX_ROWS = 100;
const TABLE_MAX_CELLS = 20;

const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text: clip(text, SECTION_TEXT_MAX) });

/** Splits text into pieces of at most `max` chars, preferring paragraph, then line, then word breaks; never inside a character. */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = window.lastIndexOf('\n\n');
    if (cut < max / 2) cut = window.lastIndexOf('\n');
    if (cut < max / 2) cut = window.lastIndexOf(' ');
    // Never cut inside an escape like &amp;
    if (cut < max / 2) {
      cut = max;
      const amp = window.lastIndexOf('&');
      if (amp > max - 6 && !window.slice(amp).includes(';')) cut = amp;
    }
    cut = cutIndex(rest, cut) || cut;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest) parts.push(rest);
  return parts;
}

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export function renderBlocks(reply: Reply): SlackMessage {
  const blocks: KnownBlock[] = [];
  if (reply.title) blocks.push({ type: 'header', text: { type: 'plain_text', text: clip(reply.title, 150) } });
  if (reply.summary) blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(reply.summary)) });
  for (const part of splitText(escapeMrkdwn(reply.body ?? ''), SECTION_TEXT_MAX)) blocks.push({ type: 'section', text: mrkdwn(part) });
  for (const s of reply.sections ?? []) {
    if (s.heading || s.text) {
      const head = s.heading ? `*${escapeMrkdwn(s.heading)}*` : '';
      const body = s.text ? escapeMrkdwn(s.text) : '';
      blocks.push({ type: 'section', text: mrkdwn([head, body].filter(Boolean).join('\n')) });
    }
    const fields = s.fields ?? [];
    for (let i = 0; i < fields.length; i += 10) {
      blocks.push({
        type: 'section',
        fields: fields.slice(i, i + 10).map((f) => ({ type: 'mrkdwn' as const, text: clip(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, FIELD_TEXT_MAX) })),
      });
    }
  }
  if (reply.table) {
    const t = reply.table;
    const cell = (text: string) => ({ type: 'raw_text' as const, text: text === '' ? ' ' : text });
    const rows = [t.columns.map((c) => c.header), ...t.rows, ...(t.footerRows ?? [])]
      .slice(0, TABLE_MAX_ROWS)
      .map((r) => r.slice(0, TABLE_MAX_CELLS).map(cell));
    blocks.push({
      type: 'table',
      column_settings: t.columns.slice(0, TABLE_MAX_CELLS).map((c) => ({ align: c.align ?? 'left' })),
      rows,
    });
  }
  // Each decision takes two blocks; those that do not fit in Slack's 50 (the footer and a note kept)
  // are named instead, so a button is never silently cut off.
  const decisions = reply.decisions ?? [];
  const room = Math.max(0, Math.floor((MAX_BLOCKS - blocks.length - (reply.footer ? 1 : 0) - 1) / 2));
  const shown = decisions.length > room ? decisions.slice(0, room) : decisions;
  for (const d of shown) {
    blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(d.text)) });
    blocks.push({
      type: 'actions',
      block_id: d.id,
      elements: d.choices.map((c) => ({ type: 'button' as const, action_id: c.action, value: c.value, text: { type: 'plain_text' as const, text: clip(c.label, 75) }, ...(c.style ? { style: c.style } : {}) })),
    });
  }
  const left = decisions.length - shown.length;
  if (left > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${left} more decision${left === 1 ? '' : 's'} without buttons here (too many for one message): see the text above for how to decide them` }] });
  if (reply.footer) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escapeMrkdwn(reply.footer), SECTION_TEXT_MAX) }] });
  // The notification/fallback text: title and summary only, escaped like the rest.
  const text = escapeMrkdwn([reply.title, reply.summary].filter(Boolean).join(': ') || cutText(reply.body ?? '', 300));
  return { text: clip(text, 3000), blocks: blocks.slice(0, MAX_BLOCKS) };
}
