-- The gateway's calls (docs/ARCHITECTURE.md §3.3 gateway) are ledger rows of source 'gateway'.
-- SQLite cannot change a CHECK in place (better-sqlite3 runs in defensive mode, so the schema
-- text cannot be edited either): the table is rebuilt with the same columns, in the same order,
-- and its indexes made again. A one-time cost at upgrade, measured in README "Benchmarks".
CREATE TABLE usage_new (
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
  "user"              TEXT,                           -- Slack user, or the gateway key's name
  channel             TEXT,
  route               TEXT,
  -- (Comparisons, not IN: SQLite builds a temporary index for an IN list of more than two on every insert.)
  source              TEXT    NOT NULL CHECK (source = 'import' OR source = 'ingest' OR source = 'ask' OR source = 'routecheck' OR source = 'gateway'),
  request_id          TEXT,
  request_key         INTEGER,                        -- requestHash(request_id) (src/store/ledger), NULL without one
  status              TEXT    NOT NULL DEFAULT 'ok',
  error               TEXT,
  latency_ms          INTEGER,
  ttft_ms             INTEGER,
  call_id             TEXT,
  usage_status        TEXT    NOT NULL DEFAULT 'ok'
    CHECK (usage_status = 'ok' OR usage_status = 'missing' OR usage_status = 'invalid' OR usage_status = 'estimated'),
  cache_write_tokens  INTEGER NOT NULL DEFAULT 0
);

INSERT INTO usage_new (id, ts_ms, day, provider, model, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, thinking,
                       cost_nusd, provider_cost_nusd, price_version, "user", channel, route, source, request_id, request_key, status,
                       error, latency_ms, ttft_ms, call_id, usage_status, cache_write_tokens)
SELECT id, ts_ms, day, provider, model, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, thinking,
       cost_nusd, provider_cost_nusd, price_version, "user", channel, route, source, request_id, request_key, status,
       error, latency_ms, ttft_ms, call_id, usage_status, cache_write_tokens
FROM usage;

DROP TABLE usage;
ALTER TABLE usage_new RENAME TO usage;

-- The indexes of migrations 006, 008, 015 and 016, as they were.
CREATE INDEX usage_request_key ON usage (request_key) WHERE request_key IS NOT NULL;
CREATE UNIQUE INDEX usage_call_id ON usage (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX usage_scope ON usage (provider, model, ts_ms);
CREATE INDEX usage_balance_refusals ON usage (provider, ts_ms) WHERE status = 'balance';

-- The gateway alert (src/features/alerts/jobs/gateway.ts) reads the last hour of gateway rows by
-- key, alias, route and status: covered here, so it reads no table row; other sources' rows are
-- not in it.
CREATE INDEX usage_gateway ON usage (ts_ms, "user", route, provider, model, status) WHERE source = 'gateway';
