-- Secrets (issue 15): rotation with an overlap, and sealed values bound
-- to their row.
--
-- Re-runnable, and quick on a busy database: only endpoints, a small
-- table, gets two columns (added last, in place).
--
-- During a rotation's overlap the secret that was replaced keeps signing
-- beside the new one (a second signature in webhook-signature, and
-- X-Momentumpro-Signature-Previous) until prev_secret_expires_at; sealed
-- like the current one, bound to this column.  Both NULL when there is
-- no overlap; a value past its time is ignored and cleared by the next
-- rotation.
ALTER TABLE endpoints
  ADD COLUMN IF NOT EXISTS prev_secret_sealed VARCHAR(512) NULL,
  ADD COLUMN IF NOT EXISTS prev_secret_expires_at DATETIME(3) NULL;

-- Sealed values ("v1:..." until now) become "v2:...": AES-256-GCM with
-- the table, column, row id and tenant id as associated data, so a value
-- copied into another row no longer opens.  SQL cannot do that (it has
-- no master key): webhooksctl migrate re-seals every v1 value right
-- after applying the migrations (endpoint_reseal_v1), and the programs
-- refuse v1 values from this version on.
--
-- standard_webhooks: new endpoints get it on (the API and the admin form
-- set it); existing endpoints keep what they have, so no receiver sees
-- its headers change under it.
