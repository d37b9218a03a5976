"""The all-deliveries page (/admin/deliveries) and the delivery page's
attempts, through lighttpd and Apache: every filter (status, event type,
endpoint, time range, delivery or event id), the cursor, a session
required, tenant isolation, bad filters refused with a message at the
field, hostile values shown as text; and the response headers a real
receiver sent, captured by a real dispatcher, bounded and escaped."""
import json
import re
import time
import urllib.parse

from whtest import (LIGHTTPD, SERVERS, Admin, Dispatcher, Receiver, admin_user, api, check, ctl,
                    done, http_request, new_tenant, sql, wait_until)

EP = "/api/v1/endpoints"
HOSTILE = '"><script>alert(1)</script>'
ESCAPED = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"


def create(key, url, events):
    r = api(LIGHTTPD, "POST", EP, key, {"url": url, "events": events})
    if r.status != 201:
        raise RuntimeError("create endpoint: %r" % r)
    return r.json()["id"]


def emit(tid, etype, data):
    rc, out, err = ctl("emit", "--tenant", str(tid), etype, json.dumps(data))
    if rc != 0:
        raise RuntimeError("emit: " + err)
    return json.loads(out)


def ids(q, *params):
    return [r[0] for r in sql(q, *params)]


def listed(resp):
    """The delivery ids the page links to, in the page's order."""
    return re.findall(r'href="/admin/deliveries/(\d+)"', resp.body.decode())


def older(resp):
    m = re.search(r'href="(/admin/deliveries\?before=[^"]+)" rel="next"', resp.body.decode())
    return m.group(1).replace("&amp;", "&") if m else None


tid, key = new_tenant("Deliveries page")
tid_b, key_b = new_tenant("Deliveries page, other tenant")

# ---------------------------------------------------------------- attempts
# A real receiver that answers with headers of its own: a hostile one, a
# tab (a control character), and one far over the 8 KiB kept.
BIG = "y" * 20000


def answer(req):
    hdrs = {"X-Trace": HOSTILE, "X-Tabbed": "a\tb", "X-Big": BIG}
    return (503 if req["path"].endswith("/fail") else 200), hdrs, "body " + HOSTILE


recv = Receiver(answer)
e_ok = create(key, recv.url + "/ok", ["incident.reported"])
e_fail = create(key, recv.url + "/fail", ["incident.reported"])
ev = emit(tid, "incident.reported", {"id": 1, "title": "disk full"})
d_ok = int(sql("SELECT id FROM deliveries WHERE event_id = ? AND endpoint_id = ?", ev["event_id"], e_ok)[0][0])
d_fail = int(sql("SELECT id FROM deliveries WHERE event_id = ? AND endpoint_id = ?", ev["event_id"], e_fail)[0][0])
disp = Dispatcher()
got = wait_until(lambda: int(sql("SELECT COUNT(*) FROM attempts WHERE delivery_id = ?", d_ok)[0][0]) >= 1
                 and int(sql("SELECT COUNT(*) FROM attempts WHERE delivery_id = ?", d_fail)[0][0]) >= 2, 30)
disp.stop()
check(got, "the dispatcher made one attempt to the working endpoint and two to the failing one")
# Nothing of ours left for the next files' dispatchers.
sql("UPDATE deliveries SET status = 'failed', last_status_code = 503 WHERE id = ?", d_fail)
sql("UPDATE endpoints SET enabled = 0 WHERE id IN (?, ?)", e_ok, e_fail)

stored = sql("SELECT response_headers FROM attempts WHERE delivery_id = ? ORDER BY id LIMIT 1", d_ok)
rh = stored[0][0] if stored else ""
# mariadb -B writes a tab inside a value as \t and a backslash as \\.
rh = rh.replace("\\\\", "\\")
check("X-Trace: " + HOSTILE in rh, "the dispatcher stores the response's headers as received", rh[:300])
check("X-Tabbed: a\\x09b" in rh, "a control character in a response header is stored escaped (\\x09)", rh[:300])
size = sql("SELECT LENGTH(response_headers), response_headers LIKE 'HTTP/%%'"
           " OR LOCATE(CONCAT(CHAR(10), 'HTTP/'), response_headers) > 0"
           " FROM attempts WHERE delivery_id = ? ORDER BY id LIMIT 1", d_ok)
check(size and 8000 <= int(size[0][0]) <= 8192 and BIG not in rh,
      "the stored response headers stop at 8 KiB (the receiver sent 20 KB)", size)
