-- Catalog sources (OpenRouter /models, LiteLLM price map, providers' /models): fetch history
-- stored as changes only, and the state of the price-change alert.
--
-- `source` is the scope a listing is complete for: 'openrouter', 'litellm', 'models:<provider>'.
-- `data` columns hold one normalised entry as JSON (src/features/catalog/sources/types.ts SourceEntry):
-- {"source","provider","model","context","rates":{"input","cached_input","output",
-- "reasoning_output"},"priced","expires_at","tiers"}; rates are integer pico-USD per token.

-- One row per successful fetch of a source.
CREATE TABLE catalog_fetches (
  id          INTEGER PRIMARY KEY,
  source      TEXT    NOT NULL,
  fetched_at  TEXT    NOT NULL,                -- ISO-8601 UTC
  fetched_ms  INTEGER NOT NULL,
  entries     INTEGER NOT NULL,                -- models in the response
  changed     INTEGER NOT NULL                 -- versions opened + closed by this fetch
);
CREATE INDEX catalog_fetches_source ON catalog_fetches (source, fetched_ms);

-- Versions of each (source, provider, model): a row is written only when an entry first
-- appears or its data changes; it stays open (until_fetch NULL) while later fetches show the
-- same data. The listing of fetch F is every row with first_fetch <= F < until_fetch.
CREATE TABLE catalog_entries (
  id           INTEGER PRIMARY KEY,
  source       TEXT    NOT NULL,
  provider     TEXT    NOT NULL,
  model        TEXT    NOT NULL,
  fingerprint  TEXT    NOT NULL,                -- canonical text of the tracked fields
  data         TEXT    NOT NULL,                -- SourceEntry JSON
  first_fetch  INTEGER NOT NULL REFERENCES catalog_fetches (id),
  first_seen   TEXT    NOT NULL,                -- fetched_at of first_fetch
  until_fetch  INTEGER REFERENCES catalog_fetches (id),   -- first fetch without this version; NULL = current
  until_seen   TEXT                             -- fetched_at of until_fetch
);
CREATE UNIQUE INDEX catalog_entries_current ON catalog_entries (source, provider, model) WHERE until_fetch IS NULL;
CREATE INDEX catalog_entries_span ON catalog_entries (source, first_fetch);

-- Price-change alert state, per source (see src/features/catalog/price-changes.ts for the rules).
CREATE TABLE catalog_sources (
  source         TEXT PRIMARY KEY,
  baseline_at    TEXT NOT NULL,                 -- first fetch: accepted without an announcement
  last_fetch_at  TEXT NOT NULL
) WITHOUT ROWID;

-- What was last announced (or the baseline) per model: the "last accepted" state.
CREATE TABLE catalog_accepted (
  source       TEXT NOT NULL,
  provider     TEXT NOT NULL,
  model        TEXT NOT NULL,
  fingerprint  TEXT NOT NULL,
  data         TEXT NOT NULL,                   -- SourceEntry JSON
  accepted_at  TEXT NOT NULL,                   -- fetched_at of the fetch that confirmed it
  PRIMARY KEY (source, provider, model)
) WITHOUT ROWID;

-- A change seen but not yet held long enough to announce (at most one per model).
CREATE TABLE catalog_pending (
  source       TEXT    NOT NULL,
  provider     TEXT    NOT NULL,
  model        TEXT    NOT NULL,
  fingerprint  TEXT    NOT NULL,
  data         TEXT,                            -- SourceEntry JSON; NULL = the model is gone
  seen         INTEGER NOT NULL CHECK (seen >= 1),   -- consecutive fetches it was seen in
  first_seen   TEXT    NOT NULL,
  last_seen    TEXT    NOT NULL,
  suspect      INTEGER NOT NULL DEFAULT 0 CHECK (suspect IN (0, 1)),
  noted        INTEGER NOT NULL DEFAULT 0 CHECK (noted IN (0, 1)),
  PRIMARY KEY (source, provider, model)
) WITHOUT ROWID;
