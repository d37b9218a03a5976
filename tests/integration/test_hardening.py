"""Security review (issue 15): ports refused at save and at connect, one
log line per request whatever its path, a bounded delivery page for a
large deep event, and the [limits] quotas (endpoints per tenant, test
and redeliver per endpoint per minute, ingest per tenant per second)."""
import json
import os
import threading
import time

from whtest import (RUN, SERVERS, Admin, Dispatcher, Lighttpd, admin_user, api, check, done,
                    http_request, new_tenant, sql, wait_until, write_config)

LIGHTTPD = SERVERS[0][1]


def create(base, key, url, events=("leave.approved",)):
    return api(base, "POST", "/api/v1/endpoints", key, {"url": url, "events": list(events)})


# ---------------------------------------------------------------- ports
tid, key = new_tenant("Hardening ports")
for name, base in SERVERS:
    r = create(base, key, "https://example.com:22/h")
    err = (r.json() or {}).get("error", {})
    check(r.status == 422 and err.get("code") == "invalid_url" and "port 22" in err.get("message", "")
          and "1024" in err.get("message", ""),
          "%s: https://example.com:22/h is refused at save with invalid_url saying what to use" % name, r)
    for port in (25, 1023, 0):
        r = create(base, key, "http://example.com:%d/h" % port)
        check(r.status == 422 and r.json()["error"]["code"] == "invalid_url",
              "%s: port %d is refused" % (name, port), r)
    for url in ("https://example.com/h", "http://example.com:80/h", "https://example.com:443/h",
                "https://n8n.example.com:5678/webhook/x", "https://example.com:1024/h",
                "https://example.com:65535/h"):
        r = create(base, key, url)
        check(r.status == 201, "%s: %s is accepted" % (name, url), r)
    r = create(base, key, "http://127.0.0.1:9/h")
    check(r.status == 201, "%s: with allow_private_networks = yes a loopback address may use any port" % name, r)
    eid = create(base, key, "https://example.com/h").json()["id"]
    r = api(base, "PATCH", "/api/v1/endpoints/%d" % eid, key, {"url": "https://example.com:25/h"})
    check(r.status == 422 and r.json()["error"]["code"] == "invalid_url",
          "%s: a PATCH to a forbidden port is refused" % name, r)
check(int(sql("SELECT COUNT(*) FROM endpoints WHERE tenant_id = ? AND url LIKE ?", tid, '%:22/%')[0][0]) == 0,
      "nothing was stored for a refused port")

a = Admin(LIGHTTPD, *admin_user(tid, "ports"))
r = a.post("/admin/webhooks", [("url", "https://hooks.example.com:25/x"), ("events", "leave.approved")])
check(r.status == 422 and b'id="url-error"' in r.body and b"port 25 is not allowed" in r.body,
      "the admin form shows the port error at the URL field", r.body[:300])

srv = Lighttpd(write_config("[delivery]\nallowed_ports = 22, 8000-8100\n"))
try:
    ok = [create(srv.url, key, "https://example.com:%d/h" % p).status for p in (22, 8000, 8100)]
    bad = create(srv.url, key, "https://example.com:23/h").status
    check(ok == [201, 201, 201] and bad == 422, "[delivery] allowed_ports = 22, 8000-8100 allows those", (ok, bad))
finally:
    srv.stop()

# An endpoint saved before the rule (or through a name) is refused at
# connect: one failed attempt that says why, nothing sent.
tid2, key2 = new_tenant("Hardening ports at connect")
eid = create(LIGHTTPD, key2, "https://example.com/h").json()["id"]
sql("UPDATE endpoints SET url = 'http://8.8.8.8:25/h' WHERE id = ?", eid)
r = api(LIGHTTPD, "POST", "/api/v1/events", key2, {"event": "leave.approved", "data": {"id": 1}})
check(r.status == 202, "an event for the endpoint on port 25 is accepted", r)
# Sign-in counts whose window is over, left behind by 48 random emails,
# go with the dispatchers' retention.
for i in range(48):
    sql("INSERT INTO login_attempts (addr, email, failures, reset_at)"
        " VALUES ('127.0.0.99', ?, 1, NOW(3) - INTERVAL 1 MINUTE)", "stale-%d@example.com" % i)
