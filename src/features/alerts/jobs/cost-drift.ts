// Cost drift: our prices checked against the cost providers report (OpenRouter's `usage.cost`,
// kept beside ours in each ledger row, docs/ARCHITECTURE.md §3.5). Each run looks at the last
// complete day (yesterday in config.timezone, the day /spend yesterday shows) and, per
// (provider, model), at the rows that carry both costs. A model whose totals differ by more than
// alerts.cost_drift.min_percent of the provider's and more than min_usd is one alert, once per
// model and day: key `cost_drift:<provider>/<model>:<day>`. The gap's likely cause is read from
// the rows (src/domain/money/drift.ts).
import { judgeDrift, type ModelDrift } from '../../../domain/money/drift.js';
import { formatUsd, formatUsdDecimal, usdToNusd } from '../../../domain/money/units.js';
import { addDays, type DayString } from '../../../domain/time/zone.js';
import type { Reply } from '../../../domain/reply.js';
import type { Services } from '../../services.js';
import { plural } from '../format.js';
import { channelFor, type Alert, type AlertJob } from '../types.js';

export const costDriftKey = (d: Pick<ModelDrift, 'provider' | 'model'>, day: DayString): string => `cost_drift:${d.provider}/${d.model}:${day}`;

/** A signed share in tenths of a percent, half away from zero: "+25.0%", "-0.9%"; "—" over $0. */
export function signedPercent(diff: bigint, whole: bigint): string {
  if (whole <= 0n) return '—';
  const mag = ((diff < 0n ? -diff : diff) * 1000n + whole / 2n) / whole;
  return `${diff < 0n ? '-' : '+'}${mag / 10n}.${mag % 10n}%`;
}

const signedUsd = (nusd: bigint): string => (nusd < 0n ? formatUsd(nusd) : `+${formatUsd(nusd)}`);

/** "1.250×" from thousandths. */
const factorText = (permille: number): string => `${Math.trunc(permille / 1000)}.${String(permille % 1000).padStart(3, '0')}×`;

/** The likely cause in words (what the alert says after "Likely cause:"). */
export function causeText(d: Pick<ModelDrift, 'cause' | 'factor_permille' | 'factor_rows' | 'rows'>): string {
  switch (d.cause) {
    case 'price_changed':
      return `price changed: ${d.factor_rows} of ${plural(d.rows, 'row')} differ by the same factor (ours ${factorText(d.factor_permille!)} theirs), so the price in force looks out of date`;
    case 'cache':
      return 'cache billed differently: the gap is in rows with cached or cache-write tokens; the other rows agree';
    case 'reasoning':
      return 'reasoning billed differently: the gap is in rows with reasoning tokens or thinking mode; the other rows agree';
    case 'cache_or_reasoning':
      return 'cache or reasoning billed differently: the gap is in rows with both cache and reasoning tokens; the other rows agree';
    default:
      return 'unknown: the gap follows no one factor and is not confined to cache or reasoning rows';
  }
}

function driftAlert(d: ModelDrift, day: DayString, channel: string, thresholds: Services['config']['alerts']['cost_drift']): Alert {
  const route = `${d.provider}/${d.model}`;
  const pct = signedPercent(d.diff_nusd, d.theirs_nusd);
  const headline =
    `Cost drift on ${day}: ${route} cost ${formatUsd(d.ours_nusd)} by our prices and ${formatUsd(d.theirs_nusd)} as the provider reported ` +
    `(${signedUsd(d.diff_nusd)}, ${pct}) over ${plural(d.rows, 'row')}`;
  const cause = causeText(d);
  const reply: Reply = {
    kind: 'result',
    title: `Cost drift: ${route} on ${day}`,
    summary: `${headline}.`,
    sections: [
      {
        fields: [
          { label: 'Our cost', value: formatUsd(d.ours_nusd) },
          { label: 'Provider-reported', value: formatUsd(d.theirs_nusd) },
          { label: 'Difference', value: `${signedUsd(d.diff_nusd)} (${pct})` },
          { label: 'Rows', value: d.rows.toLocaleString('en-US') },
        ],
      },
      { heading: 'Likely cause', text: cause },
    ],
    footer:
      `Rows that carry both our cost and the provider's, per model and day; an alert comes when they differ by more than ${thresholds.min_percent}% ` +
      `and more than $${thresholds.min_usd} (alerts.cost_drift). /models ${d.model} shows the price in force, where it came from and what each catalog source says.`,
    // Reply data is JSON (the outbox stores it): the amounts as exact decimal text.
    data: {
      day,
      provider: d.provider,
      model: d.model,
      rows: d.rows,
      ours_usd: formatUsdDecimal(d.ours_nusd),
      theirs_usd: formatUsdDecimal(d.theirs_nusd),
      diff_usd: formatUsdDecimal(d.diff_nusd),
      cause: d.cause,
      factor: d.factor_permille === null ? null : d.factor_permille / 1000,
    },
  };
  return { key: costDriftKey(d, day), kind: 'cost_drift', channel, text: `${headline}. Likely cause: ${cause}.`, reply };
}

/** The drift alerts of one day (models above the thresholds), whether or not they were sent before. */
export async function costDriftAlerts(services: Pick<Services, 'ledger' | 'config'>, day: DayString, channel: string): Promise<Alert[]> {
  const thresholds = services.config.alerts.cost_drift;
  const drifts = judgeDrift(await services.ledger.costDriftGroups(day), {
    min_ppm: BigInt(Math.round(thresholds.min_percent * 10_000)),
    min_nusd: BigInt(usdToNusd(thresholds.min_usd)),
  });
  return drifts.map((d) => driftAlert(d, day, channel, thresholds));
}

export const costDriftJob: AlertJob = {
  name: 'cost_drift',
  channel: 'alerts',
  async run(services, now) {
    const target = channelFor(services, 'alerts');
    if (!('channel' in target)) return [];
    // The last complete day: today's rows are still coming in.
    const yesterday = addDays(services.zone.dayOf(now.getTime()), -1);
    return costDriftAlerts(services, yesterday, target.channel);
  },
};
