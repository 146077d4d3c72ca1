-- Prompt tokens a call wrote to the provider's prompt cache (OpenRouter's
-- prompt_tokens_details.cache_write_tokens, Qwen's cache_creation_input_tokens): part of
-- input_tokens, apart from cached_input_tokens, and priced at a version's cache_write rate
-- (src/domain/money/cost.ts). Rows recorded before this column existed wrote nothing known: 0.
ALTER TABLE usage ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
