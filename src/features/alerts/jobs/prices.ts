// Price changes: fetch the configured catalog sources, keep their snapshots, and announce the
// changes that held across two fetches and touch configured routes or models used in the
// last 30 days — one message per run, with each change's monthly impact from ledger volume. A
// source that cannot be read, or whose listing is ignored (half its models or prices gone), is
// named with why in the run's notes and the log; the others go on.
// A confirmed change of a mapped entry, or a price for a used model routeops has none for,
// becomes a price proposal (src/features/catalog/proposals/): announced with its id, applied
// here when catalog.auto_apply trusts its (source, provider) and it is not suspect. A model gone
// from a provider's /models (confirmed over two fetches) or marked deprecated or expiring by a
// source becomes a retirement proposal (proposals/retire.ts), announced the same way with the
// aliases and traffic still on it; a person decides it (never catalog.auto_apply).
import { fetchCatalogSnapshots } from '../../catalog/sources/fetch.js';
import { runPriceCheck, volumeLookupFromRollup } from '../../catalog/price-check.js';
import { candidatesForUnpriced, candidatesFromChanges, oneSourceEach, recordProposals } from '../../catalog/proposals/propose.js';
import { goneFromListings, markedInSources, recordRetirements } from '../../catalog/proposals/retire.js';
import { applyProposal, type ApplyOutcome } from '../../catalog/proposals/apply.js';
import { proposalDecisions, proposalLines } from '../../catalog/proposals/announce.js';
import { addDays } from '../../../domain/time/zone.js';
import { channelFor, type AlertJob } from '../types.js';

export const pricesJob: AlertJob = {
  name: 'prices',
  channel: 'alerts',
  async run(services, now, opts) {
    // Without a channel (only `catalog refresh` runs it so) it reads, detects and proposes, and posts nothing.
    const target = channelFor(services, 'alerts');
    const { config, ledger, zone, log } = services;
    if (!Object.values(config.catalog.sources).some(Boolean) && !config.catalog.provider_models) {
      log.info('no catalog source configured (catalog.sources, catalog.provider_models): nothing to watch');
      return [];
    }
    const { snapshots, errors } = await fetchCatalogSnapshots({ catalog: config.catalog, providers: services.providers, now });
    for (const e of errors) {
      log.warn({ source: e.source }, `catalog source failed: ${e.message}`);
      opts?.note?.(`${e.source} not read: ${e.message}`);
    }
    const today = zone.dayOf(now.getTime());
    const usage = await ledger.spendRollup('model', addDays(today, -29), today);
    // Models with requests: a call never sent or a route check's not-found probe is no use.
    const watched = new Set(usage.filter((r) => r.requests > 0).map((r) => r.key));
    for (const def of Object.values(config.models)) for (const r of def.routes) watched.add(`${r.provider}/${r.model}`);
    const isWatched = (provider: string, model: string) => watched.has(`${provider}/${model}`);
    const dryRun = opts?.dryRun === true;
    const result = await runPriceCheck(services.store.catalog, snapshots, { watched: isWatched, volume: volumeLookupFromRollup(usage), dryRun });
    for (const s of result.skipped) {
      log.warn({ source: s.source }, `catalog source ignored this run: ${s.reason}`);
      opts?.note?.(`${s.source} ignored: ${s.reason}`);
    }
    const created = dryRun
      ? []
      : await recordProposals(
          services,
          // Proposals for the models the alert is about (routed or used), not every model a
          // source re-prices: a source carries hundreds, counted in the alert's "others".
          oneSourceEach(
            [...candidatesFromChanges(result.all).filter((c) => isWatched(c.entry.provider, c.entry.model)), ...candidatesForUnpriced(result.state, isWatched, (p, m) => services.catalog.versions(p, m).length > 0)],
            (source, provider) => config.catalog.auto_apply.some((a) => a.source === source && a.provider === provider),
            (source) => Boolean(config.catalog.sources[source as keyof typeof config.catalog.sources]),
          ),
          now,
        );
    // Retirements: only for models routeops cares about (routed, used, or priced in the config
    // file). Not every model the built-in catalog prices: it carries whole provider listings.
    const configPriced = new Set(config.pricing.map((p) => `${p.provider}/${p.model}`));
    const cares = (provider: string, model: string) => isWatched(provider, model) || configPriced.has(`${provider}/${model}`);
    if (!dryRun) created.push(...(await recordRetirements(services, [...goneFromListings(result.all, result.state), ...markedInSources(result.all, result.state)], cares, now)));
    const auto = new Map<number, ApplyOutcome>();
    for (const { proposal: p } of created) {
      if (p.suspect || p.kind === 'retirement' || !config.catalog.auto_apply.some((a) => a.source === p.source && a.provider === p.provider)) continue;
      const outcome = await applyProposal(services, p.id, { by: 'auto_apply', automatic: true });
      auto.set(p.id, outcome);
      if (outcome.kind === 'refused') log.warn({ proposal: p.id }, `auto_apply: ${outcome.reason}`);
    }
    const extra = proposalLines(created, auto);
    const decisions = proposalDecisions(created, auto);
    opts?.pricesDetail?.({ fetched: { snapshots, errors }, check: result, created, auto });
    if ('missing' in target || (!result.alert && extra.length === 0)) return [];
    const text = [...(result.alert ? [result.alert.text] : ['Price proposals']), ...extra].join('\n');
    const key = [result.alert?.key, ...created.map((c) => `proposal:${c.proposal.id}`)].filter(Boolean).join('+');
    return [{ key, kind: 'price', channel: target.channel, text, reply: { kind: 'result', title: 'Price changes', body: text, ...(decisions.length ? { decisions } : {}) } }];
  },
};
