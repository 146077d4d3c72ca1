-- Reports that read right (docs/ARCHITECTURE.md §3.5 "Left out"): a call that never reached a
-- provider is not a request, a /routecheck probe of a model that does not exist is not a model,
-- and route checks cost money that the reports show apart.
--
-- spend_daily.requests now counts only real requests. A row that adds no money (effective cost
-- NULL or 0) is LEFT OUT of requests, unpriced, usage_missing and interrupted, and counted in:
--   never_sent:       status 'missing_key' (no API key: nothing was sent);
--   not_found_probes: otherwise, source 'routecheck' and model 'routeops-check-no-such-model'
--                     (the name is NOT_FOUND_PROBE_MODEL in src/domain/spend.ts).
-- Its tokens (none, or a probe's few) and provider cost stay in the sums as before.
-- spend_daily.routecheck_nusd: the effective cost of the rows of source 'routecheck' (part of
--   cost_nusd, so the totals keep it).
-- The rollup is recomputed from usage once here, as a timezone change does
-- (src/store/ledger/timezone.ts), with the same keys as src/store/ledger/sql.ts.
ALTER TABLE spend_daily ADD COLUMN never_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spend_daily ADD COLUMN not_found_probes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spend_daily ADD COLUMN routecheck_nusd INTEGER NOT NULL DEFAULT 0;

CREATE TEMP VIEW usage_009 AS
SELECT day, provider, model, "user", route, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens,
       COALESCE(cost_nusd, provider_cost_nusd, 0) AS effective,
       COALESCE(provider_cost_nusd, 0) AS reported,
       CASE WHEN source = 'routecheck' THEN COALESCE(cost_nusd, provider_cost_nusd, 0) ELSE 0 END AS routecheck,
       (cost_nusd IS NULL AND provider_cost_nusd IS NULL AND (usage_status = 'ok' OR usage_status = 'estimated')) AS unpriced,
       (cost_nusd IS NULL AND provider_cost_nusd IS NULL AND (usage_status = 'missing' OR usage_status = 'invalid')) AS usage_missing,
       (status = 'interrupted') AS interrupted,
       (COALESCE(cost_nusd, provider_cost_nusd, 0) = 0 AND status = 'missing_key') AS never_sent,
       (COALESCE(cost_nusd, provider_cost_nusd, 0) = 0 AND status <> 'missing_key'
         AND source = 'routecheck' AND model = 'routeops-check-no-such-model') AS probe
  FROM usage;

CREATE TEMP VIEW rollup_009 AS
SELECT day, provider, model, "user", route,
       (NOT never_sent AND NOT probe) AS request,
       (unpriced AND NOT never_sent AND NOT probe) AS unpriced,
       (usage_missing AND NOT never_sent AND NOT probe) AS usage_missing,
       (interrupted AND NOT never_sent AND NOT probe) AS interrupted,
       never_sent, probe, effective, reported, routecheck,
       input_tokens, cached_input_tokens, output_tokens, reasoning_tokens
  FROM usage_009;

DELETE FROM spend_daily;

INSERT INTO spend_daily (dim, day, key, requests, unpriced, usage_missing, interrupted, cost_nusd, provider_cost_nusd,
                         input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, never_sent, not_found_probes, routecheck_nusd)
SELECT 'provider', day, provider, SUM(request), SUM(unpriced), SUM(usage_missing), SUM(interrupted), SUM(effective), SUM(reported),
       SUM(input_tokens), SUM(cached_input_tokens), SUM(output_tokens), SUM(reasoning_tokens), SUM(never_sent), SUM(probe), SUM(routecheck)
  FROM rollup_009 GROUP BY day, provider;

INSERT INTO spend_daily (dim, day, key, requests, unpriced, usage_missing, interrupted, cost_nusd, provider_cost_nusd,
                         input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, never_sent, not_found_probes, routecheck_nusd)
SELECT 'model', day, provider || '/' || model, SUM(request), SUM(unpriced), SUM(usage_missing), SUM(interrupted), SUM(effective), SUM(reported),
       SUM(input_tokens), SUM(cached_input_tokens), SUM(output_tokens), SUM(reasoning_tokens), SUM(never_sent), SUM(probe), SUM(routecheck)
  FROM rollup_009 GROUP BY day, provider || '/' || model;

INSERT INTO spend_daily (dim, day, key, requests, unpriced, usage_missing, interrupted, cost_nusd, provider_cost_nusd,
                         input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, never_sent, not_found_probes, routecheck_nusd)
SELECT 'user', day, COALESCE("user", '(none)'), SUM(request), SUM(unpriced), SUM(usage_missing), SUM(interrupted), SUM(effective), SUM(reported),
       SUM(input_tokens), SUM(cached_input_tokens), SUM(output_tokens), SUM(reasoning_tokens), SUM(never_sent), SUM(probe), SUM(routecheck)
  FROM rollup_009 GROUP BY day, COALESCE("user", '(none)');

INSERT INTO spend_daily (dim, day, key, requests, unpriced, usage_missing, interrupted, cost_nusd, provider_cost_nusd,
                         input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, never_sent, not_found_probes, routecheck_nusd)
SELECT 'route', day, COALESCE(route, provider || '/' || model), SUM(request), SUM(unpriced), SUM(usage_missing), SUM(interrupted), SUM(effective), SUM(reported),
       SUM(input_tokens), SUM(cached_input_tokens), SUM(output_tokens), SUM(reasoning_tokens), SUM(never_sent), SUM(probe), SUM(routecheck)
  FROM rollup_009 GROUP BY day, COALESCE(route, provider || '/' || model);

DROP VIEW temp.rollup_009;
DROP VIEW temp.usage_009;
