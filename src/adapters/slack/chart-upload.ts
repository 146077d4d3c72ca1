// A Reply's chart into Slack: drawn as a PNG (src/features/charts/render-png.ts) and uploaded
// with files.uploadV2 (files.getUploadURLExternal, the bytes to the URL it gives,
// files.completeUploadExternal; scope files:write) into the conversation the reply is in, and its
// thread when there is one. Called after the text reply has gone: a chart that cannot be drawn or
// uploaded is logged and never holds the text back (docs/ARCHITECTURE.md §3.6).
import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { SpendChart } from '../../domain/chart.js';
import { renderChartPng } from '../../features/charts/render-png.js';

/** The one client method used (so Bolt's client or any WebClient fits). */
export interface FileUploader {
  files: Pick<webApi.WebClient['files'], 'uploadV2'>;
}

export interface ChartTarget {
  channel: string;
  thread_ts?: string;
}

export type ChartRenderer = (chart: SpendChart) => Promise<Buffer>;

export type ChartUploadResult = { ok: true } | { ok: false; stage: 'render' | 'upload'; code?: string };

/** Draws and uploads the chart; never throws (what failed is logged and returned). */
export async function uploadChart(chart: SpendChart, client: FileUploader, target: ChartTarget, log: Logger, render: ChartRenderer = renderChartPng): Promise<ChartUploadResult> {
  let png: Buffer;
  try {
    png = await render(chart);
  } catch (err) {
    log.error({ err, chart: chart.filename }, 'chart render failed');
    return { ok: false, stage: 'render' };
  }
  try {
    const file = { file: png, filename: chart.filename, title: chart.title, alt_text: chart.alt };
    await client.files.uploadV2(target.thread_ts ? { ...file, channel_id: target.channel, thread_ts: target.thread_ts } : { ...file, channel_id: target.channel });
    return { ok: true };
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    log.warn({ code, chart: chart.filename }, 'chart upload failed');
    return { ok: false, stage: 'upload', ...(code ? { code } : {}) };
  }
}
