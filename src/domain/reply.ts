// A Reply is what every command returns: transport-neutral, so the Slack, CLI and shell
// adapters can each render it their own way. All text here is plain text, never markup;
// renderers escape it for their medium.
import type { SpendChart } from './chart.js';

export type Align = 'left' | 'right';

export interface ReplyTable {
  columns: Array<{ header: string; align?: Align }>;
  rows: string[][];
  /** Rows (e.g. totals) rendered after a separator. */
  footerRows?: string[][];
}

export interface ReplySection {
  heading?: string;
  text?: string;
  /** Label/value pairs, shown two to a row in Slack. */
  fields?: Array<{ label: string; value: string }>;
}

export interface ReplyFile {
  filename: string;
  title: string;
  mimeType: string;
  content: string;
}

/**
 * A choice a person makes on an item of a result (a price proposal's Apply / Ignore). Slack shows
 * the buttons; terminal adapters ignore it (the text already names the CLI command).
 */
export interface ReplyDecision {
  /** Identifies the item in the rendered message (Slack: the actions block's block_id). */
  id: string;
  text: string;
  choices: Array<{ action: string; label: string; value: string; style?: 'primary' | 'danger' }>;
}

export interface Reply {
  /** 'refusal' and 'usage' are shown only to the caller in Slack. */
  kind: 'result' | 'usage' | 'refusal' | 'error';
  /** Empty for replies that are just an answer (no heading). */
  title: string;
  summary?: string;
  /** Long free text, e.g. a model's answer; split across blocks or messages as needed. */
  body?: string;
  sections?: ReplySection[];
  table?: ReplyTable;
  footer?: string;
  file?: ReplyFile;
  /**
   * A chart of the result, as data (src/domain/chart.ts): Slack uploads it as a PNG after the
   * text, the CLI writes it with --png FILE; text renderers ignore it.
   */
  chart?: SpendChart;
  decisions?: ReplyDecision[];
  /** A result that reports a failure (e.g. a route check that failed): CLI exit code 1. */
  failed?: boolean;
  /** The machine-readable document printed by `--json`. */
  data?: unknown;
}

export const usageReply = (title: string, problem: string, usage: string): Reply => ({
  kind: 'usage',
  title,
  summary: problem,
  sections: [{ heading: 'Usage', text: usage }],
});

export const refusalReply = (text: string): Reply => ({ kind: 'refusal', title: 'Not allowed', summary: text });

export const errorReply = (text: string): Reply => ({ kind: 'error', title: 'Something went wrong', summary: text });
