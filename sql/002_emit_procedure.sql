-- The transactional outbox: a Momentumpro module that already holds a
-- connection to this database emits an event inside its own transaction,
-- so the business change and the event commit or roll back together.
--
--   START TRANSACTION;
--   UPDATE leave_requests SET status = 'approved' WHERE id = 123;
--   CALL webhooks_emit(7, 'leave.approved', NULL,
--        '{"id":123,"employee_id":45,"days":5}', @event_id, @deliveries);
--   COMMIT;
--
-- It does the same fan-out as POST /api/v1/events: one pending delivery
-- per enabled endpoint subscribed to the type, its category or "*".
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
     AND e.enabled = 1;
  SET p_deliveries = ROW_COUNT();
END;