check(size and size[0][1] == "0",
      "the status line is not among the headers (the status has its own column)")

r = api(LIGHTTPD, "GET", "/api/v1/deliveries/%d" % d_ok, key)
at = (r.json() or {}).get("attempts") or [{}]
check(r.status == 200 and "X-Trace: " + HOSTILE in (at[0].get("response_headers") or ""),
      "the API's delivery detail has each attempt's response_headers", r)

for name, base in SERVERS:
    a = Admin(base, *admin_user(tid, "att-" + name))
    body = a.get("/admin/webhooks/%d" % e_fail).body.decode()
    row = re.search(r'<tr><td data-label="Delivery"><a href="/admin/deliveries/%d">#%d</a></td>'
                    r'<td data-label="Time"><time datetime="([^"]+)">\1</time></td>'
                    r'<td data-label="Event"><code>incident.reported</code> <span class="muted">event %d</span>'
                    % (d_fail, d_fail, ev["event_id"]), body)
    last = sql("SELECT CONCAT(LEFT(DATE_FORMAT(last_attempt_at, '%%Y-%%m-%%dT%%H:%%i:%%s.%%f'), 23), 'Z')"
               " FROM deliveries WHERE id = ?", d_fail)[0][0]
    check(row and row.group(1) == last,
          "%s: the endpoint's deliveries show the delivery id, its last attempt's time and the event id" % name,
          (row and row.group(1), last))
    body = a.get("/admin/webhooks").body.decode()
    check(re.search(r'data-label="Last delivery">.*?<small><time datetime="[^"]+">', body, re.S),
          "%s: Last delivery on Admin → Webhooks has its time" % name)
    body = a.get("/admin/deliveries/%d" % d_ok).body.decode()
    check("X-Trace: " + ESCAPED in body and "<script>alert(1)" not in body,
          "%s: the response headers are on the delivery page, as text" % name)
    check("body " + ESCAPED in body and "Request headers" in body and "HTTP 200" in body,
          "%s: the attempt shows its request headers, status, response headers and body" % name)
    body = a.get("/admin/deliveries/%d" % d_fail).body.decode()
    nums = [int(n) for n in re.findall(r"<h3>Attempt (\d+) ", body)]
    check(len(nums) >= 2 and nums == sorted(nums, reverse=True),
          "%s: attempts are listed newest first" % name, nums)
    opened = re.findall(r'<details class="attempt card" id="attempt-(\d+)"( open)?>', body)
    check(opened and opened[0][1] == " open" and all(o == "" for _, o in opened[1:]),
          "%s: only the newest attempt is open" % name, opened)
    check(body.count("aria-label=\"Request headers, attempt ") == len(nums)
          and body.count("aria-label=\"Response headers, attempt ") == len(nums),
          "%s: every attempt has its request and response headers, each block labelled" % name)
    check(re.search(r'<pre class="wrap" role="region" tabindex="0" aria-label="Request body">', body),
          "%s: the body block wraps and the keyboard reaches it" % name)

# ---------------------------------------------------------------- listing
l1 = create(key, "https://hooks.example.com/leave", ["leave.approved"])
l2 = create(key, "https://hooks.example.com/incidents?team=" + urllib.parse.quote(HOSTILE), ["incident.closed"])
lb = create(key_b, "https://hooks.example.com/other", ["leave.approved", "incident.closed"])
for i in range(30):
    emit(tid, "leave.approved", {"id": i})
emit(tid_b, "leave.approved", {"id": 1})
t_first = time.time()
time.sleep(1.1)
t_mid = time.time()
time.sleep(1.1)
for i in range(30, 60):
    emit(tid, "leave.approved", {"id": i})
closed = [emit(tid, "incident.closed", {"id": i})["event_id"] for i in range(5)]
emit(tid_b, "incident.closed", {"id": 1})
sql("UPDATE deliveries SET status = 'delivered', last_status_code = 200, attempts = 1,"
    " last_attempt_at = NOW(3) WHERE endpoint_id IN (?, ?)", l1, lb)
sql("UPDATE deliveries SET status = 'failed', last_status_code = 500, attempts = 1,"
    " last_error = ?, last_attempt_at = NOW(3) WHERE endpoint_id = ?", HOSTILE, l2)
mine = ids("SELECT id FROM deliveries WHERE tenant_id = ? ORDER BY id DESC", tid)
theirs = ids("SELECT id FROM deliveries WHERE tenant_id = ? ORDER BY id DESC", tid_b)


def second(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))


