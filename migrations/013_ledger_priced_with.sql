-- What the ledger's rows were last priced with, per (provider, model): the catalog's price
-- versions (id and terms) when routeops last made the rows follow it. A start whose catalog
-- differs (a new built-in version after an upgrade, a config price edited) re-prices the rows
-- from the first version that changed (src/features/catalog/follow.ts).
CREATE TABLE ledger_priced_with (
  provider  TEXT NOT NULL,
  model     TEXT NOT NULL,
  versions  TEXT NOT NULL,                        -- JSON [{"id","terms"}], in effective order
  PRIMARY KEY (provider, model)
);
