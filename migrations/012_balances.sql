-- Prepaid balances (docs/ARCHITECTURE.md §3.8): each poll of a provider's balance API that
-- answered well is a snapshot; a reply that failed records nothing. Amounts are integer
-- nano-units of the snapshot's own currency (1 USD = 1e9, 1 CNY = 1e9), never converted.
CREATE TABLE balance_snapshots (
  id              INTEGER PRIMARY KEY,
  provider        TEXT    NOT NULL,
  kind            TEXT    NOT NULL,                -- deepseek, moonshot, openrouter, alibaba_bss, json
  at              TEXT    NOT NULL,                -- when it was read, ISO-8601 UTC
  at_ms           INTEGER NOT NULL,
  currency        TEXT    NOT NULL,                -- ISO 4217: USD, CNY, …
  balance_nano    INTEGER NOT NULL,                -- what is left to spend (may be negative)
  available       INTEGER CHECK (available IN (0, 1)),  -- the provider says calls are served; NULL = not reported
  granted_nano    INTEGER,                         -- DeepSeek granted_balance
  topped_up_nano  INTEGER,                         -- DeepSeek topped_up_balance
  voucher_nano    INTEGER,                         -- Kimi voucher_balance
  cash_nano       INTEGER,                         -- Kimi cash_balance
  usage_nano      INTEGER,                         -- OpenRouter usage (key) or total_usage (credits)
  limit_nano      INTEGER,                         -- OpenRouter limit (key) or total_credits (credits)
  detail          TEXT    NOT NULL                 -- the reply's amounts as sent (JSON), never a key
);
CREATE INDEX balance_snapshots_provider ON balance_snapshots (provider, currency, at_ms, id);
CREATE INDEX balance_snapshots_at ON balance_snapshots (at_ms);

-- Money added between consecutive snapshots of one provider and currency
-- (src/domain/money/balance.ts balanceEvents): a rise is a top-up (or, where the provider splits
-- the balance, a grant), never negative spend.
CREATE TABLE balance_events (
  id           INTEGER PRIMARY KEY,
  provider     TEXT    NOT NULL,
  currency     TEXT    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('top_up', 'grant')),
  amount_nano  INTEGER NOT NULL CHECK (amount_nano > 0),
  at           TEXT    NOT NULL,                   -- the later snapshot's time
  at_ms        INTEGER NOT NULL,
  snapshot_id  INTEGER NOT NULL REFERENCES balance_snapshots (id),
  previous_id  INTEGER NOT NULL REFERENCES balance_snapshots (id)
);
CREATE INDEX balance_events_provider ON balance_events (provider, at_ms);
