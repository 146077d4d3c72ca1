-- Duplicate request ids are found through a key that is local in time (src/ledger requestKey):
--   request_key = (UTC day number of ts_ms) * 2^31 + (31-bit hash of request_id)
-- Rows arrive roughly in time order, so new keys land in the few index pages of the current days,
-- which stay cached: the old key (a hash alone) sent every insert to a random page of an index
-- that outgrows the cache, and import slowed from ~120k to ~35k rows/s by 10M rows.
-- The ledger looks an id up under its row's day and the days either side, so an id recorded again
-- within a day of the first time (an /ask row and the provider's export of the same call, a file
-- imported twice) is skipped; the same id days apart is taken to be another request.
-- The 31 bits are the low bits of the old request_hash, so existing keys are recomputed in SQL.
-- (Integer division truncates in SQLite; requestKey truncates the same way.)
DROP INDEX usage_request_hash;
ALTER TABLE usage RENAME COLUMN request_hash TO request_key;
UPDATE usage
   SET request_key = (ts_ms / 86400000) * 2147483648 + (request_key & 2147483647)
 WHERE request_key IS NOT NULL;
CREATE INDEX usage_request_key ON usage (request_key) WHERE request_key IS NOT NULL;
