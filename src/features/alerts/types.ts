// The alert model shared by the jobs, the outbox and the scheduler.
import type { Reply } from '../../domain/reply.js';
import type { Services } from '../services.js';
import type { PricesRunDetail } from '../catalog/refresh-report.js';

export const ALERT_KINDS = ['price', 'retirement', 'budget', 'anomaly', 'spend_report', 'routecheck', 'cost_drift', 'runway', 'balance_floor', 'unavailable', 'top_up', 'reconciliation', 'gateway'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Job names are the keys of config.schedules (docs/ARCHITECTURE.md §3.4). */
export const JOB_NAMES = ['deprecations', 'prices', 'budgets', 'spend_report', 'routecheck', 'cost_drift', 'balances', 'gateway'] as const;
export type JobName = (typeof JOB_NAMES)[number];

export interface Alert {
  /**
   * Once-only identity: an alert whose key was recorded before is never posted again
   * (e.g. "budget:daily:2026-07-17:80", "spend_report:2026-07-06..2026-07-12").
   */
  key: string;
  kind: AlertKind;
  /** Slack channel id. */
  channel: string;
  /** Plain-text one-paragraph summary: `alerts run` output and Slack's notification text. */
  text: string;
  /** What the alert shows (the poster renders it for its medium). */
  reply: Reply;
}

/** Which configured channel a job posts to: slack.alerts_channel or slack.reports_channel. */
export type ChannelRole = 'alerts' | 'reports';

export interface JobRunOptions {
  /** `alerts run --dry-run`: a job with state of its own (price snapshots, check history) must not change it. */
  dryRun?: boolean;
  /**
   * What went wrong without failing the job, said to whoever runs it (`alerts run`: the job's
   * `reason`), e.g. a price source that could not be read this run.
   */
  note?: (text: string) => void;
  /**
   * `routeops catalog refresh`: the prices job hands over what it read and decided (each source,
   * the changes, the proposals), which an alert does not say in full.
   */
  pricesDetail?: (detail: PricesRunDetail) => void;
}

export interface AlertJob {
  name: JobName;
  channel: ChannelRole;
  /**
   * The job keeps state of its own that is worth having without alerts (the balances job records
   * snapshots): it runs even when its channel is not set, and then returns no alerts.
   */
  runsWithoutChannel?: boolean;
  /**
   * The alerts due at `now`. Pure over the services (reads config, catalog, ledger and the
   * alert keys recorded); time comes only from `now`, never from a clock. May return alerts
   * already recorded: the runner drops those.
   */
  run(services: Services, now: Date, opts?: JobRunOptions): Promise<Alert[]>;
}

/**
 * One alert as the outbox hands it to a poster: its channel, its plain-text summary and its
 * Reply; or, for an alert recorded before the outbox kept replies, the message rendered for
 * Slack then (`prerendered`, posted as it is).
 */
export type OutgoingAlert = { channel: string; text: string } & ({ reply: Reply } | { prerendered: unknown });

/**
 * Posts one alert; throws when the chat service did not accept it (the outbox retries it). The
 * Slack adapter implements it (src/adapters/slack/alert-poster.ts).
 */
export type AlertPost = (alert: OutgoingAlert) => Promise<unknown>;

/** The configured channel for a role, or undefined with the config key that is missing. */
export function channelFor(services: Pick<Services, 'config'>, role: ChannelRole): { channel: string } | { missing: string } {
  const channel = role === 'alerts' ? services.config.slack.alerts_channel : services.config.slack.reports_channel;
  return channel ? { channel } : { missing: role === 'alerts' ? 'slack.alerts_channel' : 'slack.reports_channel' };
}
