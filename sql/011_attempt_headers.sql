-- The delivery page shows each attempt as GitHub's Recent deliveries
-- does, and the admin lists deliveries across a tenant's endpoints.
--
-- response_headers: the receiver's answer's headers, one per line, as the
-- dispatcher captured them (at most 8 KiB, control bytes written as
-- \xHH), written by the same INSERT as the rest of the attempt.
--
-- deliveries_tenant and deliveries_tenant_status: /admin/deliveries pages
-- a tenant's deliveries newest first (keyset on id), all of them or those
-- of one status; without them that listing reads every tenant's rows.
-- Built online (InnoDB adds a secondary index without copying the table).
--
-- Re-runnable.

ALTER TABLE attempts
  ADD COLUMN IF NOT EXISTS response_headers TEXT NULL;

ALTER TABLE deliveries
  ADD INDEX IF NOT EXISTS deliveries_tenant (tenant_id, id),
  ADD INDEX IF NOT EXISTS deliveries_tenant_status (tenant_id, status, id);
