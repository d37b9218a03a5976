"""Group commit: concurrent ingest requests served by one webhooks.fcgi
process (8 request threads behind lighttpd) share transactions.  Every
request must still get the ids of its own events, each with its own
tenant, data and delivery count, whatever group it was committed in."""
import json
import re
import threading

from whtest import Lighttpd, api, check, done, new_tenant, sql, write_config

ta, ka = new_tenant("Group tenant A")
tb, kb = new_tenant("Group tenant B")


def endpoint(tid, host, patterns):
    sql("INSERT INTO endpoints (tenant_id, url, secret_sealed) VALUES (?, ?, 'v2:x')",
        tid, "https://%s.group.example.com/hook" % host)
    ep = int(sql("SELECT MAX(id) FROM endpoints WHERE tenant_id = ?", tid)[0][0])
    for p in patterns:
        sql("INSERT INTO endpoint_events (endpoint_id, tenant_id, pattern) VALUES (?, ?, ?)", ep, tid, p)
    return ep


endpoint(ta, "a-all", ["*"])
endpoint(tb, "b-all", ["*"])
endpoint(tb, "b-leave", ["leave.*"])
# Tenant A: every event 1 delivery.  Tenant B: leave events 2, others 1.
expected = {(ta, "leave.approved"): 1, (ta, "expense.submitted"): 1,
            (tb, "leave.approved"): 2, (tb, "expense.submitted"): 1}

srv = Lighttpd(write_config("[log]\nlevel = debug"))
results = []
lock = threading.Lock()


def client(k):
    """Request k: a single event or a batch of three, tenant A or B, each
    event marked with its own number."""
    tid, key = (ta, ka) if k % 2 == 0 else (tb, kb)
    types = ["leave.approved", "expense.submitted"]
    if k % 3 == 0:
        evs = [{"event": types[(k + i) % 2], "data": {"mark": "%d.%d" % (k, i)}} for i in range(3)]
        body = evs
    else:
        evs = [{"event": types[k % 2], "data": {"mark": "%d.0" % k}}]
        body = evs[0]
    try:
        r = api(srv.url, "POST", "/api/v1/events", key, body)
        out = (r.status, r.json())
    except OSError as e:
        out = (0, str(e))
    with lock:
        results.append((k, tid, evs, isinstance(body, list), out))


try:
    for wave in range(3):
        threads = [threading.Thread(target=client, args=(wave * 48 + k,)) for k in range(48)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    check(len(results) == 144 and all(o[0] == 202 for _, _, _, _, o in results),
          "group: 144 concurrent requests through one process all answered 202",
          [o for _, _, _, _, o in results if o[0] != 202][:3])
    wrong = []
    seen = set()
    for k, tid, evs, batch, (status, ans) in results:
        if status != 202:
            continue
        got = ans.get("events") if batch else [ans]
        if not isinstance(got, list) or len(got) != len(evs):
            wrong.append((k, "answer shape", ans))
            continue
        if batch and ans.get("deliveries") != sum(g.get("deliveries", -1) for g in got):
            wrong.append((k, "batch total", ans))
        for ev, g in zip(evs, got):
            row = sql("SELECT tenant_id, event_type, data FROM events WHERE id = ?", g["id"])
            n = int(sql("SELECT COUNT(*) FROM deliveries WHERE event_id = ?", g["id"])[0][0])
            seen.add(g["id"])
            if not row:
                wrong.append((k, "no event row", g))
                continue
            tenant, etype, data = int(row[0][0]), row[0][1], json.loads(row[0][2])
            if tenant != tid or etype != ev["event"] or data != ev["data"]:
                wrong.append((k, "event row is another request's", g, row[0]))
            if g["deliveries"] != n or n != expected[(tid, ev["event"])]:
                wrong.append((k, "delivery count", g, n, expected[(tid, ev["event"])]))
    check(not wrong, "group: each answer's ids are that request's events, tenants and data", wrong[:3])
    total = sum(len(evs) for _, _, evs, _, _ in results)
    check(len(seen) == total, "group: %d events, every id distinct" % total, len(seen))
    stored = int(sql("SELECT COUNT(*) FROM events WHERE tenant_id IN (?, ?)", ta, tb)[0][0])
    check(stored == total, "group: exactly the events answered are stored", (stored, total))

    # The process's debug log says how many events each commit held.
    with open(srv.log, errors="replace") as f:
        sizes = [int(m) for m in re.findall(r"ingest: (\d+) events in one commit", f.read())]
    check(sizes and sum(sizes) == total and max(sizes) > 3,
          "group: requests shared commits (%d commits for %d events, largest %d)"
          % (len(sizes), total, max(sizes) if sizes else 0), sizes[:20])
finally:
    srv.stop()
    sql("UPDATE deliveries SET status = 'failed', completed_at = NOW(3) "
        "WHERE tenant_id IN (?, ?) AND status = 'pending'", ta, tb)
done()
