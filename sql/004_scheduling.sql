-- Scheduling per endpoint, fairness between tenants and heartbeats
-- (issue 12).
--
-- Re-runnable.  deliveries gets two secondary indexes (built online);
-- the rest is new tables.

-- The claim finds the endpoints that have due deliveries by skipping
-- along deliveries_due (webhooks_due_endpoints below: two index dives
-- per endpoint, whatever the depth of each backlog), then takes the
-- oldest due rows of each endpoint it has room for as a range of the
-- same index.
ALTER TABLE deliveries
  ADD INDEX IF NOT EXISTS deliveries_due (status, endpoint_id, next_attempt_at);

-- The deliveries dispatchers hold: what each endpoint has in flight
-- across all of them (a range over held rows only), and what a dead
-- dispatcher held, to make it due again at once.
ALTER TABLE deliveries
  ADD INDEX IF NOT EXISTS deliveries_held (claimed_by, endpoint_id);

-- Every running dispatcher, with a heartbeat every heartbeat_interval.
-- One whose heartbeat is older than heartbeat_timeout is dead: another
-- deletes its row and makes what it held due again.  A clean stop
-- deletes its own row.
CREATE TABLE IF NOT EXISTS dispatchers (
  id            VARCHAR(64) NOT NULL,
  host          VARCHAR(64) NOT NULL,
  pid           INT UNSIGNED NOT NULL,
  started_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  heartbeat_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  in_flight     INT UNSIGNED NOT NULL DEFAULT 0,
  held          INT UNSIGNED NOT NULL DEFAULT 0,
  claimed       BIGINT UNSIGNED NOT NULL DEFAULT 0,
  released      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY dispatchers_host (host),
  KEY dispatchers_heartbeat (heartbeat_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per endpoint that has had due deliveries: the lock a claim
-- takes (FOR UPDATE SKIP LOCKED) before it counts what the endpoint has
-- in flight and takes more, so that dispatchers claiming side by side
-- never exceed endpoint_concurrency together.  Only dispatchers touch
-- it, so ingest never waits on it.
CREATE TABLE IF NOT EXISTS endpoint_sched (
  endpoint_id  BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (endpoint_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The endpoints with due deliveries, the oldest due first, at most
-- p_max of them, with their tenant (0 for a deleted endpoint) and
-- whether endpoint_sched lacks their row.  A skip scan: for each
-- endpoint with pending rows, one index dive finds it with its oldest
-- row, so the cost follows the number of endpoints, never the depth of their
-- backlogs.  (GROUP BY with MIN() could do the same as a loose index
-- scan, but the optimizer picks it only with fresh statistics: right
-- after a bulk of new rows it reads every due entry instead.)
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
  -- SELECT ... INTO, not SET v = (SELECT ...): as a scalar subquery
  -- the server may read the whole range before it applies LIMIT 1.
  scan: WHILE v_n < p_max DO
    SET v_next = NULL;
    SELECT endpoint_id, next_attempt_at INTO v_next, v_due
      FROM deliveries FORCE INDEX (deliveries_due)
     WHERE status = _utf8mb4'pending' COLLATE utf8mb4_bin AND endpoint_id > v_ep
     ORDER BY status, endpoint_id, next_attempt_at LIMIT 1;
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
