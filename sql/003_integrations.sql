-- Integrations (issue 6): payload formats, filters and custom headers per
-- endpoint, and the outbox procedure taught to apply the filters.
--
-- Re-runnable, and quick on a busy database: only endpoints, a small
-- table, gets columns (added last, which InnoDB does in place without
-- copying the table); the rest is new tables.  deliveries, events and
-- attempts are not touched.

-- format (already there since 001) is momentumpro, slack or pagerduty.
-- The PagerDuty routing key and the custom headers are sealed with the
-- master key like the signing secret ("v1:..."); the headers as one
-- value, "Name: value" lines, so the dispatcher opens one column and has
-- the lines it sends.
ALTER TABLE endpoints
  ADD COLUMN IF NOT EXISTS pagerduty_key_sealed VARCHAR(255) NULL,
  ADD COLUMN IF NOT EXISTS headers_sealed MEDIUMTEXT NULL;

-- Conditions on the event's data that must all hold for the endpoint to
-- get a delivery.  path is what the tenant wrote ("data.priority");
-- json_path is the same path for MariaDB's JSON functions ('$."priority"'),
-- built by webhooks.fcgi from segments of [A-Za-z0-9_] only, so no value
-- ever becomes JSON path syntax.  value is canonical JSON text (a scalar
-- for eq and ne, an array of scalars for in, NULL for exists); num is the
-- number of gt and lt.
CREATE TABLE IF NOT EXISTS endpoint_filters (
  endpoint_id  BIGINT UNSIGNED NOT NULL,
  position     SMALLINT UNSIGNED NOT NULL,
  tenant_id    BIGINT UNSIGNED NOT NULL,
  path         VARCHAR(255) NOT NULL,
  json_path    VARCHAR(300) NOT NULL,
  op           ENUM('eq','ne','in','exists','gt','lt') NOT NULL,
  value        TEXT NULL,
  num          DOUBLE NULL,
  PRIMARY KEY (endpoint_id, position),
  KEY endpoint_filters_tenant (tenant_id),
  CONSTRAINT endpoint_filters_fk FOREIGN KEY (endpoint_id)
    REFERENCES endpoints (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Events an endpoint was subscribed to but whose data failed its filters.
-- A counter split over 16 slots, picked by connection: concurrent ingest
-- transactions mostly update different rows instead of queueing on one,
-- and the rows of one transaction are still taken in endpoint order.
CREATE TABLE IF NOT EXISTS endpoint_stats (
  endpoint_id  BIGINT UNSIGNED NOT NULL,
  slot         TINYINT UNSIGNED NOT NULL,
  filtered     BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (endpoint_id, slot),
  CONSTRAINT endpoint_stats_fk FOREIGN KEY (endpoint_id)
    REFERENCES endpoints (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- webhooks_emit as in 002, plus the filters: an event that fails an
-- endpoint's filters creates no delivery for it and counts as filtered.
-- Its two INSERT ... SELECT statements are, word for word, EMIT_FANOUT
-- and EMIT_COUNT_FILTERED of src/core/emit.h, which POST /api/v1/events runs
-- (tests/unit/test_emit.c checks that they stay the same).  The parts of
-- the filter test, NOT EXISTS (...):
--   JSON_VALID first: MariaDB's JSON functions stop at 32 levels of
--   nesting (ingest allows 64) with a warning, and strict mode would make
--   that warning fail the INSERT; such data fails every filter instead.
--   eq, ne, in: type and value, so the string "5" is not the number 5;
--   strings compare unescaped (JSON_VALUE, then JSON_QUOTE, the form the
--   stored values are written in); objects and arrays never match.
--   gt, lt: a JSON number, or a string holding a plain decimal number
--   ("1250.00": the catalog's amounts are strings), of at most 30 digits
--   each side of the point and a two-digit exponent, so CAST cannot
--   overflow and warn.  \z, not $: $ also matches before a final newline.
--   A missing path fails every filter but ne.
DROP PROCEDURE IF EXISTS webhooks_emit;
CREATE PROCEDURE webhooks_emit(
  IN  p_tenant_id    BIGINT UNSIGNED,
  IN  p_event_type   VARCHAR(100),
  IN  p_occurred_at  VARCHAR(32),
  IN  p_data         MEDIUMTEXT,
  OUT p_event_id     BIGINT UNSIGNED,
  OUT p_deliveries   INT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
BEGIN
  DECLARE v_category VARCHAR(50);
  DECLARE v_msg VARCHAR(255);

  SELECT category INTO v_category FROM event_types
   WHERE name = p_event_type;
  IF v_category IS NULL THEN
    SET v_msg = CONCAT('unknown event type: ', LEFT(p_event_type, 100),
                       '; see /admin/webhooks/event-catalog');
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_msg;
  END IF;
  IF p_data IS NULL OR NOT JSON_VALID(p_data)
     OR JSON_TYPE(p_data) <> 'OBJECT' THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'data must be a JSON object';
  END IF;
  IF p_occurred_at IS NULL THEN
    SET p_occurred_at = DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ');
  ELSEIF p_occurred_at NOT REGEXP
      '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z$' THEN
    SIGNAL SQLSTATE '45000'
      SET MESSAGE_TEXT = 'occurred_at must be RFC 3339 UTC, e.g. 2026-04-29T14:32:11Z';
  END IF;

  INSERT INTO events (tenant_id, event_type, occurred_at, data)
  VALUES (p_tenant_id, p_event_type, p_occurred_at, p_data);
  SET p_event_id = LAST_INSERT_ID();

  INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status,
                          next_attempt_at)
  SELECT DISTINCT e.tenant_id, p_event_id, e.id, 'pending', NOW(3)
    FROM endpoint_events s
    JOIN endpoints e ON e.id = s.endpoint_id
   WHERE s.tenant_id = p_tenant_id
     AND s.pattern IN (p_event_type, CONCAT(v_category, '.*'), '*')
     AND e.enabled = 1
     AND NOT EXISTS (SELECT 1 FROM endpoint_filters f
              JOIN events ev ON ev.id = p_event_id
             WHERE f.endpoint_id = e.id
               AND NOT (JSON_VALID(ev.data) AND COALESCE(CASE f.op
                   WHEN 'exists' THEN JSON_CONTAINS_PATH(ev.data, 'one', f.json_path)
                   WHEN 'gt' THEN (CASE WHEN JSON_TYPE(JSON_EXTRACT(ev.data, f.json_path))
                         IN ('INTEGER', 'DOUBLE', 'STRING')
                         AND JSON_VALUE(ev.data, f.json_path) REGEXP
                         '^-?[0-9]{1,30}([.][0-9]{1,30})?([eE][-+]?[0-9]{1,2})?\\z'
                         THEN CAST(JSON_VALUE(ev.data, f.json_path) AS DOUBLE) END) > f.num
                   WHEN 'lt' THEN (CASE WHEN JSON_TYPE(JSON_EXTRACT(ev.data, f.json_path))
                         IN ('INTEGER', 'DOUBLE', 'STRING')
                         AND JSON_VALUE(ev.data, f.json_path) REGEXP
                         '^-?[0-9]{1,30}([.][0-9]{1,30})?([eE][-+]?[0-9]{1,2})?\\z'
                         THEN CAST(JSON_VALUE(ev.data, f.json_path) AS DOUBLE) END) < f.num
                   WHEN 'ne' THEN NOT COALESCE(CASE JSON_TYPE(JSON_EXTRACT(ev.data, f.json_path))
                         WHEN 'STRING' THEN JSON_CONTAINS(f.value,
                           JSON_QUOTE(JSON_VALUE(ev.data, f.json_path)))
                         WHEN 'OBJECT' THEN 0 WHEN 'ARRAY' THEN 0
                         ELSE JSON_CONTAINS(f.value, JSON_EXTRACT(ev.data, f.json_path)) END, 0)
                   ELSE CASE JSON_TYPE(JSON_EXTRACT(ev.data, f.json_path))
                         WHEN 'STRING' THEN JSON_CONTAINS(f.value,
                           JSON_QUOTE(JSON_VALUE(ev.data, f.json_path)))
                         WHEN 'OBJECT' THEN 0 WHEN 'ARRAY' THEN 0
                         ELSE JSON_CONTAINS(f.value, JSON_EXTRACT(ev.data, f.json_path)) END
                   END, 0)));
  SET p_deliveries = ROW_COUNT();

  -- Counted as filtered out: subscribed endpoints with filters that got
  -- no delivery just now (the filters are not run twice).  Only where the
  -- tenant has filters at all.
  IF EXISTS (SELECT 1 FROM endpoint_filters WHERE tenant_id = p_tenant_id) THEN
    INSERT INTO endpoint_stats (endpoint_id, slot, filtered)
    SELECT DISTINCT e.id, CONNECTION_ID() % 16, 1
      FROM endpoint_events s
      JOIN endpoints e ON e.id = s.endpoint_id
     WHERE s.tenant_id = p_tenant_id
       AND s.pattern IN (p_event_type, CONCAT(v_category, '.*'), '*')
       AND e.enabled = 1
       AND EXISTS (SELECT 1 FROM endpoint_filters f WHERE f.endpoint_id = e.id)
       AND NOT EXISTS (SELECT 1 FROM deliveries d
                        WHERE d.event_id = p_event_id AND d.endpoint_id = e.id)
    ON DUPLICATE KEY UPDATE filtered = endpoint_stats.filtered + 1;
  END IF;
END;
