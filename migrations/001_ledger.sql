-- The spend ledger (docs/ARCHITECTURE.md §3.5): one row per upstream call or imported usage record.
--
-- Money is integer nano-USD (1 USD = 1e9). A row's EFFECTIVE cost is:
--   cost_nusd            when we priced it (our catalog had a price for the model at ts);
--   else provider_cost_nusd when the provider reported a cost;
--   else the row is "unpriced": it counts in spend_daily.unpriced and adds 0 to cost_nusd
--   (reports show "not priced", never $0).
-- `day` is the local calendar day of ts_ms in the configured timezone (meta 'timezone'); when the
-- timezone changes, the ledger recomputes `day` and rebuilds spend_daily in one transaction.

CREATE TABLE usage (
  id                  INTEGER PRIMARY KEY,
  ts_ms               INTEGER NOT NULL,               -- the instant, ms since epoch (readers derive ISO text from it)
  day                 TEXT    NOT NULL,               -- YYYY-MM-DD local to the configured timezone
  provider            TEXT    NOT NULL,
  model               TEXT    NOT NULL,
  input_tokens        INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),        -- all prompt tokens
  cached_input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (cached_input_tokens >= 0), -- part of input_tokens
  output_tokens       INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),       -- reasoning included
  reasoning_tokens    INTEGER NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),    -- part of output_tokens
  thinking            INTEGER NOT NULL DEFAULT 0 CHECK (thinking IN (0, 1)),
  cost_nusd           INTEGER,                        -- our cost; NULL = we had no price
  provider_cost_nusd  INTEGER,                        -- what the provider reported; NULL = nothing reported
  price_version       TEXT,                           -- which catalog price produced cost_nusd
  "user"              TEXT,
  channel             TEXT,
  route               TEXT,
  -- (Comparisons, not IN: SQLite builds a temporary index for an IN list of more than two on every insert.)
  source              TEXT    NOT NULL CHECK (source = 'import' OR source = 'ingest' OR source = 'ask' OR source = 'routecheck'),
  request_id          TEXT,
  request_hash        INTEGER,                        -- requestHash(request_id) (src/ledger), NULL without one
  status              TEXT    NOT NULL DEFAULT 'ok',
  error               TEXT,
  latency_ms          INTEGER,
  ttft_ms             INTEGER
);

-- A request_id seen once is never recorded again (re-importing a file adds nothing). The ledger
-- checks it before each insert by looking up the id's 48-bit hash, then comparing the ids: an
-- index on the integer is less than half the size of one on the id strings (1M bench ids: 16 MB
-- vs 36 MB), so more of it stays cached under random inserts. Not UNIQUE: two ids may share a
-- hash. Every writer goes through the ledger (src/ledger), inside IMMEDIATE transactions.
CREATE INDEX usage_request_hash ON usage (request_hash) WHERE request_hash IS NOT NULL;
-- No index on day: reports read spend_daily, and an index would cost every insert (~15% of an
-- import); the raw aggregates over usage (spendRaw, rebuilds, a timezone change) scan it whole.

-- Daily rollup, kept in step with `usage` in the same transaction as each insert. Every usage
-- row adds to exactly one row per dim:
--   dim 'provider': key = provider
--   dim 'model':    key = provider || '/' || model   (prices belong to a provider's model)
--   dim 'user':     key = user, or '(none)'
--   dim 'route':    key = route, or provider || '/' || model
-- cost_nusd is the sum of EFFECTIVE costs (see above); unpriced counts the rows with none;
-- provider_cost_nusd is the sum of provider-reported costs (rows without one add 0).
CREATE TABLE spend_daily (
  dim                 TEXT    NOT NULL CHECK (dim = 'provider' OR dim = 'model' OR dim = 'user' OR dim = 'route'),
  day                 TEXT    NOT NULL,
  key                 TEXT    NOT NULL,
  requests            INTEGER NOT NULL DEFAULT 0,
  unpriced            INTEGER NOT NULL DEFAULT 0,
  cost_nusd           INTEGER NOT NULL DEFAULT 0,
  provider_cost_nusd  INTEGER NOT NULL DEFAULT 0,
  input_tokens        INTEGER NOT NULL DEFAULT 0,
  cached_input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens       INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (dim, day, key)
) WITHOUT ROWID;

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