for name, base in SERVERS:
    a = Admin(base, *admin_user(tid, "list-" + name))
    b = Admin(base, *admin_user(tid_b, "list-b-" + name))

    r = http_request(base, "GET", "/admin/deliveries")
    check(r.status in (302, 303) and (r.header("Location") or "").endswith("/admin/login"),
          "%s: the page needs a session" % name, r)

    r = a.get("/admin/deliveries")
    page1 = listed(r)
    check(r.status == 200 and page1 == mine[:50],
          "%s: the first page lists the tenant's 50 newest deliveries, newest first" % name,
          (page1[:3], mine[:3], len(page1)))
    check('<a href="/admin/deliveries">Deliveries</a>' in r.body.decode(),
          "%s: the page header links to the deliveries page" % name)
    nxt = older(r)
    r2 = a.get(nxt) if nxt else None
    check(r2 is not None and listed(r2) == mine[50:] and older(r2) is None and "Newest" in r2.body.decode(),
          "%s: the cursor's next page holds the rest, and no further page" % name, nxt)
    check(not set(theirs) & set(page1 + (listed(r2) if r2 else [])),
          "%s: another tenant's deliveries are never listed" % name)
    body = r.body.decode()
    check("<script>alert(1)" not in body and ESCAPED in body,
          "%s: a hostile endpoint URL and error are shown as text" % name)
    check('<time datetime="' in body and re.search(r'<time datetime="([^"]+)">\1</time>', body),
          "%s: times are <time datetime> elements with the UTC time as text" % name)

    want = ids("SELECT id FROM deliveries WHERE tenant_id = ? AND status = 'failed' ORDER BY id DESC", tid)
    r = a.get("/admin/deliveries?status=failed")
    check(listed(r) == want and "<option selected>failed</option>" in r.body.decode(),
          "%s: filter by status" % name, (listed(r), want))
    want = ids("SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id"
               " WHERE d.tenant_id = ? AND e.event_type = 'incident.closed' ORDER BY d.id DESC", tid)
    r = a.get("/admin/deliveries?event=incident.closed")
    check(len(want) == 5 and listed(r) == want, "%s: filter by event type" % name, (listed(r), want))
    r = a.get("/admin/deliveries?endpoint=%d&status=delivered" % l1)
    want = ids("SELECT id FROM deliveries WHERE endpoint_id = ? ORDER BY id DESC", l1)
    check(listed(r) == want[:50] and older(r) and ("endpoint=%d" % l1) in older(r),
          "%s: filter by endpoint (and status); the pager keeps the filters" % name, older(r))
    r2 = a.get(older(r)) if older(r) else None
    check(r2 is not None and listed(r2) == want[50:], "%s: the filtered next page holds the rest" % name)

    want = ids("SELECT id FROM deliveries WHERE endpoint_id = ? ORDER BY id DESC", l1)
    r = a.get("/admin/deliveries?endpoint=%d&until=%s" % (l1, second(t_first)))
    check(listed(r) == want[30:], "%s: filter until a second (that second included)" % name,
          (len(listed(r)), second(t_first)))
    r = a.get("/admin/deliveries?endpoint=%d&from=%s" % (l1, second(t_mid + 1)))
    check(listed(r) == want[:30], "%s: filter from a second" % name, (len(listed(r)), second(t_mid + 1)))
    today = time.strftime("%Y-%m-%d", time.gmtime())
    yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    r = a.get("/admin/deliveries?event=incident.closed&from=%s" % today)
    r2 = a.get("/admin/deliveries?event=incident.closed&until=%s" % yesterday)
    check(len(listed(r)) == 5 and listed(r2) == [] and "No delivery matches" in r2.body.decode(),
          "%s: filter by day (YYYY-MM-DD)" % name)
    r = a.get("/admin/deliveries?from=%sT00:00&until=%sT23:59" % (today, today) + "&event=incident.closed")
    check(r.status == 200 and len(listed(r)) == 5, "%s: filter by minute (YYYY-MM-DDTHH:MM)" % name, r.status)

    # An id is looked up as both: the delivery with that id and the
    # deliveries of the event with that id.
    def by_id(n):
        return ids("SELECT id FROM deliveries WHERE tenant_id = ? AND (id = ? OR event_id = ?)"
                   " ORDER BY id DESC", tid, n, n)
    r = a.get("/admin/deliveries?id=%d" % d_ok)
    check(str(d_ok) in listed(r) and listed(r) == by_id(d_ok), "%s: find a delivery by its id" % name,
          (listed(r), by_id(d_ok)))
    r = a.get("/admin/deliveries?id=%d" % ev["event_id"])
    check({str(d_ok), str(d_fail)} <= set(listed(r)) and listed(r) == by_id(ev["event_id"]),
          "%s: find an event's deliveries by the event id" % name, listed(r))
    r = a.get("/admin/deliveries?id=%23" + str(closed[0]))
    check(listed(r) == by_id(closed[0]) and len(listed(r)) >= 1, "%s: an id may start with #" % name)

    # Tenant isolation.
    r = b.get("/admin/deliveries")
    check(listed(r) == theirs, "%s: the other tenant sees only its own deliveries" % name, listed(r))
    # An id is also looked up as the other kind, and the other tenant's
    # own rows may have that number: none of ours may show.
    r = b.get("/admin/deliveries?id=%d" % d_ok)
    check(r.status == 200 and str(d_ok) not in listed(r) and set(listed(r)) <= set(theirs),
          "%s: another tenant's delivery id finds nothing of that tenant" % name, listed(r))
    r = b.get("/admin/deliveries?id=%d" % ev["event_id"])
    check(not {str(d_ok), str(d_fail)} & set(listed(r)) and set(listed(r)) <= set(theirs),
          "%s: another tenant's event id finds nothing of that tenant" % name, listed(r))
    r = b.get("/admin/deliveries?endpoint=%d" % l1)
    check(r.status == 400 and "There is no such endpoint" in r.body.decode() and listed(r) == [],
          "%s: another tenant's endpoint is refused as unknown" % name, r.status)

    # Bad filters: 400, the page with a message at the field.
    for q, field, msg in (("status=bogus", "status", "Choose a status"),
                          ("event=no.such.type", "event", "no event type by that name"),
                          ("endpoint=abc", "endpoint", "Choose an endpoint"),
                          ("from=2026-13-01", "from", "Write the time as a date"),
                          ("from=2026-02-30", "from", "Write the time as a date"),
                          ("until=yesterday", "until", "Write the time as a date"),
                          ("from=2026-11-30&until=2026-11-01", "until", "later than From"),
                          ("id=" + urllib.parse.quote(HOSTILE), "id", "An id is a number"),
                          ("before=x", None, "start again from the newest")):
        r = a.get("/admin/deliveries?" + q)
        body = r.body.decode()
        ok = r.status == 400 and msg in body and 'id="error-summary"' in body and listed(r) == []
        if field:
            ok = ok and ('id="%s-error"' % field) in body and ('<a href="#%s">' % field) in body \
                and re.search(r'id="%s"[^>]*aria-invalid="true"' % field, body)
        check(ok, "%s: a bad filter (%s) gets 400 and says what to fix" % (name, q), (r.status, body[:300]))
    r = a.get("/admin/deliveries?id=" + urllib.parse.quote(HOSTILE))
    check("<script>alert(1)" not in r.body.decode() and 'value="' + ESCAPED + '"' in r.body.decode(),
          "%s: a hostile filter value is kept in the form as text" % name)
    check(b'name="csrf"' not in r.body.split(b"<main")[1].split(b"</main>")[0],
          "%s: the filter form is a GET form without a token (nothing changes)" % name)

