-- The gateway keys' limits shared by every process on this file (src/store/key-limits.ts), so two
-- processes serving the gateway do not allow twice a key's requests a minute or budget
-- (PostgreSQL: migrations/postgres/006_gateway_key_limits.sql). Every admission and settle
-- finds its rows by primary key and changes no indexed column.
--
-- Per key name: the ring of its last `rpm` admissions (`next`: the oldest slot once `filled`
-- reaches rpm; a new rpm starts a new ring) and the average cost of its priced calls (nano-USD,
-- each cost moves it 1/8 of the way: what a call in flight is expected to cost).
CREATE TABLE gateway_key_limits (
  name      TEXT    PRIMARY KEY,
  rpm       INTEGER,
  next      INTEGER NOT NULL DEFAULT 0,
  filled    INTEGER NOT NULL DEFAULT 0,
  avg_nano  INTEGER
) WITHOUT ROWID;
CREATE TABLE gateway_key_rate_slots (
  name   TEXT    NOT NULL,
  slot   INTEGER NOT NULL,                 -- 0 .. rpm-1
  at_ms  INTEGER NOT NULL,                 -- when the admission in this slot was made
  PRIMARY KEY (name, slot)
) WITHOUT ROWID;
-- A budgeted key's calls in flight per process (Services.instance): counted while until_ms is
-- ahead, which each admission there moves on; a process that died stops counting then.
CREATE TABLE gateway_key_holds (
  name       TEXT    NOT NULL,
  holder     TEXT    NOT NULL,
  in_flight  INTEGER NOT NULL,
  until_ms   INTEGER NOT NULL,
  PRIMARY KEY (name, holder)
) WITHOUT ROWID;