# So do quota counters untouched for a day (a deleted endpoint's).
sql("INSERT INTO rate_counters (kind, subject, win, n) VALUES"
    " ('manual', 999999991, FLOOR(UNIX_TIMESTAMP() / 60) - 1441, 3),"
    " ('manual', 999999992, FLOOR(UNIX_TIMESTAMP() / 60) - 5, 3)")
d = Dispatcher()
try:
    row = wait_until(lambda: [x for x in sql("SELECT status, attempts, last_error FROM deliveries"
                                             " WHERE endpoint_id = ?", eid) if x[0] != "pending"], timeout=30)
    gone = wait_until(lambda: sql("SELECT COUNT(*) FROM login_attempts WHERE addr = '127.0.0.99'") == [["0"]],
                      timeout=30)
    quota_rows = wait_until(lambda: sql("SELECT subject FROM rate_counters WHERE subject > 999999990")
                            == [["999999992"]], timeout=30)
finally:
    d.stop()
check(gone, "the dispatcher's retention purges sign-in counts whose window is over (48 rows)")
check(quota_rows, "... and quota counters untouched for a day, not recent ones")
check(row and row[0][0] == "failed" and row[0][1] == "1" and "port 25" in row[0][2]
      and "allowed_ports" in row[0][2],
      "the dispatcher refuses to connect to a public address on port 25: one final failed attempt", row)

# ---------------------------------------------------------------- log
# lighttpd refuses a control character in the decoded path itself (400);
# Apache passes it on to webhooks.fcgi, which logs the path.
def apache_log():
    with open(os.path.join(RUN, "apache.pub")) as f:
        return os.path.join(f.read().strip(), "log", "error.log")


for name, base, logf in (("lighttpd", SERVERS[0][1], os.path.join(RUN, "lighttpd-error.log")),
                         ("apache", SERVERS[1][1], apache_log())):
    marker = "forged-%s-%d" % (name, int(time.time() * 1000))
    path = "/api/v1/nosuch%0a2026-01-01T00:00:00.000Z%20webhooks.fcgi[1]%20error:%20" + marker + "%ff"
    r = http_request(base, "GET", path)

    def marker_lines():
        with open(logf, "rb") as f:
            return [line for line in f if marker.encode() in line and b"webhooks.fcgi[" in line]

    if name == "lighttpd":
        check(r.status == 400 and not marker_lines(), "lighttpd: a path with %0a is refused by lighttpd", r)
        continue
    check(r.status in (401, 404), "%s: a path with %%0a reaches webhooks.fcgi" % name, r)
    lines = wait_until(marker_lines, timeout=5)
    check(len(lines) == 1 and b"\\n2026-01-01" in lines[0] and b"\\xff" in lines[0],
          "%s: a decoded %%0a in the path leaves one log line, escaped (\\n, \\xff)" % name, lines)
    with open(logf, "rb") as f:
        forged = [line for line in f if line.startswith(b"2026-01-01T00:00:00.000Z")]
    check(not forged, "%s: no log line starts with the forged text" % name, forged)

# ---------------------------------------------------------------- page
tid3, key3 = new_tenant("Hardening deep event")
eid3 = create(LIGHTTPD, key3, "https://example.com/deep").json()["id"]
adm = Admin(LIGHTTPD, *admin_user(tid3, "deep"))


def deep(depth, items):
    inner = {"rows": [{"id": i, "name": "row %d" % i, "ok": True} for i in range(items)]}
    for _ in range(depth):
        inner = {"a": inner}
    return inner


