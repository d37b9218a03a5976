-- The one-time view of a new endpoint's secret: the endpoint whose
-- secret the session's next visit to that endpoint's page shows once.
ALTER TABLE sessions
  ADD COLUMN IF NOT EXISTS secret_once BIGINT UNSIGNED NULL AFTER csrf_token;
