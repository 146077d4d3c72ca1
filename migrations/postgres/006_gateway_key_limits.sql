-- The gateway keys' limits shared by the replicas (src/store/postgres/key-limits.ts), as SQLite's
-- migrations/023_gateway_key_limits.sql: per key name its rate ring and average cost, the ring's
-- slots, and per replica its calls in flight of a budgeted key. UNLOGGED: no WAL for state that
-- lives a minute; a server crash empties them (limits start afresh: one minute's requests and the
-- calls then in flight may be admitted again). Rows are found by primary key and no indexed
-- column changes, so updates stay on their page (HOT) and a busy key leaves no index bloat.
CREATE UNLOGGED TABLE gateway_key_limits (
  name      TEXT    PRIMARY KEY,
  rpm       INTEGER,
  next      INTEGER NOT NULL DEFAULT 0,
  filled    INTEGER NOT NULL DEFAULT 0,
  avg_nano  BIGINT
);
CREATE UNLOGGED TABLE gateway_key_rate_slots (
  name   TEXT    NOT NULL,
  slot   INTEGER NOT NULL,
  at_ms  BIGINT  NOT NULL,
  PRIMARY KEY (name, slot)
);
CREATE UNLOGGED TABLE gateway_key_holds (
  name       TEXT    NOT NULL,
  holder     TEXT    NOT NULL,
  in_flight  INTEGER NOT NULL,
  until_ms   BIGINT  NOT NULL,
  PRIMARY KEY (name, holder)
);

-- One admission in one round trip: a lock on the key name (transaction-scoped, so replicas
-- admitting for one key take turns; each statement of a PL/pgSQL function takes a fresh snapshot
-- under READ COMMITTED, so what is read after the lock includes what the previous holder
-- committed), then the budget's calls in flight, then the rate ring, then the hold.
-- p_room: the least of (budget - spent) over the key's budgets, NULL for a key without one.
-- outcome: 'ok', 'budget', 'unpriced' or 'rate' (free_at_ms: when the oldest slot frees).
CREATE FUNCTION gateway_key_admit(p_name TEXT, p_now BIGINT, p_holder TEXT, p_rpm INTEGER, p_window BIGINT, p_room NUMERIC, p_unpriced INTEGER, p_until BIGINT)
RETURNS TABLE (outcome TEXT, avg_nano BIGINT, in_flight INTEGER, free_at_ms BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
  v_avg    BIGINT;
  v_count  INTEGER := 0;
  v_rpm    INTEGER;
  v_next   INTEGER := 0;
  v_filled INTEGER := 0;
  v_at     BIGINT;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('gateway_key:' || p_name, 0));
  SELECT l.rpm, l.next, l.filled, l.avg_nano INTO v_rpm, v_next, v_filled, v_avg FROM gateway_key_limits l WHERE l.name = p_name;
  IF p_room IS NOT NULL THEN
    SELECT coalesce(sum(h.in_flight), 0) INTO v_count FROM gateway_key_holds h WHERE h.name = p_name AND h.until_ms > p_now;
    IF coalesce(v_avg, 0)::NUMERIC * v_count >= p_room THEN
      RETURN QUERY SELECT 'budget'::TEXT, v_avg, v_count, NULL::BIGINT;
      RETURN;
    END IF;
    IF v_avg IS NULL AND v_count >= p_unpriced THEN
      RETURN QUERY SELECT 'unpriced'::TEXT, v_avg, v_count, NULL::BIGINT;
      RETURN;
    END IF;
  END IF;
  IF p_rpm IS NOT NULL THEN
    IF v_rpm IS DISTINCT FROM p_rpm THEN
      v_next := 0;
      v_filled := 0;
    END IF;
    IF v_filled < p_rpm THEN
      INSERT INTO gateway_key_rate_slots (name, slot, at_ms) VALUES (p_name, v_filled, p_now)
        ON CONFLICT (name, slot) DO UPDATE SET at_ms = excluded.at_ms;
      v_filled := v_filled + 1;
    ELSE
      SELECT s.at_ms INTO v_at FROM gateway_key_rate_slots s WHERE s.name = p_name AND s.slot = v_next;
      IF p_now - v_at < p_window THEN
        RETURN QUERY SELECT 'rate'::TEXT, v_avg, v_count, v_at + p_window;
        RETURN;
      END IF;
      UPDATE gateway_key_rate_slots s SET at_ms = p_now WHERE s.name = p_name AND s.slot = v_next;
      v_next := (v_next + 1) % p_rpm;
    END IF;
    INSERT INTO gateway_key_limits AS l (name, rpm, next, filled) VALUES (p_name, p_rpm, v_next, v_filled)
      ON CONFLICT (name) DO UPDATE SET rpm = excluded.rpm, next = excluded.next, filled = excluded.filled;
  END IF;
  IF p_room IS NOT NULL THEN
    INSERT INTO gateway_key_holds AS h (name, holder, in_flight, until_ms) VALUES (p_name, p_holder, 1, p_until)
      ON CONFLICT (name, holder) DO UPDATE SET in_flight = h.in_flight + 1, until_ms = greatest(h.until_ms, excluded.until_ms);
  END IF;
  RETURN QUERY SELECT 'ok'::TEXT, v_avg, v_count, NULL::BIGINT;
END;
$$;