for label, data, big in (("800 KB nested 60 deep", deep(60, 20000), True),
                         ("50 KB nested 60 deep", deep(60, 1200), False)):
    body = json.dumps({"event": "leave.approved", "data": data}, separators=(",", ":"))
    r = api(LIGHTTPD, "POST", "/api/v1/events", key3, body, {"Content-Type": "application/json"})
    check(r.status == 202, "%s: ingested (%d bytes)" % (label, len(body)), r)
    did = int(sql("SELECT id FROM deliveries WHERE endpoint_id = ? ORDER BY id DESC LIMIT 1", eid3)[0][0])
    t0 = time.time()
    page = adm.get("/admin/deliveries/%d" % did)
    took = time.time() - t0
    if big:
        check(page.status == 200 and len(page.body) < 1024 * 1024,
              "%s: the delivery page renders and stays under 1 MB (%d bytes, %.2fs)"
              % (label, len(page.body), took), page)
        check(b"indented view is shown for bodies up to 64 KiB" in page.body
              and b"Body, indented" not in page.body,
              "%s: no indented view above 64 KiB, and the page says so" % label)
        check(b"Download the whole body" in page.body and b'href="/admin/deliveries/%d/body"' % did in page.body,
              "%s: the body is shown in part with a link to all of it" % label)
        dl = adm.get("/admin/deliveries/%d/body" % did)
        sent = dl.json() or {}
        check(dl.status == 200 and dl.header("Content-Type") == "application/json"
              and "attachment" in (dl.header("Content-Disposition") or "")
              and sent.get("data") == data and sent.get("event") == "leave.approved",
              "%s: the download is the exact body" % label, dl)
        other = Admin(LIGHTTPD, *admin_user(new_tenant("Hardening other")[0], "deep-other"))
        check(other.get("/admin/deliveries/%d/body" % did).status == 404,
              "%s: another tenant cannot download it" % label)
    else:
        check(page.status == 200 and b"Body, indented" in page.body and len(page.body) < 1024 * 1024,
              "%s: the indented view is shown, bounded (%d bytes)" % (label, len(page.body)), page)
        check(b"\n" + b" " * 26 not in page.body,
              "%s: indentation stops growing past 12 levels" % label)

# ---------------------------------------------------------------- quotas
# Endpoints per tenant.
srv = Lighttpd(write_config("[limits]\nendpoints_per_tenant = 3\ningest_per_second = 2\n"))
try:
    tid4, key4 = new_tenant("Hardening endpoint quota")
    st = [create(srv.url, key4, "https://example.com/q%d" % i).status for i in range(3)]
    r = create(srv.url, key4, "https://example.com/q3")
    err = (r.json() or {}).get("error", {})
    check(st == [201, 201, 201] and r.status == 409 and err.get("code") == "endpoint_limit_reached"
          and "3 endpoints" in err.get("message", "") and "endpoints_per_tenant" in err.get("message", ""),
          "endpoints_per_tenant = 3: the 4th endpoint is refused with a clear error", (st, r))
    adm4 = Admin(srv.url, *admin_user(tid4, "quota"))
    r = adm4.post("/admin/webhooks", [("url", "https://hooks.example.com/x"), ("events", "leave.approved")])
    check(r.status == 409 and b"already has 3 endpoints" in r.body and b'value="https://hooks.example.com/x"' in r.body,
          "the admin form says the tenant is at its endpoint limit and keeps the values", r.body[:300])
    first = api(srv.url, "GET", "/api/v1/endpoints", key4).json()["data"][0]["id"]
    api(srv.url, "DELETE", "/api/v1/endpoints/%d" % first, key4)
    check(create(srv.url, key4, "https://example.com/q4").status == 201,
          "after a delete there is room for one more")
    key6 = new_tenant("Hardening endpoint quota, other")[1]
    check(create(srv.url, key6, "https://example.com/other").status == 201,
          "the limit is per tenant: another tenant is not refused")

    # Ingest per tenant per second: off by default, 2 here.
    while time.time() % 1 > 0.3:
        time.sleep(0.02)
    res = [api(srv.url, "POST", "/api/v1/events", key4, {"event": "leave.approved", "data": {"id": i}})
           for i in range(4)]
    lim = [x for x in res if x.status == 429]
    check([x.status for x in res[:2]] == [202, 202] and lim
          and all(x.header("Retry-After") == "1" and x.json()["error"]["code"] == "rate_limited" for x in lim),
          "ingest_per_second = 2: a 3rd request in the second gets 429 rate_limited with Retry-After",
          [(x.status, x.header("Retry-After"), x.body[:200]) for x in res])
    time.sleep(1.1)
    r = api(srv.url, "POST", "/api/v1/events", key4, {"event": "leave.approved", "data": {"id": 9}})
    check(r.status == 202, "the next second accepts events again", r)
    r = api(LIGHTTPD, "POST", "/api/v1/events", key4, {"event": "leave.approved", "data": {"id": 10}})
    check(r.status == 202, "the ingest quota is off by default", r)
