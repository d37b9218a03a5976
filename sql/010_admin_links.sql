-- Sign-in links for embedding (issue 18): POST /api/v1/admin-links makes
-- a single-use link that signs one user in to its tenant's admin, so a
-- Momentumpro admin can send its users to Admin -> Webhooks directly.
--
-- The link's token is 32 random bytes; only its SHA-256 is stored, as
-- for sessions and API keys.  A link is used by one UPDATE that matches
-- only while used_at is NULL and expires_at is ahead, so two clicks (or
-- two processes) cannot both sign in with it.  Used and expired rows are
-- kept for a day so the page can say what happened, then purged by
-- the sign-ins that make new links.
--
-- Re-runnable.

CREATE TABLE IF NOT EXISTS admin_links (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  token_hash  BINARY(32) NOT NULL,
  tenant_id   BIGINT UNSIGNED NOT NULL,
  user_id     BIGINT UNSIGNED NOT NULL,
  redirect    VARCHAR(512) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  expires_at  DATETIME(3) NOT NULL,
  used_at     DATETIME(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY admin_links_token (token_hash),
  KEY admin_links_expires (expires_at),
  KEY admin_links_user (user_id),
  CONSTRAINT admin_links_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
