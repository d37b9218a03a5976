-- Hardening after the security review (issue 15): sign-in throttling
-- per (email, address) and per address, sessions that end when idle, and
-- the counters behind the quotas.
--
-- Re-runnable.  login_throttle only ever held short-lived counts, so the
-- old per-email table is replaced, not converted.

DROP TABLE IF EXISTS login_throttle;

-- One row per (email, client address) that has had wrong passwords, and
-- one per address (email '') counting all of its wrong passwords.  A
-- sign-in claims its attempt here before the password is checked (an
-- UPDATE that only matches while the count is below the limit), so
-- concurrent guesses cannot overtake the lock; the right password gives
-- its claims back.  A row counts for nothing once reset_at has passed:
-- each wrong password moves reset_at to login_lockout from now, and
-- the row that reached its limit stays locked until then.  Rows past
-- reset_at are purged by sign-ins and by the dispatchers' retention.
CREATE TABLE IF NOT EXISTS login_attempts (
  addr      VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  email     VARCHAR(254) NOT NULL,
  failures  INT UNSIGNED NOT NULL,
  reset_at  DATETIME(3) NOT NULL,
  PRIMARY KEY (addr, email),
  KEY login_attempts_reset (reset_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A session unused for session_idle ends, whatever its lifetime says;
-- the index lets a sign-in sweep the idle ones without a scan.
ALTER TABLE sessions
  ADD COLUMN IF NOT EXISTS last_seen_at DATETIME(3) NOT NULL
    DEFAULT CURRENT_TIMESTAMP(3) AFTER created_at;
ALTER TABLE sessions
  ADD INDEX IF NOT EXISTS sessions_seen (last_seen_at);

-- Fixed-window counters for the quotas ([limits]): one row per
-- (kind, subject), where subject is a tenant or an endpoint id.  One
-- INSERT ... ON DUPLICATE KEY UPDATE counts a request and returns the
-- window's count through LAST_INSERT_ID, so every FastCGI process on
-- every host shares the count at the cost of one statement.
CREATE TABLE IF NOT EXISTS rate_counters (
  kind     VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  subject  BIGINT UNSIGNED NOT NULL,
  win      BIGINT NOT NULL,
  n        BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (kind, subject)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
