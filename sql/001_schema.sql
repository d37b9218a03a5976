-- Momentumpro outgoing webhooks: the whole data model.
-- Applied by `webhooksctl migrate`, which records it in schema_migrations.
-- Every table is InnoDB with a primary key so Galera and replication work.

CREATE TABLE IF NOT EXISTS tenants (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  name        VARCHAR(200) NOT NULL,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS users (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tenant_id      BIGINT UNSIGNED NOT NULL,
  email          VARCHAR(254) NOT NULL,
  password_hash  VARCHAR(255) NOT NULL,
  created_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY users_email (email),
  KEY users_tenant (tenant_id),
  CONSTRAINT users_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Session tokens and API keys are stored as SHA-256 of the token: they
-- are 32 random bytes, so a fast hash is enough and a dump leaks nothing.
CREATE TABLE IF NOT EXISTS sessions (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  token_hash  BINARY(32) NOT NULL,
  user_id     BIGINT UNSIGNED NOT NULL,
  tenant_id   BIGINT UNSIGNED NOT NULL,
  csrf_token  CHAR(43) NOT NULL,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  expires_at  DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY sessions_token (token_hash),
  KEY sessions_expires (expires_at),
  KEY sessions_user (user_id),
  CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS api_keys (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tenant_id     BIGINT UNSIGNED NOT NULL,
  key_hash      BINARY(32) NOT NULL,
  prefix        VARCHAR(16) NOT NULL,
  name          VARCHAR(200) NOT NULL DEFAULT '',
  created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  last_used_at  DATETIME(3) NULL,
  revoked_at    DATETIME(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY api_keys_hash (key_hash),
  KEY api_keys_tenant (tenant_id),
  CONSTRAINT api_keys_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The event catalog, upserted from sql/catalog.json by every migrate run;
-- rows are never deleted, so subscriptions survive catalog changes.
CREATE TABLE IF NOT EXISTS event_types (
  name         VARCHAR(100) NOT NULL,
  category     VARCHAR(50) NOT NULL,
  description  VARCHAR(500) NOT NULL,
  example      MEDIUMTEXT NOT NULL,
  PRIMARY KEY (name),
  KEY event_types_category (category)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Secrets and custom header values are AES-256-GCM sealed with the master
-- key ("v1:..."), never stored in clear.
CREATE TABLE IF NOT EXISTS endpoints (
  id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tenant_id          BIGINT UNSIGNED NOT NULL,
  url                VARCHAR(2048) NOT NULL,
  description        VARCHAR(500) NOT NULL DEFAULT '',
  enabled            TINYINT(1) NOT NULL DEFAULT 1,
  disabled_reason    VARCHAR(255) NULL,
  secret_sealed      VARCHAR(512) NOT NULL,
  standard_webhooks  TINYINT(1) NOT NULL DEFAULT 0,
  format             VARCHAR(20) NOT NULL DEFAULT 'momentumpro',
  options            MEDIUMTEXT NULL,
  created_at         DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at         DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
                     ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY endpoints_tenant (tenant_id, enabled),
  CONSTRAINT endpoints_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What an endpoint listens to: an exact type, "category.*" or "*".
CREATE TABLE IF NOT EXISTS endpoint_events (
  endpoint_id  BIGINT UNSIGNED NOT NULL,
  tenant_id    BIGINT UNSIGNED NOT NULL,
  pattern      VARCHAR(100) NOT NULL,
  PRIMARY KEY (endpoint_id, pattern),
  KEY endpoint_events_fanout (tenant_id, pattern),
  CONSTRAINT endpoint_events_fk FOREIGN KEY (endpoint_id) REFERENCES endpoints (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- data is kept byte for byte as the producer sent it; occurred_at as the
-- normalised RFC 3339 text that goes into the body.
CREATE TABLE IF NOT EXISTS events (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tenant_id    BIGINT UNSIGNED NOT NULL,
  event_type   VARCHAR(100) NOT NULL,
  occurred_at  VARCHAR(32) NOT NULL,
  data         MEDIUMTEXT NOT NULL,
  created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY events_tenant (tenant_id, id),
  KEY events_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- status: pending (due at next_attempt_at; while a dispatcher holds it,
-- next_attempt_at is the end of its lease, so an expired lease makes the
-- row due again with no second index), paused (endpoint disabled),
-- delivered, failed (final, no retry), dropped (retries exhausted).
CREATE TABLE IF NOT EXISTS deliveries (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tenant_id         BIGINT UNSIGNED NOT NULL,
  event_id          BIGINT UNSIGNED NOT NULL,
  endpoint_id       BIGINT UNSIGNED NOT NULL,
  status            ENUM('pending','paused','delivered','failed','dropped')
                    NOT NULL DEFAULT 'pending',
  attempts          INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  claimed_by        VARCHAR(64) NULL,
  claim_token       BIGINT UNSIGNED NULL,
  manual            TINYINT(1) NOT NULL DEFAULT 0,
  last_attempt_at   DATETIME(3) NULL,
  last_status_code  SMALLINT NULL,
  last_error        VARCHAR(500) NULL,
  last_duration_ms  INT UNSIGNED NULL,
  completed_at      DATETIME(3) NULL,
  created_at        DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY deliveries_claim (status, next_attempt_at),
  KEY deliveries_endpoint (endpoint_id, id),
  KEY deliveries_endpoint_status (endpoint_id, status, id),
  KEY deliveries_event (event_id),
  KEY deliveries_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS attempts (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  delivery_id       BIGINT UNSIGNED NOT NULL,
  endpoint_id       BIGINT UNSIGNED NOT NULL,
  started_at        DATETIME(3) NOT NULL,
  duration_ms       INT UNSIGNED NOT NULL DEFAULT 0,
  status_code       SMALLINT NULL,
  error             VARCHAR(500) NULL,
  response_snippet  MEDIUMTEXT NULL,
  request_headers   TEXT NULL,
  dispatcher        VARCHAR(64) NULL,
  PRIMARY KEY (id),
  KEY attempts_delivery (delivery_id, id),
  KEY attempts_endpoint_time (endpoint_id, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS idempotency_keys (
  tenant_id    BIGINT UNSIGNED NOT NULL,
  idem_key     VARCHAR(255) NOT NULL,
  status_code  SMALLINT NOT NULL,
  response     MEDIUMTEXT NOT NULL,
  created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (tenant_id, idem_key),
  KEY idempotency_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS login_throttle (
  email        VARCHAR(254) NOT NULL,
  failures     INT UNSIGNED NOT NULL DEFAULT 0,
  locked_until DATETIME(3) NULL,
  updated_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
