// The CLI's `--png FILE` (docs/ARCHITECTURE.md §3.1): a command that draws a chart (spend) writes
// it there as a PNG, the same chart /spend uploads in Slack, besides printing its usual output.
// The folder is checked before the command runs, so a bad path costs no report.
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Reply } from '../domain/reply.js';
import { renderChartPng } from '../features/charts/render-png.js';

export const PNG_FLAG = '--png';

/** What a file-system error code means for a file to be written. */
function why(code: string | undefined): string {
  if (code === 'ENOENT') return 'no such folder';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'no permission to write there';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'the disk is full';
  return code ?? 'error';
}

/** Why FILE cannot be written (its folder is missing or read-only, or FILE is a folder), or null when it can. */
export function pngPathProblem(file: string): string | null {
  // Not standard output: a PNG on a terminal helps no one, and a file named "-" is a surprise.
  if (file === '-') return 'Cannot write the chart to "-": --png takes a file path (e.g. --png spend.png)';
  const path = resolve(file);
  try {
    const existing = statSync(path, { throwIfNoEntry: false });
    if (existing?.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    // An existing file must be writable itself (a read-only one in a writable folder).
    if (existing) accessSync(path, constants.W_OK);
    const folder = dirname(path);
    if (!statSync(folder).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    accessSync(folder, constants.W_OK);
    return null;
  } catch (err) {
    return `Cannot write the chart to ${file}: ${why((err as NodeJS.ErrnoException).code)}`;
  }
}

/**
 * Draws the reply's chart into FILE. Returns an error message when it cannot (the reply has no
 * chart, or the write failed after the check), else null.
 */
export async function writeChartPng(reply: Reply, file: string): Promise<string | null> {
  if (!reply.chart) return `no chart to write to ${file}`;
  const png = await renderChartPng(reply.chart);
  try {
    writeFileSync(file, png);
    return null;
  } catch (err) {
    return `Cannot write the chart to ${file}: ${why((err as NodeJS.ErrnoException).code)}`;
  }
}
