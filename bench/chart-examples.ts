// Draws the example charts committed under docs/charts/ (README "Charts"): what /spend shows in
// Slack and `routeops spend … --png FILE` writes. Run: npm run charts:examples.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleSpendReport } from './chart-data.js';
import { spendChart } from '../src/features/charts/spend-chart.js';
import { renderChartPng } from '../src/features/charts/render-png.js';

const out = process.argv[2] ?? fileURLToPath(new URL('../../docs/charts/', import.meta.url));
mkdirSync(out, { recursive: true });

const examples = {
  'spend-week-by-provider.png': sampleSpendReport({ from: '2026-11-17', to: '2026-11-23', label: 'week', keys: ['deepseek', 'qwen-intl', 'openrouter', 'kimi', 'glm'], daily: 60, dailyUsd: 55 }),
  'spend-month-by-model.png': sampleSpendReport({ from: '2026-11-01', to: '2026-11-23', label: 'month', monthToDate: true, groupBy: 'model', keys: ['deepseek-v4-flash', 'qwen-plus', 'kimi-k2.5', 'glm-4.7', 'qwen/qwen3-coder', 'deepseek-v4-pro'], daily: 80, monthly: 1500, dailyUsd: 50 }),
  'spend-30d-by-user.png': sampleSpendReport({ from: '2026-10-25', to: '2026-11-23', label: '30d', groupBy: 'user', keys: ['U0ALICE', 'U0BOB', 'support-bot', 'U0CAROL', 'batch-jobs', 'U0DAN', 'U0ERIN', 'U0FRANK', 'U0GRACE'], monthly: 900, dailyUsd: 30 }),
};
for (const [name, report] of Object.entries(examples)) {
  writeFileSync(join(out, name), await renderChartPng(spendChart(report, { timezone: 'Europe/Paris' })));
  console.log(join(out, name));
}
const empty = sampleSpendReport({ from: '2026-11-23', to: '2026-11-23', label: 'today', keys: [] });
writeFileSync(join(out, 'spend-today-empty.png'), await renderChartPng(spendChart(empty, { timezone: 'Europe/Paris' })));
console.log(join(out, 'spend-today-empty.png'));
