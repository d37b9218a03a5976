"""webhooksctl status: figures match the database; exit status backs a
monitoring check (1 when deliveries are overdue past the threshold)."""
import json

from whtest import check, ctl, done, new_tenant, sql

tid, key = new_tenant("Status tenant")
sql("INSERT INTO endpoints (tenant_id, url, secret_sealed) VALUES (?, 'https://status.example.com/hook', 'v2:x')", tid)
ep = int(sql("SELECT MAX(id) FROM endpoints WHERE tenant_id = ?", tid)[0][0])
sql("INSERT INTO events (tenant_id, event_type, occurred_at, data) VALUES (?, 'leave.approved', '2026-04-29T14:32:11Z', '{}')", tid)
ev = int(sql("SELECT MAX(id) FROM events WHERE tenant_id = ?", tid)[0][0])
# One overdue by ten minutes, one held by a dispatcher, one retrying with a 503.
sql("INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, next_attempt_at) "
    "VALUES (?, ?, ?, 'pending', NOW(3) - INTERVAL 10 MINUTE)", tid, ev, ep)
overdue_id = int(sql("SELECT MAX(id) FROM deliveries")[0][0])
sql("INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, next_attempt_at, claimed_by, claim_token) "
    "VALUES (?, ?, ?, 'pending', NOW(3) + INTERVAL 2 MINUTE, 'hostA:4242', 7)", tid, ev, ep)
held_id = int(sql("SELECT MAX(id) FROM deliveries")[0][0])
sql("INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, attempts, last_status_code, next_attempt_at) "
    "VALUES (?, ?, ?, 'retrying', 2, 503, NOW(3) + INTERVAL 1 HOUR)", tid, ev, ep)
retry_id = int(sql("SELECT MAX(id) FROM deliveries")[0][0])

try:
    rc, out, err = ctl("status", "--json")
    d = json.loads(out) if out.strip().startswith("{") else {}
    counts = dict((r[0], int(r[1])) for r in sql("SELECT status, COUNT(*) FROM deliveries GROUP BY status"))
    check(all(d.get("queue", {}).get(s, -1) == counts.get(s, 0)
              for s in ("pending", "retrying", "paused", "delivered", "failed", "dropped")),
          "status: queue depth by state matches the database", (d.get("queue"), counts))
    due = int(sql("SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'retrying')"
                  " AND next_attempt_at <= NOW(3)")[0][0])
    check(d.get("due") == due, "status: due count matches", (d.get("due"), due))
    check(590000 <= d.get("oldest_due_ms", 0) <= 700000,
          "status: the oldest due delivery is about ten minutes overdue", d.get("oldest_due_ms"))
    check(rc == 1 and d.get("overdue") is True, "status exits 1 when overdue past the default 5 minutes", (rc, err))
    check(any(x["id"] == "hostA:4242" and x["holding"] >= 1 for x in d.get("dispatchers", [])),
          "status: dispatchers are seen from their leases", d.get("dispatchers"))
    check(d.get("in_flight", 0) >= 1, "status: in-flight deliveries are counted")
    f = [x for x in d.get("failing_endpoints", []) if x["id"] == ep]
    check(f and f[0]["retrying"] == 1 and f[0]["last_status_code"] == 503,
          "status: a failing endpoint is listed with its last status", d.get("failing_endpoints"))
    # Galera nodes are listed on a cluster (test_cluster); a plain server says so.
    check(d.get("database") == {"galera": False}, "status: a single database server is no cluster",
          d.get("database"))
    rc, out, err = ctl("status", "--max-overdue", "1h")
    check(rc == 0 and "Oldest due delivery:" in out and "hostA:4242" in out and "status.example.com" in out
          and "Database: a single server" in out,
          "status: readable text, exit 0 under a larger threshold", (rc, out, err))
    rc, out, err = ctl("status", "--max-overdue", "soon")
    check(rc == 2 and "duration" in err, "status: a bad threshold is explained", err)
finally:
    sql("UPDATE deliveries SET status = 'failed', claimed_by = NULL, claim_token = NULL WHERE id IN (?, ?, ?)",
        overdue_id, held_id, retry_id)

# Other tests may leave work behind: the exit status must agree with the
# database either way.
rc, out, err = ctl("status", "--max-overdue", "5m")
late = int(sql("SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'retrying') AND "
               "next_attempt_at < NOW(3) - INTERVAL 5 MINUTE")[0][0])
check(rc == (1 if late else 0), "status's exit status agrees with the database (%d overdue)" % late, out)
done()
