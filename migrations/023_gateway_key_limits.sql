-- The gateway keys' limits shared by every process on this file (src/store/key-limits.ts), so two
-- processes serving the gateway do not allow twice a key's requests a minute or budget
-- (PostgreSQL: migrations/postgres/006_gateway_key_limits.sql).
--
-- A key name's last `rpm` admissions, one row per slot (a ring): a call takes the oldest slot
-- when it is 60 s old or more, or a new slot while fewer than `rpm` exist.
CREATE TABLE gateway_key_rate_slots (
  name   TEXT    NOT NULL,
  slot   INTEGER NOT NULL,                 -- 0 .. rpm-1
  at_ms  INTEGER NOT NULL,                 -- when the admission in this slot was made
  PRIMARY KEY (name, slot)
) WITHOUT ROWID;
CREATE INDEX gateway_key_rate_slots_oldest ON gateway_key_rate_slots (name, at_ms);

-- A budgeted key's calls in flight, one row per call from its admission to its end; a row
-- whose until_ms has passed no longer counts (its process died without ending it).
CREATE TABLE gateway_key_holds (
  id        INTEGER PRIMARY KEY,
  name      TEXT    NOT NULL,
  holder    TEXT    NOT NULL,              -- the process that admitted it (Services.instance)
  until_ms  INTEGER NOT NULL
);
CREATE INDEX gateway_key_holds_live ON gateway_key_holds (name, until_ms);

-- A budgeted key's average cost of a priced call (nano-USD; each cost moves it by 1/8): what a
-- call in flight is expected to cost.
CREATE TABLE gateway_key_costs (
  name      TEXT    PRIMARY KEY,
  avg_nano  INTEGER NOT NULL
) WITHOUT ROWID;