finally:
    srv.stop()

# Test and redeliver per endpoint per minute: 10 by default, shared.
tid5, key5 = new_tenant("Hardening manual quota")
e1 = create(LIGHTTPD, key5, "https://example.com/m1").json()["id"]
e2 = create(LIGHTTPD, key5, "https://example.com/m2").json()["id"]
now = time.time()
if now % 60 > 45:
    time.sleep(60 - now % 60 + 0.2)
res = []
lock = threading.Lock()


def send_test():
    x = api(LIGHTTPD, "POST", "/api/v1/endpoints/%d/test" % e1, key5)
    with lock:
        res.append(x)


threads = [threading.Thread(target=send_test) for _ in range(9)]
for t in threads:
    t.start()
for t in threads:
    t.join()
did = int(sql("SELECT id FROM deliveries WHERE endpoint_id = ? ORDER BY id LIMIT 1", e1)[0][0])
r10 = api(LIGHTTPD, "POST", "/api/v1/deliveries/%d/redeliver" % did, key5)
check(sorted(x.status for x in res) == [202] * 9 and r10.status in (202, 409),
      "9 concurrent tests and a redeliver of one endpoint within a minute are accepted",
      [x.status for x in res] + [r10.status])
r = api(LIGHTTPD, "POST", "/api/v1/endpoints/%d/test" % e1, key5)
ra = int(r.header("Retry-After") or 0)
check(r.status == 429 and r.json()["error"]["code"] == "rate_limited" and 1 <= ra <= 60
      and "manual_deliveries_per_minute" in r.json()["error"]["message"],
      "the 11th test in the minute gets 429 rate_limited with Retry-After", r)
r = api(LIGHTTPD, "POST", "/api/v1/deliveries/%d/redeliver" % did, key5)
check(r.status == 429 and r.header("Retry-After"), "so does a redeliver of the same endpoint", r)
adm5 = Admin(LIGHTTPD, *admin_user(tid5, "manual"))
adm5.get("/admin/webhooks/%d" % e1)
r = adm5.post("/admin/webhooks/%d/test" % e1)
check(r.status == 429 and b"try again in" in r.body and r.header("Retry-After"),
      "the admin's Send test event says to wait", r.body[:300])
r = adm5.post("/admin/deliveries/%d/redeliver" % did)
check(r.status == 429, "and so does its Redeliver", r)
r = api(LIGHTTPD, "POST", "/api/v1/endpoints/%d/test" % e2, key5)
check(r.status == 202, "another endpoint of the tenant is not limited", r)
n = int(sql("SELECT COUNT(*) FROM deliveries WHERE endpoint_id = ?", e1)[0][0])
check(n == 9, "refused tests created nothing (%d deliveries)" % n, n)
r = api(LIGHTTPD, "POST", "/api/v1/endpoints/999999999/test", key5)
check(r.status == 404, "a test of an unknown endpoint is 404, not counted", r)
done()
