-- The gateway's virtual keys (docs/ARCHITECTURE.md §3.1 `keys`, §3.8): one row per key ever
-- made. The key itself is never stored: `hash` is the SHA-256 (hex) of the whole key text, and
-- `prefix` its first characters, shown so people can tell keys apart. Rotating a key revokes the
-- old row and adds a new one with the same name and settings (`rotated_from`).
CREATE TABLE gateway_keys (
  id                  INTEGER PRIMARY KEY,
  name                TEXT    NOT NULL,                  -- the service; the ledger's `user` for its calls
  owner               TEXT,                              -- who answers for it (free text)
  prefix              TEXT    NOT NULL,                  -- e.g. "ro_AbC1": never enough to use the key
  hash                TEXT    NOT NULL UNIQUE,           -- sha256 hex of the whole key
  aliases             TEXT    NOT NULL DEFAULT '[]',     -- JSON array of the aliases it may call
  provider_models     INTEGER NOT NULL DEFAULT 0 CHECK (provider_models IN (0, 1)),  -- may it call provider/model ids
  budget_daily_nano   INTEGER CHECK (budget_daily_nano > 0),     -- nano-USD a local day; NULL = none
  budget_monthly_nano INTEGER CHECK (budget_monthly_nano > 0),   -- nano-USD a calendar month; NULL = none
  rpm                 INTEGER CHECK (rpm > 0),                   -- requests a minute; NULL = no limit
  expires_ms          INTEGER,                           -- NULL = never
  created_at          TEXT    NOT NULL,                  -- ISO-8601 UTC
  created_ms          INTEGER NOT NULL,
  revoked_at          TEXT,                              -- NULL = not revoked
  revoked_ms          INTEGER,
  rotated_from        INTEGER REFERENCES gateway_keys (id)
);
-- A name names one key at a time: unique among the keys not revoked.
CREATE UNIQUE INDEX gateway_keys_live_name ON gateway_keys (name) WHERE revoked_ms IS NULL;
