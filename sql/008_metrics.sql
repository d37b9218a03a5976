-- Metrics (issue 18): counters that only go up, for GET /metrics.
--
-- Retention purges deliveries and attempts, so counting them at scrape
-- time would make a counter drop; instead the dispatchers' result writer
-- adds each batch's counts here (deliveries and attempts by outcome, the
-- attempt duration histogram) in the batch's own transaction, and
-- webhooks.fcgi adds its ingest answers by HTTP status about once a
-- second.  Nothing ever deletes a row.
--
-- name and label say what is counted (src/core/metric.h); slot spreads
-- the writers over rows (a dispatcher's slot comes from its id, a
-- webhooks.fcgi process's from its pid), so that writers side by side
-- seldom wait on one row lock.  A scrape sums the slots.
--
-- Re-runnable.
CREATE TABLE IF NOT EXISTS metric_counters (
  name   VARCHAR(48) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  label  VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  slot   TINYINT UNSIGNED NOT NULL,
  value  BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (name, label, slot)
) ENGINE=InnoDB;