# The listing reads an index range, never the whole table: the page's own
# statements, values in place of the parameters.
FULL = ("EXPLAIN SELECT d.id, ev.event_type, ep.url FROM deliveries d FORCE INDEX (%s)"
        " LEFT JOIN events ev ON ev.id = d.event_id LEFT JOIN endpoints ep ON ep.id = d.endpoint_id"
        " WHERE %s AND (NULL IS NULL OR ev.event_type = NULL) AND (NULL IS NULL OR d.created_at >= NULL)"
        " AND (NULL IS NULL OR d.created_at < NULL) AND d.id < 9223372036854775807 AND d.id >= 0"
        " ORDER BY d.id DESC LIMIT 51")
for index, where in (("deliveries_tenant", "d.tenant_id = %d" % tid),
                     ("deliveries_tenant_status", "d.tenant_id = %d AND d.status = 'failed'" % tid),
                     ("deliveries_endpoint", "d.endpoint_id = %d AND d.tenant_id = %d" % (l1, tid)),
                     ("deliveries_endpoint_status",
                      "d.endpoint_id = %d AND d.status = 'delivered' AND d.tenant_id = %d" % (l1, tid))):
    plan = sql((FULL % (index, where)).replace("%", "%%"))
    check(plan and plan[0][2] == "d" and plan[0][5] == index and plan[0][3] in ("range", "ref")
          and all(p[3] in ("eq_ref", "const") for p in plan[1:]),
          "EXPLAIN: the page's statement on %s reads a range of it, then a key per row" % index, plan)
