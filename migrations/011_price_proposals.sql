-- Price proposals (docs/ARCHITECTURE.md §3.1 `routeops prices`): a catalog source's confirmed
-- change of a mapped (provider, model) whose price differs from the one in force, or a price for a
-- model routeops has none for. An applied proposal's `version` is an ordinary price version
-- (config `pricing[].versions[]` shape) that the catalog merges over the built-in data and under
-- the config file (src/features/catalog/catalog-holder.ts).
CREATE TABLE price_proposals (
  id           INTEGER PRIMARY KEY,
  source       TEXT    NOT NULL,                 -- 'openrouter', 'litellm', 'models_dev', 'genai_prices'
  provider     TEXT    NOT NULL,
  model        TEXT    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('price', 'new_model', 'retirement')),
  fingerprint  TEXT    NOT NULL,                 -- of the source entry proposed (price-changes.ts fingerprintOf)
  seen_at      TEXT    NOT NULL,                 -- when the change was first seen (ISO-8601 UTC)
  effective    TEXT    NOT NULL,                 -- ISO-8601 UTC
  version      TEXT,                             -- price version JSON (PriceVersionInput); a retirement's {at, replacement, source}
  previous     TEXT,                             -- per_million JSON of the version in force; NULL = not priced
  suspect      INTEGER NOT NULL DEFAULT 0 CHECK (suspect IN (0, 1)),
  status       TEXT    NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'applied', 'ignored', 'expired')),
  created_at   TEXT    NOT NULL,
  decided_at   TEXT,
  decided_by   TEXT
);
-- One proposal per real change: the same entry first seen at the same fetch is proposed once.
CREATE UNIQUE INDEX price_proposals_once ON price_proposals (source, provider, model, fingerprint, seen_at);
CREATE INDEX price_proposals_status ON price_proposals (status, provider, model);

-- Who applied or ignored what, when, and the money effect; kept (routeops prices history).
CREATE TABLE price_audit (
  id           INTEGER PRIMARY KEY,
  at           TEXT    NOT NULL,                 -- ISO-8601 UTC
  by           TEXT    NOT NULL,                 -- the person (CLI: OS user or --by), or 'auto_apply'
  action       TEXT    NOT NULL CHECK (action IN ('applied', 'ignored')),
  proposal_id  INTEGER NOT NULL REFERENCES price_proposals (id),
  provider     TEXT    NOT NULL,
  model        TEXT    NOT NULL,
  rows         INTEGER NOT NULL DEFAULT 0,       -- ledger rows re-priced
  before_nusd  INTEGER NOT NULL DEFAULT 0,
  after_nusd   INTEGER NOT NULL DEFAULT 0,
  text         TEXT    NOT NULL
);
