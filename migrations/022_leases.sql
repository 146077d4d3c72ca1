-- Leases (src/store/leases.ts): work that one process at a time may do — a scheduled alert job's
-- tick, a route check — is held under a named lease until `until_ms`, renewed while it runs. A
-- holder that dies stops renewing; once `until_ms` has passed another process takes the lease.
-- With SQLite that is several processes on one file (the bot and `routeops alerts run`); with
-- PostgreSQL, several replicas (migrations/postgres/005_leases.sql).
CREATE TABLE leases (
  name      TEXT    PRIMARY KEY,
  holder    TEXT    NOT NULL,
  until_ms  INTEGER NOT NULL,
  since_ms  INTEGER NOT NULL            -- when this holder took it (a renewal keeps it)
) WITHOUT ROWID;
