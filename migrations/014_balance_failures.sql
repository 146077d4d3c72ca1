-- Failed balance polls (docs/ARCHITECTURE.md §3.8): a poll whose reply was bad records no
-- snapshot, but /balance shows why the latest one failed, and the unavailable alert fires only
-- after several polls in a row failed. The message is the short, key-free BalanceError text.
CREATE TABLE balance_failures (
  id        INTEGER PRIMARY KEY,
  provider  TEXT    NOT NULL,
  at        TEXT    NOT NULL,                -- when the poll ran, ISO-8601 UTC
  at_ms     INTEGER NOT NULL,
  message   TEXT    NOT NULL
);
CREATE INDEX balance_failures_provider ON balance_failures (provider, at_ms, id);

-- The newest snapshot of each provider whatever its currency (src/store/balances.ts latest): one
-- seek per provider.
CREATE INDEX balance_snapshots_latest ON balance_snapshots (provider, at_ms, id);
