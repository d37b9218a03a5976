-- Failures that tenants see and recover from (issue 14): a retrying
-- status, endpoint health, auto-disable, notices, manual attempts that
-- leave the retry schedule alone, and test events.
--
-- The ALTERs of deliveries and events only append (an ENUM value, columns
-- with defaults, a virtual column), which InnoDB does in place; the one
-- index rebuilt is the claim's.

-- retrying: at least one failed attempt, waiting for the next retry at
-- next_attempt_at.  pending is left for deliveries not yet attempted, or
-- made due again by hand.  Both are queued: the dispatchers claim either.
ALTER TABLE deliveries
  MODIFY COLUMN status ENUM('pending','paused','delivered','failed','dropped',
                            'retrying') NOT NULL DEFAULT 'pending';

-- manual: 1 while a single attempt made by hand is due (a redelivery or a
-- test event).  resume_at: when that attempt interrupted a retry
-- schedule, the retry it was waiting for; a failed manual attempt puts
-- the delivery back on it.  manual_attempts: attempts that did not count
-- towards the schedule, so the next retry is retry_schedule[attempts -
-- manual_attempts].  A bulk recover sets it to attempts: a fresh schedule.
ALTER TABLE deliveries
  ADD COLUMN IF NOT EXISTS manual_attempts INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS resume_at DATETIME(3) NULL;

-- What the claim reads: one value for both queued statuses, so that the
-- oldest due rows of an endpoint remain one range of one index, whatever
-- their status.
ALTER TABLE deliveries
  ADD COLUMN IF NOT EXISTS queued TINYINT(1)
    AS (IF(status IN ('pending', 'retrying'), 1, 0)) VIRTUAL;
ALTER TABLE deliveries
  DROP INDEX IF EXISTS deliveries_due,
  ADD INDEX deliveries_due (queued, endpoint_id, next_attempt_at);

UPDATE deliveries SET status = 'retrying'
 WHERE status = 'pending' AND attempts > 0;

-- Test events (POST /api/v1/endpoints/{id}/test, Send test event) go out
-- with X-Momentumpro-Test: true.
ALTER TABLE events
  ADD COLUMN IF NOT EXISTS test TINYINT(1) NOT NULL DEFAULT 0;

-- Endpoint health, written only when it changes: failing_since is the
-- first failed attempt after the last success (NULL: healthy);
-- fail_streak counts the failed attempts since.  failing_noticed: the
-- webhook.endpoint_failing event of this failing spell was emitted.
-- Auto-disable follows failing_since ([delivery] disable_after).
-- disabled_at: when it was disabled; disabled_notice: 1 while the
-- webhook.endpoint_disabled event and mail of an automatic disable (or a
-- 410) are still to be sent.
ALTER TABLE endpoints
  ADD COLUMN IF NOT EXISTS failing_since DATETIME(3) NULL,
  ADD COLUMN IF NOT EXISTS fail_streak INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS failing_noticed TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS disabled_at DATETIME(3) NULL,
  ADD COLUMN IF NOT EXISTS disabled_notice TINYINT(1) NOT NULL DEFAULT 0,
  ADD INDEX IF NOT EXISTS endpoints_failing (failing_since);

-- Mail queued about an endpoint, per kind (failing, disabled): at most
-- one per [notify] interval.

CREATE TABLE IF NOT EXISTS endpoint_notices (
  endpoint_id  BIGINT UNSIGNED NOT NULL,
  kind         VARCHAR(20) NOT NULL,
  sent_at      DATETIME(3) NOT NULL,
  PRIMARY KEY (endpoint_id, kind),
  CONSTRAINT endpoint_notices_fk FOREIGN KEY (endpoint_id)
    REFERENCES endpoints (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Mail to send ([notify] smtp_url), written in the transaction that
-- decided it and deleted once the SMTP server took it; one it refused
-- waits next_at (a growing backoff), so an SMTP outage delays mail and
-- nothing else.
CREATE TABLE IF NOT EXISTS mail_outbox (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tenant_id   BIGINT UNSIGNED NOT NULL,
  recipients  TEXT NOT NULL,
  subject     VARCHAR(300) NOT NULL,
  body        TEXT NOT NULL,
  attempts    INT UNSIGNED NOT NULL DEFAULT 0,
  last_error  VARCHAR(500) NULL,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  next_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY mail_outbox_next (next_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- webhooks_due_endpoints as in 004, on the queued rows.
DROP PROCEDURE IF EXISTS webhooks_due_endpoints;
CREATE PROCEDURE webhooks_due_endpoints(IN p_max INT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
BEGIN
  DECLARE v_ep BIGINT UNSIGNED DEFAULT 0;
  DECLARE v_next BIGINT UNSIGNED;
  DECLARE v_due DATETIME(3);
  DECLARE v_n INT DEFAULT 0;
  DECLARE v_now DATETIME(3) DEFAULT NOW(3);
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_next = NULL;

  CREATE TEMPORARY TABLE IF NOT EXISTS webhooks_due (
    endpoint_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    due DATETIME(3) NOT NULL
  ) ENGINE=MEMORY;
  DELETE FROM webhooks_due;
  scan: WHILE v_n < p_max DO
    SET v_next = NULL;
    SELECT endpoint_id, next_attempt_at INTO v_next, v_due
      FROM deliveries FORCE INDEX (deliveries_due)
     WHERE queued = 1 AND endpoint_id > v_ep
     ORDER BY queued, endpoint_id, next_attempt_at LIMIT 1;
    IF v_next IS NULL THEN
      LEAVE scan;
    END IF;
    SET v_ep = v_next;
    IF v_due <= v_now THEN
      INSERT INTO webhooks_due VALUES (v_ep, v_due);
      SET v_n = v_n + 1;
    END IF;
  END WHILE;
  SELECT w.endpoint_id, COALESCE(e.tenant_id, 0), s.endpoint_id IS NULL
    FROM webhooks_due w
    LEFT JOIN endpoints e ON e.id = w.endpoint_id
    LEFT JOIN endpoint_sched s ON s.endpoint_id = w.endpoint_id
   ORDER BY w.due;
END;
