-- Re-pricing one (provider, model) from an instant (src/store/ledger/reprice.ts) and the unpriced
-- rows a new model's proposal would price (src/features/catalog/proposals/propose.ts) read the
-- rows of that model from that instant on. Without this index each of them scans the whole
-- ledger; with it only those rows are read. Rows arrive in time order, so an insert lands at the
-- end of its model's range, in pages that stay cached. Measured in bench/reprice.ts (re-pricing)
-- and bench/run.ts (import): see README "Benchmarks".
CREATE INDEX usage_scope ON usage (provider, model, ts_ms);
