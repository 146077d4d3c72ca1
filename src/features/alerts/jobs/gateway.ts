// The gateway's health per key (docs/ARCHITECTURE.md §3.7 `gateway`): every run reads the last
// hour of gateway rows (src/store/ledger/gateway-traffic.ts) and alerts when a key's error rate
// (failed upstream attempts) or fallback rate (answers from a provider other than its alias's
// first) passes gateway.alert_error_rate_pct / alert_fallback_rate_pct with at least
// gateway.alert_min_requests attempts: a route going bad for real traffic, not only in
// /routecheck. Once per key, kind and local day: `gateway:errors:<key>:<day>`,
// `gateway:fallbacks:<key>:<day>`.
import { keyHealth, type KeyHealth } from '../../../domain/gateway-health.js';
import { channelFor, type Alert, type AlertJob } from '../types.js';

export const HOUR_MS = 3_600_000;

const list = (items: string[]): string => items.slice(0, 3).join(', ') + (items.length > 3 ? `, and ${items.length - 3} more` : '');

function alertOf(kind: 'errors' | 'fallbacks', h: KeyHealth, day: string, channel: string): Alert {
  const text =
    kind === 'errors'
      ? `Gateway key "${h.key}": ${h.error_pct}% of its upstream calls failed in the last hour (${h.failed} of ${h.attempts}): ${list(h.failures.map((f) => `${f.route} ${f.status} ×${f.attempts}`))}.`
      : `Gateway key "${h.key}": ${h.fallback_pct}% of its answers in the last hour came from a fallback route (${h.fellBack} of ${h.answered}): ${list(h.fallbackRoutes.map((r) => `${r.route} ×${r.answered}`))}. Its first routes are failing: ${list(h.failures.map((f) => `${f.route} ${f.status} ×${f.attempts}`)) || 'no failure recorded'}.`;
  return {
    key: `gateway:${kind}:${h.key}:${day}`,
    kind: 'gateway',
    channel,
    text,
    reply: {
      kind: 'result',
      title: kind === 'errors' ? `Gateway errors: ${h.key}` : `Gateway fallbacks: ${h.key}`,
      summary: text,
      footer: '/routecheck on the failing route says what works; /spend this week by user shows each key\'s traffic.',
      data: { key: h.key, kind, attempts: h.attempts, failed: h.failed, answered: h.answered, fell_back: h.fellBack, error_pct: h.error_pct, fallback_pct: h.fallback_pct, failures: h.failures },
    },
  };
}

export const gatewayJob: AlertJob = {
  name: 'gateway',
  channel: 'alerts',
  async run(services, now) {
    const target = channelFor(services, 'alerts');
    if (!('channel' in target)) return [];
    const t = services.config.gateway;
    const rows = await services.ledger.gatewayTraffic(now.getTime() - HOUR_MS, now.getTime() + 1);
    const first = (alias: string) => services.config.models[alias]?.routes[0]?.provider ?? (alias.includes('/') ? alias.split('/')[0]! : null);
    const day = services.zone.dayOf(now.getTime());
    const out: Alert[] = [];
    for (const h of keyHealth(rows, first)) {
      if (h.attempts < t.alert_min_requests) continue;
      if (h.error_pct !== null && h.error_pct >= t.alert_error_rate_pct) out.push(alertOf('errors', h, day, target.channel));
      if (h.fallback_pct !== null && h.answered >= t.alert_min_requests && h.fallback_pct >= t.alert_fallback_rate_pct) out.push(alertOf('fallbacks', h, day, target.channel));
    }
    return out;
  },
};