plan = sql("EXPLAIN SELECT d.id FROM deliveries d WHERE d.tenant_id = ? AND (d.id = ? OR d.event_id = ?)",
           tid, d_ok, d_ok)
check(plan and plan[0][3] in ("index_merge", "const", "ref", "range") and "deliveries_event" in plan[0][5],
      "EXPLAIN: the id search looks the id up (delivery and event) in indexes, no scan", plan)

plan = sql("EXPLAIN SELECT d.id FROM deliveries d FORCE INDEX (deliveries_tenant)"
           " WHERE d.tenant_id = ? AND d.id < 18446744073709551615 ORDER BY d.id DESC LIMIT 51", tid)
check(plan and plan[0][5] == "deliveries_tenant" and plan[0][3] in ("range", "ref"),
      "EXPLAIN: the tenant's listing is a range of deliveries_tenant", plan)
plan = sql("EXPLAIN SELECT d.id FROM deliveries d FORCE INDEX (deliveries_tenant_status)"
           " WHERE d.tenant_id = ? AND d.status = 'failed' AND d.id < 18446744073709551615"
           " ORDER BY d.id DESC LIMIT 51", tid)
check(plan and plan[0][5] == "deliveries_tenant_status" and plan[0][3] in ("range", "ref"),
      "EXPLAIN: the listing by status is a range of deliveries_tenant_status", plan)

# Admin → Webhooks' "Last delivery": one index dive per endpoint, however
# many deliveries the tenant has (the statement of delivery_overview).
plan = sql("EXPLAIN SELECT d.endpoint_id, d.status FROM endpoints e JOIN deliveries d"
           " ON d.id = (SELECT MAX(id) FROM deliveries WHERE endpoint_id = e.id)"
           " WHERE e.tenant_id = ?", tid)
by = {p[2]: p for p in plan if len(p) > 9}
sub = [p for p in plan if p[1].startswith("DEPENDENT SUBQUERY") or p[1].startswith("SUBQUERY")]
check(by.get("d") and by["d"][3] == "eq_ref" and sub
      and all(p[9] == "Select tables optimized away" or p[5] == "deliveries_endpoint" for p in sub),
      "EXPLAIN: the list's last delivery per endpoint is a key lookup, its MAX(id) an index dive", plan)

# ------------------------------------------------ a rare type, far back
# With an event type a page reads at most 5,000 deliveries: a type whose
# last delivery lies further back gets a short page that says so and an
# Older link that goes on below what was read, not a scan of the history.
tid_r, key_r = new_tenant("Deliveries page, rare type")
e_r = create(key_r, "https://hooks.example.com/rare", ["*"])
sql("UPDATE endpoints SET enabled = 0 WHERE id = ?", e_r)
sql("INSERT INTO events (tenant_id, event_type, occurred_at, data)"
    " VALUES (?, 'payroll.published', '2026-01-01T00:00:00Z', '{}')", tid_r)
sql("INSERT INTO events (tenant_id, event_type, occurred_at, data)"
    " SELECT ?, 'attendance.clock_in', '2026-01-01T00:00:00Z', '{}' FROM seq_1_to_5100", tid_r)
sql("INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status)"
    " SELECT tenant_id, id, ?, 'delivered' FROM events WHERE tenant_id = ? ORDER BY id", e_r, tid_r)
rare = ids("SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id"
           " WHERE d.tenant_id = ? AND e.event_type = 'payroll.published'", tid_r)
ar = Admin(LIGHTTPD, *admin_user(tid_r, "rare"))
first = ar.get("/admin/deliveries?event=payroll.published")
body = first.body.decode()
nxt = older(first)
check(first.status == 200 and listed(first) == [] and "among the 5000 read so far" in body and nxt,
      "a rare type's first page reads 5,000 deliveries, says so and offers to search further back",
      (first.status, listed(first), nxt))
second = ar.get(nxt) if nxt else None
check(second is not None and listed(second) == [str(x) for x in rare] and older(second) is None,
      "Older deliveries goes on below what was read and finds the rare type's delivery, with no further page",
      second and (listed(second), older(second)))
common = ar.get("/admin/deliveries?event=attendance.clock_in")
check(len(listed(common)) == 50 and older(common) is not None,
      "a common type fills its page of 50 with an Older link", len(listed(common)))

recv.close()
done()
