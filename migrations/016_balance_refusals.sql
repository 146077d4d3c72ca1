-- Calls a provider refused for lack of money (status 'balance': DeepSeek 402, Kimi 403, Qwen
-- Arrearage, GLM 1113 — src/upstream/providers/errors.ts) raise the balances job's `unavailable`
-- alert (src/store/balances.ts refusals). Partial: only those rows are in it, so it costs the
-- ordinary insert nothing and the job reads the refusals of the last day without a scan.
CREATE INDEX usage_balance_refusals ON usage (provider, ts_ms) WHERE status = 'balance';
