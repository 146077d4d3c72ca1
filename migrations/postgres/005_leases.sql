-- Leases (src/store/leases.ts): what one replica at a time may do, held until until_ms and renewed
-- while it runs; a dead holder's lease is taken once it has passed (SQLite: migrations/022_leases.sql).
CREATE TABLE leases (
  name      TEXT    PRIMARY KEY,
  holder    TEXT    NOT NULL,
  until_ms  BIGINT  NOT NULL,
  since_ms  BIGINT  NOT NULL
);
