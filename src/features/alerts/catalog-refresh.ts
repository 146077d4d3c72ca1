// `routeops catalog refresh`: the prices job once, at `now` — exactly what the `prices` schedule
// runs (fetch every configured source, keep the snapshots, detect the changes that held, record
// proposals, auto-apply the trusted ones) — and what it read and decided, source by source
// (src/features/catalog/refresh-report.ts). Its alert is recorded in the outbox and posted when
// `post` is given, as `alerts run` does; when price alerts are off (schedules.prices null, or no
// slack.alerts_channel) the sources are still read and proposals recorded, and nothing is posted.
import type { Services } from '../services.js';
import { sourcesOff, summarizeRun, type PricesRunDetail, type RefreshReport } from '../catalog/refresh-report.js';
import { CATALOG_SOURCES, type CatalogSourceName } from '../../config/schema.js';
import { AlertOutbox } from './delivery.js';
import { pricesJob } from './jobs/prices.js';
import { runJob, type JobOutcome } from './run.js';
import { channelFor, type AlertPost } from './types.js';

export interface CatalogRefreshOptions {
  now: Date;
  /** null: record only (the running bot posts from the outbox). */
  post: AlertPost | null;
}

export interface CatalogRefreshResult {
  /** The sources this config reads: `catalog.sources.*` set, `models:<provider>` with a key under catalog.provider_models. Empty: nothing was run. */
  configured: string[];
  /** catalog.sources.* left null. */
  off: CatalogSourceName[];
  /** null when nothing is configured or the run failed. */
  report: RefreshReport | null;
  /** The new alerts of this run (recorded in the outbox; `sent` when posted). */
  alerts: JobOutcome['alerts'];
  /** Why no alert can be posted (price alerts off), or null. */
  alertsOff: string | null;
  /** The run failed (logged): the error in one line. */
  error: string | null;
}

/** Which sources the prices job would read with this config. */
export function configuredSources(services: Pick<Services, 'config' | 'providers'>): string[] {
  const { catalog } = services.config;
  const named: string[] = CATALOG_SOURCES.filter((s) => catalog.sources[s]);
  if (!catalog.provider_models) return named;
  const listings = [...services.providers.values()].filter((c) => c.hasKey).map((c) => `models:${c.name}`);
  return [...named, ...listings.sort()];
}

function alertsOffReason(services: Services): string | null {
  if (services.config.schedules.prices === null) return 'schedules.prices is null, so price alerts are off';
  const target = channelFor(services, 'alerts');
  return 'missing' in target ? `${target.missing} is not set in the config, so price alerts are off` : null;
}

export async function refreshCatalog(services: Services, opts: CatalogRefreshOptions): Promise<CatalogRefreshResult> {
  const configured = configuredSources(services);
  const off = sourcesOff(services.config.catalog.sources);
  const alertsOff = alertsOffReason(services);
  const base: CatalogRefreshResult = { configured, off, report: null, alerts: [], alertsOff, error: null };
  if (configured.length === 0) return base;

  const seen: { detail?: PricesRunDetail } = {};
  const pricesDetail = (d: PricesRunDetail) => void (seen.detail = d);
  if (alertsOff === null) {
    const outbox = new AlertOutbox(services.store.alerts, services.log);
    const outcome = await runJob(services, pricesJob, opts.now, { outbox, post: opts.post, observe: { pricesDetail } });
    if (outcome.status === 'failed') return { ...base, error: outcome.reason ?? 'failed' };
    base.alerts = outcome.alerts;
  } else {
    // The job itself (runJob would skip it: its alerts are off). Whatever it would post is dropped.
    try {
      await pricesJob.run(services, opts.now, { pricesDetail });
    } catch (err) {
      services.log.error({ err, job: 'prices' }, 'catalog refresh failed');
      return { ...base, error: (err as Error)?.message ?? String(err) };
    }
  }
  return { ...base, report: seen.detail ? summarizeRun(seen.detail) : null };
}
