-- Every call routeops makes is one row, exactly once, whatever happens to the process.
--
-- call_id: routeops' own id for a call it made (/ask, /routecheck). Rows of routeops' calls are
--   de-duplicated on it (a provider or proxy may reuse its request ids); request_id keeps the
--   provider's id beside it, for support tickets and so that a provider export imported later
--   skips the calls already recorded. Imported and ingested rows have no call_id and are
--   de-duplicated on request_id as before. Unique: a journal replayed twice adds nothing.
-- usage_status: how far the token counts can be trusted (src/domain/usage-rows/rows.ts):
--   'ok'; 'missing' or 'invalid' (the reply's usage was absent or impossible: the row's cost is
--   "usage missing", never $0); 'estimated' (an interrupted call: prompt tokens estimated by us).
-- spend_daily.usage_missing counts rows with no effective cost because usage was missing or
--   invalid (`unpriced` keeps counting rows whose usage is fine but whose price is unknown);
--   spend_daily.interrupted counts rows of calls interrupted by a stop or crash (status
--   'interrupted', cost estimated). Existing rows are all 'ok' and not interrupted: 0 is right.
ALTER TABLE usage ADD COLUMN call_id TEXT;
ALTER TABLE usage ADD COLUMN usage_status TEXT NOT NULL DEFAULT 'ok'
  CHECK (usage_status = 'ok' OR usage_status = 'missing' OR usage_status = 'invalid' OR usage_status = 'estimated');
CREATE UNIQUE INDEX usage_call_id ON usage (call_id) WHERE call_id IS NOT NULL;
ALTER TABLE spend_daily ADD COLUMN usage_missing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spend_daily ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
