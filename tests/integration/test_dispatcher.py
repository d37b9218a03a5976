"""webhooks-dispatcher against real receivers on loopback (issue 4).

Any running dispatcher claims any due delivery, so scenarios that need
the same dispatcher settings run side by side in one phase, and phases
with other settings run one after another.  Endpoints are written with
SQL (their secrets sealed by `webhooksctl seal`), so this file does not
depend on the JSON API.  The test config has retry_schedule = 1s 2s 3s
4s 5s, timeout = 2s, poll_interval = 200ms and lease = 10s.
"""
import base64
import email.utils
import hashlib
import hmac
import http.server
import json
import os
import re
import signal
import socketserver
import subprocess
import sys
import threading
import time

from whtest import (RUN, TOP, Dispatcher, Receiver, alive, check, ctl, done,
                    mariadb_pid, start_mariadb,
                    free_port, new_tenant, sql, wait_until)

# Hundreds of connections arrive at once in the crash tests; the
# default listen backlog of 5 would turn that into SYN retransmits.
http.server.ThreadingHTTPServer.request_queue_size = 1024
_handle_error = socketserver.BaseServer.handle_error


def _quiet_handle_error(self, request, client_address):
    """A dispatcher killed mid-request resets its connections; that is
    the point of those tests, not an error worth a traceback."""
    if not isinstance(sys.exc_info()[1], ConnectionError):
        _handle_error(self, request, client_address)


socketserver.BaseServer.handle_error = _quiet_handle_error

SCHEDULE = [1, 2, 3, 4, 5]
TIMEOUT = 2.0
rc, out, _ = ctl("version")
VERSION = out.split()[-1] if rc == 0 else "?"


# ---------------------------------------------------------------- helpers
def seed_verify(body, header_sig, secret):
    """The seed's sample verifier, as published to tenants."""
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header_sig)


def fresh(ts):
    """The seed's other rule: reject a timestamp more than 5 minutes old."""
    return abs(time.time() - int(ts)) <= 300


def standard_verify(secret, headers, body):
    """Standard Webhooks verification as the spec's libraries do it."""
    key = base64.b64decode(secret[len("whsec_"):])
    signed = ("%s.%s." % (headers["webhook-id"], headers["webhook-timestamp"])).encode() + body
    want = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for sig in headers["webhook-signature"].split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, want):
            return fresh(headers["webhook-timestamp"])
    return False


def new_secret():
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def seal(eid, secret):
    """The secret sealed for endpoint eid's row (sealed values are bound to it)."""
    rc, out, err = ctl("seal", "--endpoint", str(eid), input=secret + "\n")
    if rc != 0 or not out.startswith("v2:"):
        raise RuntimeError("seal failed: %r %r" % (out, err))
    return out.strip()


def endpoint(tid, url, secret=None, standard=False, enabled=True, patterns=("*",)):
    """An endpoint written with SQL; returns its id."""
    sql("INSERT INTO endpoints (tenant_id, url, secret_sealed, standard_webhooks, enabled)"
        " VALUES (?, ?, '', ?, ?)", tid, url, int(standard), int(enabled))
    eid = int(sql("SELECT MAX(id) FROM endpoints WHERE tenant_id = ?", tid)[0][0])
    sql("UPDATE endpoints SET secret_sealed = ? WHERE id = ?", seal(eid, secret or new_secret()), eid)
    for p in patterns:
        sql("INSERT INTO endpoint_events (endpoint_id, tenant_id, pattern) VALUES (?, ?, ?)",
            eid, tid, p)
    return eid


def emit(tid, etype, data="{}", occurred_at=None):
    """Ingest one event; returns {endpoint_id: delivery_id}."""
    args = ["emit", "--tenant", str(tid), etype, data]
    if occurred_at:
        args += ["--occurred-at", occurred_at]
    rc, out, err = ctl(*args)
    if rc != 0:
        raise RuntimeError("emit failed: " + err)
    ev = json.loads(out)["event_id"]
    return {int(e): int(d) for d, e in
            sql("SELECT id, endpoint_id FROM deliveries WHERE event_id = ?", ev)}


def bulk(tid, eid, n, due="NOW(3)"):
    """n events with one delivery each to endpoint eid, straight in SQL;
    returns the delivery ids."""
    first = int(sql("SELECT COALESCE(MAX(id), 0) FROM events")[0][0])
    sql("INSERT INTO events (tenant_id, event_type, occurred_at, data)"
        " SELECT ?, 'leave.approved', '2026-04-29T14:32:11Z', CONCAT('{\"n\":', seq, '}')"
        " FROM seq_1_to_" + str(n), tid)
    sql("INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, next_attempt_at)"
        " SELECT tenant_id, id, ?, 'pending', " + due + " FROM events"
        " WHERE tenant_id = ? AND id > ?", eid, tid, first)
    return [int(r[0]) for r in sql(
        "SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id"
        " WHERE d.endpoint_id = ? AND e.id > ?", eid, first)]


def delivery(did):
    r = sql("SELECT status, attempts, last_status_code, last_error, claimed_by"
            " FROM deliveries WHERE id = ?", did)
    return dict(zip(["status", "attempts", "code", "error", "claimed_by"], r[0])) if r else {}


def attempts(did):
    return [dict(zip(["code", "error", "snippet", "headers", "duration"], r))
            for r in sql("SELECT status_code, error, response_snippet, request_headers,"
                         " duration_ms FROM attempts WHERE delivery_id = ? ORDER BY id", did)]


def wait_status(did, statuses, timeout=30):
    return wait_until(lambda: delivery(did).get("status") in statuses, timeout=timeout,
                      interval=0.3)


def park(tid):
    """Leave nothing of this tenant for the dispatchers of later phases."""
    sql("UPDATE deliveries SET status = 'paused', claimed_by = NULL, claim_token = NULL"
        " WHERE tenant_id = ? AND status = 'pending'", tid)


def ids_seen(recv):
    with recv.lock:
        return [int(r["headers"]["x-momentumpro-delivery"]) for r in recv.requests]


def run_parallel(scenarios):
    """Run scenario functions in threads; each returns [(cond, name, detail)]."""
    results = {}

    def one(f):
        try:
            results[f] = f()
        except Exception as e:  # a crash is a failed check, not a lost one
            results[f] = [(False, "%s ran to the end" % f.__name__, repr(e))]
    threads = [threading.Thread(target=one, args=(f,)) for f in scenarios]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in scenarios:
        for c in results.get(f, []):
            check(*c)


def stop_checked(disp, what, limit):
    t0 = time.time()
    rc = disp.stop()
    took = time.time() - t0
    check(rc == 0 and took < limit, "%s: SIGTERM exits 0 within %.1f s (%.2f s)"
          % (what, limit, took), rc)


# Earlier test files may leave deliveries to receivers long gone; they
# would only compete for slots here.
sql("UPDATE deliveries SET status = 'paused' WHERE status IN ('pending', 'retrying')")


# ---------------------------------------------------------------- the claim's plan
def claim_sql(name, endpoint=0):
    src = open(os.path.join(TOP, "src", "dispatcher", "claim.c")).read()
    m = re.search(name + r"\[\]\s*=\s*((?:\s*\"[^\"]*\")+)\s*;", src)
    if m is None:       # a macro: its quoted lines
        macro = re.search(name + r"\[\]\s*=\s*(\w+);", src).group(1)
        m = re.search(r"#define " + macro + r"((?:\s*\\\s*\"[^\"]*\")+)", src)
    return ("".join(re.findall(r"\"([^\"]*)\"", m.group(1)))
            .replace("LIMIT ?", "LIMIT 100").replace("endpoint_id = ?", "endpoint_id = %d" % endpoint))


tid_q, _ = new_tenant("claim plan")
eid_q = endpoint(tid_q, "http://127.0.0.1:9/", enabled=False)
bulk(tid_q, eid_q, 20000)          # a deep queue, all of it due
bulk(tid_q, eid_q, 5000, due="NOW(3) + INTERVAL 1 DAY")
plan = sql("EXPLAIN " + claim_sql("claim_select_sql", eid_q))
check(len(plan) == 1 and plan[0][3] == "range" and plan[0][5] == "deliveries_due",
      "EXPLAIN of the claim of one endpoint: a range on deliveries_due with 20,000 due rows", plan)
reads = sql("FLUSH STATUS; " + claim_sql("claim_due_sql") +
            "; SHOW SESSION STATUS LIKE 'Handler_read_next'")
check(reads[0][0] == str(eid_q) and reads[-1] == ["Handler_read_next", "0"],
      "the due endpoints of a 20,000-row queue: index dives only, no row read in sequence", reads)
sql("DELETE FROM deliveries WHERE tenant_id = ?", tid_q)
sql("DELETE FROM events WHERE tenant_id = ?", tid_q)

# ---------------------------------------------------------------- retention
# Set up before the first dispatcher starts: it purges at start-up.
tid_r, _ = new_tenant("retention")
eid_r = endpoint(tid_r, "http://127.0.0.1:9/", enabled=False)
old = bulk(tid_r, eid_r, 3)
sql("UPDATE deliveries SET status = 'delivered', created_at = NOW(3) - INTERVAL 40 DAY"
    " WHERE id IN (?, ?)", old[0], old[1])
sql("UPDATE deliveries SET status = 'paused', created_at = NOW(3) - INTERVAL 40 DAY"
    " WHERE id = ?", old[2])
sql("UPDATE events SET created_at = NOW(3) - INTERVAL 40 DAY WHERE tenant_id = ?", tid_r)
for d in old[:2]:
    sql("INSERT INTO attempts (delivery_id, endpoint_id, started_at, status_code)"
        " VALUES (?, ?, NOW(3) - INTERVAL 40 DAY, 200)", d, eid_r)
young = bulk(tid_r, eid_r, 1)
sql("UPDATE deliveries SET status = 'delivered' WHERE id = ?", young[0])
# Idempotency keys: one past the 24 h window, one inside it.
sql("INSERT INTO idempotency_keys (tenant_id, idem_key, status_code, response, created_at)"
    " VALUES (?, 'expired-key', 202, '{}', NOW(3) - INTERVAL 25 HOUR),"
    " (?, 'fresh-key', 202, '{}', NOW(3) - INTERVAL 23 HOUR)", tid_r, tid_r)


# ================================================================ phase 1
# One dispatcher with the test config.
disp = Dispatcher(extra=os.environ.get("DISP_EXTRA", "").replace("|", "\n") or None)


def scenario_wire():
    """Body and headers exactly as specified; the seed's verify() and the
    Standard Webhooks algorithm both accept every delivery."""
    res = []
    tid, _ = new_tenant("wire")
    plain_secret = "plain-secret-value-123"
    std_secret = new_secret()
    verdicts = []

    def behaviour(req):
        h = req["headers"]
        secret = std_secret if "webhook-id" in h else plain_secret
        ok = (seed_verify(req["body"], h.get("x-momentumpro-signature", ""), secret)
              and fresh(h.get("x-momentumpro-timestamp", "0")))
        verdicts.append(ok)
        # A long answer with a byte that is not UTF-8: capped and cleaned.
        return (200 if ok else 401), {}, b"x" * 5000 + b"\xff"
    recv = Receiver(behaviour)
    e_plain = endpoint(tid, recv.url + "/plain", plain_secret)
    e_std = endpoint(tid, recv.url + "/std", std_secret, standard=True,
                     patterns=("leave.*",))
    datas = [
        r'{ "id" : 123,  "name":"J\u00f6rg \ud83d\ude00", "amount": 1.50e2,'
        r' "nested": {"a":[1, 2 ,3], "b":null}, "s":"tab\t \"q\" \\ /"   }',
        '{"city":"Z\u00fcrich","emoji":"\U0001F600"}',
        '{}',
    ]
    sent = []
    for i, data in enumerate(datas):
        at = "2026-04-29T14:32:1%dZ" % i
        sent.append((emit(tid, "leave.approved", data, occurred_at=at), data, at))
    total = 2 * len(datas)
    recv.wait_for(total, timeout=15)
    time.sleep(0.3)
    res.append((recv.count() == total and all(verdicts),
                "wire: the seed's verify() and 5-minute rule accept all %d deliveries" % total,
                (recv.count(), verdicts)))
    by_id = {}
    for r in recv.requests:
        by_id[int(r["headers"]["x-momentumpro-delivery"])] = r
    bodies_ok, headers_ok, std_ok = True, True, True
    detail = []
    for dels, data, at in sent:
        want = ('{"event":"leave.approved","occurred_at":"%s","data":' % at).encode() \
            + data.encode() + b"}"
        for eid, did in dels.items():
            r = by_id.get(did)
            if r is None or r["body"] != want:
                bodies_ok = False
                detail.append((did, r and r["body"], want))
                continue
            h = r["headers"]
            if not (h.get("content-type") == "application/json"
                    and h.get("x-momentumpro-event") == "leave.approved"
                    and h.get("user-agent") == "Momentumpro-Webhooks/" + VERSION
                    and re.fullmatch(r"[0-9a-f]{64}", h.get("x-momentumpro-signature", ""))
                    and abs(int(h.get("x-momentumpro-timestamp", 0)) - r["t"]) <= 2
                    and "expect" not in h):
                headers_ok = False
                detail.append(h)
            if eid == e_std:
                std_ok &= (h.get("webhook-id") == str(did)
                           and h.get("webhook-timestamp") == h.get("x-momentumpro-timestamp")
                           and standard_verify(std_secret, h, r["body"]))
            else:
                std_ok &= "webhook-id" not in h
    res.append((bodies_ok, "wire: each body is exactly {event, occurred_at, data} with data "
                "byte for byte as ingested", detail[:3]))
    res.append((headers_ok, "wire: Content-Type, User-Agent, X-Momentumpro-Event, -Delivery "
                "(the delivery id), -Timestamp (the send time) and -Signature; no Expect",
                detail[:3]))
    res.append((std_ok, "wire: Standard Webhooks headers verify with the spec's algorithm, "
                "and only where the endpoint asks for them"))
    dids = [d for dels, _, _ in sent for d in dels.values()]
    wait_until(lambda: all(delivery(d).get("status") == "delivered" for d in dids), timeout=5)
    st = [delivery(d) for d in dids]
    res.append((all(s.get("status") == "delivered" and s.get("attempts") == "1"
                    and s.get("claimed_by") == "NULL" for s in st),
                "wire: every delivery is recorded delivered after one attempt", st))
    a = attempts(dids[0])
    res.append((len(a) == 1 and a[0]["code"] == "200" and len(a[0]["snippet"]) == 4096
                and "X-Momentumpro-Signature: " in a[0]["headers"]
                and plain_secret not in a[0]["headers"] and std_secret not in a[0]["headers"],
                "wire: the attempt keeps status, the first 4 KiB of the answer and the headers "
                "sent, without the secret", a))
    recv.close()
    return res


def attempt_times(did):
    """(start, end) of each attempt in seconds, as the dispatcher recorded
    them: a loaded test host delays the receiver's own clock readings."""
    return [(float(a), float(a) + int(d) / 1000.0) for a, d in sql(
        "SELECT UNIX_TIMESTAMP(started_at), duration_ms FROM attempts"
        " WHERE delivery_id = ? ORDER BY id", did)]


def scenario_500():
    """Exactly 6 attempts at 0, 1, 3, 6, 10, 15 s, then dropped."""
    res = []
    tid, _ = new_tenant("500")
    recv = Receiver(lambda req: (500, {}, "boom"))
    eid = endpoint(tid, recv.url)
    did = emit(tid, "employee.created", '{"id":1}')[eid]
    wait_status(did, ("dropped",), timeout=25)
    time.sleep(1.2)
    ts = [start for start, _ in attempt_times(did)]
    rel = [t - ts[0] for t in ts]
    # Each retry counts from the attempt before it: the gaps are the
    # schedule's 1, 2, 3, 4, 5 s, each at most a second late (a claim a
    # round late on a loaded host), never early.
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    res.append((len(ts) == 6 and recv.count() == 6
                and all(-0.3 <= g - w <= 1.0 for g, w in zip(gaps, [1, 2, 3, 4, 5])),
                "500: exactly 6 attempts, 1, 2, 3, 4 and 5 s apart: at %s"
                % " ".join("%.2f" % x for x in rel)))
    with recv.lock:
        hs = [(r["headers"], r["t"]) for r in recv.requests]
    res.append((all(h["x-momentumpro-delivery"] == str(did) for h, _ in hs)
                and all(abs(int(h["x-momentumpro-timestamp"]) - t) <= 1.5 for h, t in hs),
                "500: every retry carries the same delivery id and its own send time"))
    d = delivery(did)
    a = attempts(did)
    res.append((d.get("status") == "dropped" and d.get("attempts") == "6"
                and d.get("code") == "500" and len(a) == 6
                and all(x["code"] == "500" and x["snippet"] == "boom" for x in a),
                "500: the delivery is dropped and its 6 attempts are recorded", (d, a)))
    rc, out, err = ctl("deliveries", "--tenant", str(tid), "--status", "dropped")
    rows = [json.loads(line) for line in out.splitlines()] if rc == 0 else []
    res.append((len(rows) == 1 and rows[0]["id"] == did and rows[0]["attempts"] == 6
                and rows[0]["status"] == "dropped",
                "webhooksctl deliveries --tenant --status lists the dropped delivery",
                (rc, out, err)))
    rc, out, err = ctl("redeliver", "--tenant", str(tid), "--id", str(did))
    ok = rc == 0 and recv.wait_for(7, timeout=3)
    wait_until(lambda: delivery(did).get("attempts") == "7", timeout=3)
    d = delivery(did)
    res.append((ok and d.get("status") == "dropped" and d.get("attempts") == "7",
                "webhooksctl redeliver sends a dropped delivery at once; failing again it is "
                "dropped again", (rc, out, err, d)))
    rc, out, err = ctl("redeliver", "--tenant", str(tid + 1000000), "--id", str(did))
    res.append((rc != 0 and "no delivery" in err,
                "webhooksctl redeliver refuses another tenant's delivery", (rc, err)))
    recv.close()
    return res


def scenario_timeout():
    """A receiver that never answers: 6 attempts, each next start one
    timeout plus the schedule's delay after the previous start."""
    res = []
    tid, _ = new_tenant("timeout")
    recv = Receiver(lambda req: "hang")
    eid = endpoint(tid, recv.url)
    did = emit(tid, "employee.created", '{"id":2}')[eid]
    wait_status(did, ("dropped",), timeout=40)
    ts = attempt_times(did)
    gaps = [b[0] - a[1] for a, b in zip(ts, ts[1:])]
    res.append((len(ts) == 6 and recv.count() == 6
                and all(abs(g - w) <= 0.5 for g, w in zip(gaps, SCHEDULE)),
                "timeout: 6 attempts, each next start = previous failure + 1, 2, 3, 4, 5 s "
                "(+-0.5 s): %s" % " ".join("%.2f" % g for g in gaps)))
    d = delivery(did)
    a = attempts(did)
    res.append((d.get("status") == "dropped" and len(a) == 6
                and all(x["code"] == "NULL" and "timed out" in x["error"].lower() for x in a)
                and all(1900 <= int(x["duration"]) <= 2600 for x in a),
                "timeout: dropped, each attempt recorded as a timeout of about 2 s", (d, a)))
    recv.close()
    return res


def scenario_404():
    res = []
    tid, _ = new_tenant("404")
    recv = Receiver(lambda req: (404, {}, b"\xff\xfe not here"))
    eid = endpoint(tid, recv.url)
    did = emit(tid, "employee.created", '{"id":3}')[eid]
    wait_status(did, ("failed",), timeout=10)
    time.sleep(SCHEDULE[0] + 0.8)
    d = delivery(did)
    a = attempts(did)
    res.append((recv.count() == 1 and d.get("status") == "failed" and d.get("attempts") == "1"
                and len(a) == 1 and a[0]["code"] == "404",
                "404: one attempt, failed, no retry", (recv.count(), d, a)))
    res.append((len(a) == 1 and a[0]["snippet"] == "\ufffd\ufffd not here",
                "404: an answer that is not UTF-8 is kept with U+FFFD for its bad bytes", a))
    recv.close()
    return res


def scenario_429():
    res = []
    tid, _ = new_tenant("429")
    answers = {}

    def behaviour(req):
        n = answers.setdefault(req["path"], [])
        n.append(req["t"])
        if len(n) > 1:
            return 200, {}, "ok"
        if req["path"] == "/date":
            return 429, {"Retry-After": email.utils.formatdate(time.time() + 4, usegmt=True)}, ""
        return 429, {"Retry-After": "3"}, ""
    recv = Receiver(behaviour)
    e1 = endpoint(tid, recv.url + "/secs")
    e2 = endpoint(tid, recv.url + "/date")
    dels = emit(tid, "employee.created", '{"id":4}')
    for did in dels.values():
        wait_status(did, ("delivered",), timeout=10)

    def gap(did):
        t = attempt_times(did)
        return t[1][0] - t[0][1] if len(t) == 2 else 0
    g1 = gap(dels[e1])
    g2 = gap(dels[e2])
    res.append((2.95 <= g1 <= 3.5, "429 with Retry-After: 3 is retried after 3 s, not 1 s "
                "(%.2f s)" % g1))
    # The date has whole seconds (3 to 4 s away when sent); the schedule
    # alone would retry after 1 s.  The top leaves a second for a claim
    # that comes a round late on a loaded host (5.01 s seen once in CI).
    res.append((2.0 <= g2 <= 6.0, "429 with an HTTP-date Retry-After is honoured (%.2f s)" % g2))
    a = attempts(dels[e1])
    res.append((len(a) == 2 and a[0]["code"] == "429" and "retry after 3 s" in a[0]["error"]
                and delivery(dels[e1]).get("status") == "delivered",
                "429: the attempt says why it waited; the retry is delivered", a))
    recv.close()
    return res


def scenario_410():
    """410 disables the endpoint and pauses its waiting deliveries; they
    resume when it is enabled again."""
    res = []
    tid, _ = new_tenant("410")
    state = {"gone": True}
    recv = Receiver(lambda req: (410, {}, "gone") if state["gone"] else (200, {}, "ok"))
    eid = endpoint(tid, recv.url)
    waiting = bulk(tid, eid, 3, due="NOW(3) + INTERVAL 1 HOUR")
    did = emit(tid, "employee.created", '{"id":5}')[eid]
    wait_status(did, ("failed",), timeout=10)
    wait_until(lambda: all(delivery(w).get("status") == "paused" for w in waiting), timeout=3)
    ep = sql("SELECT enabled, disabled_reason FROM endpoints WHERE id = ?", eid)[0]
    res.append((ep == ["0", "receiver answered 410 Gone"] and recv.count() == 1
                and delivery(did).get("attempts") == "1",
                "410: one attempt, failed, and the endpoint is disabled with the reason", ep))
    res.append((all(delivery(w).get("status") == "paused" for w in waiting),
                "410: the endpoint's other pending deliveries are paused",
                [delivery(w) for w in waiting]))
    # What the API's PATCH enabled=true does.
    state["gone"] = False
    sql("UPDATE endpoints SET enabled = 1, disabled_reason = NULL WHERE id = ?", eid)
    sql("UPDATE deliveries SET status = 'pending', next_attempt_at = NOW(3)"
        " WHERE endpoint_id = ? AND status = 'paused'", eid)
    ok = all(wait_status(w, ("delivered",), timeout=5) for w in waiting)
    res.append((ok and recv.count() == 4, "410: enabled again, the paused deliveries are sent",
                [delivery(w) for w in waiting]))
    recv.close()
    return res


def scenario_redirect_408_disabled():
    res = []
    tid, _ = new_tenant("3xx 408")
    seen = {}

    def behaviour(req):
        n = seen.setdefault(req["path"], 0)
        seen[req["path"]] = n + 1
        if req["path"] == "/moved":
            return 302, {"Location": "http://127.0.0.1:9/elsewhere"}, ""
        return (408, {}, "") if n == 0 else (200, {}, "ok")
    recv = Receiver(behaviour)
    e302 = endpoint(tid, recv.url + "/moved")
    e408 = endpoint(tid, recv.url + "/slow")
    eoff = endpoint(tid, recv.url + "/off", enabled=False)
    eftp = endpoint(tid, "ftp://127.0.0.1:%d/x" % recv.port)
    dels = emit(tid, "employee.created", '{"id":6}')
    # Ingest skips a disabled endpoint; one disabled after ingest is
    # found so at claim time.
    off = bulk(tid, eoff, 1)[0]
    wait_status(dels[e302], ("failed",), timeout=10)
    wait_status(dels[e408], ("delivered",), timeout=10)
    wait_status(off, ("paused",), timeout=5)
    a = attempts(dels[e302])
    res.append((seen.get("/moved") == 1 and len(a) == 1 and a[0]["code"] == "302"
                and a[0]["error"] == "redirect not followed (3xx): Location "
                "http://127.0.0.1:9/elsewhere" and delivery(dels[e302])["status"] == "failed",
                "3xx: failed at once, the redirect not followed and its Location recorded", a))
    res.append((seen.get("/slow") == 2 and delivery(dels[e408])["attempts"] == "2",
                "408 is retried like a 5xx", seen))
    wait_status(dels[eftp], ("failed",), timeout=5)
    a = attempts(dels[eftp])
    res.append((len(a) == 1 and "http:// or https://" in (a[0]["error"] or "")
                and delivery(dels[eftp]).get("status") == "failed",
                "a URL that is not http(s) fails at once, saying why", a))
    res.append((delivery(off).get("status") == "paused" and "/off" not in seen,
                "a delivery whose endpoint is disabled at claim time is paused, not sent",
                delivery(off)))
    recv.close()
    return res


run_parallel([scenario_wire, scenario_500, scenario_timeout, scenario_404, scenario_429,
              scenario_410, scenario_redirect_408_disabled])

gone = sql("SELECT COUNT(*) FROM deliveries WHERE id IN (?, ?)", old[0], old[1])[0][0]
gone_a = sql("SELECT COUNT(*) FROM attempts WHERE delivery_id IN (?, ?)", old[0], old[1])[0][0]
gone_e = sql("SELECT COUNT(*) FROM events WHERE tenant_id = ?", tid_r)[0][0]
kept = sql("SELECT COUNT(*) FROM deliveries WHERE id IN (?, ?)", old[2], young[0])[0][0]
check(gone == "0" and gone_a == "0" and kept == "2" and gone_e == "2",
      "retention: finished deliveries older than 30 days go with their attempts and events; "
      "a paused one and a young one stay", (gone, gone_a, gone_e, kept))
keys = [r[0] for r in sql("SELECT idem_key FROM idempotency_keys WHERE tenant_id = ?", tid_r)]
check(keys == ["fresh-key"], "retention: idempotency keys past the window are purged, fresh ones kept", keys)
stop_checked(disp, "idle dispatcher", 2.0)
if os.environ.get("DISP_ONLY"):
    done()


# ================================================================ phase 2
# The SSRF guard on: nothing internal is connected to, whatever the URL.
def phase_guard():
    tid, _ = new_tenant("guard")
    recv = Receiver()
    port = recv.port
    targets = [
        ("http://127.0.0.1:%d/" % port, "refused to connect to 127.0.0.1: loopback address"),
        ("http://[::1]:%d/" % port, "refused to connect to ::1: loopback address"),
        ("http://[::ffff:127.0.0.1]:%d/" % port,
         "refused to connect to ::ffff:127.0.0.1: loopback address"),
        ("http://169.254.169.254/latest/meta-data/",
         "refused to connect to 169.254.169.254: cloud metadata address"),
        ("http://10.0.0.1/hook", "refused to connect to 10.0.0.1: private address (RFC 1918)"),
        ("http://localhost:%d/" % port, "loopback address"),
    ]
    eids = [endpoint(tid, url) for url, _ in targets]
    d = Dispatcher(extra="allow_private_networks = no")
    dels = emit(tid, "employee.created", '{"id":7}')
    for eid in eids:
        wait_status(dels[eid], ("failed", "delivered", "dropped"), timeout=10)
    for (url, why), eid in zip(targets, eids):
        st = delivery(dels[eid])
        a = attempts(dels[eid])
        check(st.get("status") == "failed" and len(a) == 1 and why in (a[0]["error"] or "")
              and a[0]["error"].endswith("(allow_private_networks = no)")
              and int(a[0]["duration"]) < 1000,
              "guard: %s is refused before connecting, a failed attempt saying why" % url,
              (st, a))
    time.sleep(0.3)
    check(recv.count() == 0, "guard: the receiver saw nothing", recv.count())
    stop_checked(d, "guard dispatcher", 2.0)
    recv.close()


phase_guard()


# ================================================================ phase 3
# A hanging endpoint holds its slots; another endpoint is not delayed.
def phase_hang():
    tid, _ = new_tenant("hang")
    slow = Receiver(lambda req: "hang")
    fast = Receiver()
    e_slow = endpoint(tid, slow.url)
    e_fast = endpoint(tid, fast.url)
    d = Dispatcher(extra="concurrency = 8\nendpoint_concurrency = 2")
    # The hanging endpoint's deliveries are first in the queue.
    bulk(tid, e_slow, 30)
    time.sleep(0.3)
    t0 = time.time()
    fast_ids = bulk(tid, e_fast, 20)
    fast.wait_for(20, timeout=10)
    with fast.lock:
        last = max([r["t"] for r in fast.requests] or [t0 + 99])
    check(fast.count() == 20 and last - t0 < 1.5,
          "hang: 20 deliveries to a fast endpoint arrive within %.2f s while another "
          "endpoint hangs" % (last - t0), fast.count())
    # It is sent at its own pace, never more than 2 at a time: each
    # request hangs until the timeout, so any 3 arrivals span at least
    # one timeout.
    with slow.lock:
        ts = sorted(r["t"] for r in slow.requests)
    check(slow.count() >= 2 and all(ts[i + 2] - ts[i] >= TIMEOUT * 0.9 for i in range(len(ts) - 2)),
          "hang: the hanging endpoint has at most endpoint_concurrency (2) requests in flight",
          [round(t - ts[0], 2) for t in ts])
    check(all(delivery(x).get("status") == "delivered" for x in fast_ids[:1]),
          "hang: the fast endpoint's deliveries are recorded delivered")
    stop_checked(d, "dispatcher with requests hanging", TIMEOUT + 1.6)
    held = sql("SELECT COUNT(*) FROM deliveries WHERE tenant_id = ? AND claimed_by IS NOT NULL",
               tid)[0][0]
    check(held == "0", "hang: after SIGTERM no delivery is left claimed (recorded or released)",
          held)
    park(tid)
    slow.close()
    fast.close()


phase_hang()


# ================================================================ phase 4
# kill -9 with 1,000 deliveries in flight, then a restart.
def phase_crash():
    tid, _ = new_tenant("crash")

    def behaviour(req):
        time.sleep(0.5)
        return 200, {}, "ok"
    recv = Receiver(behaviour)
    eid = endpoint(tid, recv.url)
    extra = "concurrency = 256\nendpoint_concurrency = 256\nlease = 2s"
    ids = bulk(tid, eid, 1000)
    d = Dispatcher(extra=extra)
    recv.wait_for(300, timeout=20)
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait()
    held = {int(r[0]) for r in sql(
        "SELECT id FROM deliveries WHERE tenant_id = ? AND status = 'pending'"
        " AND claimed_by IS NOT NULL", tid)}
    before = recv.count()
    d2 = Dispatcher(extra=extra)
    ok = wait_until(lambda: sql("SELECT COUNT(*) FROM deliveries WHERE tenant_id = ?"
                                " AND status = 'delivered'", tid)[0][0] == "1000", timeout=40)
    time.sleep(0.3)
    seen = ids_seen(recv)
    counts = {}
    for i in seen:
        counts[i] = counts.get(i, 0) + 1
    dups = {i for i, n in counts.items() if n > 1}
    check(ok and set(seen) == set(ids),
          "kill -9: after a restart every one of the 1,000 deliveries arrived "
          "(%d held at the kill, %d requests before it)" % (len(held), before),
          (len(set(seen)), len(ids)))
    # On a loaded host a request may also time out (2 s) and be retried:
    # a duplicate too, but one with a failed attempt on record.
    retried = {int(r[0]) for r in sql(
        "SELECT delivery_id FROM attempts a JOIN deliveries d ON d.id = a.delivery_id"
        " WHERE d.tenant_id = ? GROUP BY delivery_id HAVING COUNT(*) > 1", tid)}
    check(len(held) > 0 and dups <= held | retried,
          "kill -9: duplicates (%d) only among the deliveries in flight at the kill "
          "(%d of them; %d retried after a recorded failure)"
          % (len(dups), len(dups & held), len(dups - held)), sorted(dups - held - retried)[:10])
    with recv.lock:
        pairs = {}
        same = True
        for r in recv.requests:
            k = r["headers"]["x-momentumpro-delivery"]
            same &= pairs.setdefault(k, r["body"]) == r["body"]
    check(same, "kill -9: a duplicate carries the same X-Momentumpro-Delivery id and body")
    stop_checked(d2, "dispatcher after the crash", 4.0)
    recv.close()


phase_crash()


# ================================================================ phase 5
# Three dispatchers share 5,000 deliveries: each is delivered once.
def phase_three():
    tid, _ = new_tenant("three")
    recv = Receiver()
    ids = []
    for path in ("a", "b", "c", "d", "e"):
        ids += bulk(tid, endpoint(tid, recv.url + "/" + path), 1000)
    t0 = time.time()
    ds = [Dispatcher() for _ in range(3)]
    ok = wait_until(lambda: sql("SELECT COUNT(*) FROM deliveries WHERE tenant_id = ?"
                                " AND status = 'delivered'", tid)[0][0] == "5000", timeout=90)
    took = time.time() - t0
    time.sleep(0.3)
    seen = ids_seen(recv)
    check(ok and len(seen) == 5000 and set(seen) == set(ids),
          "three dispatchers: 5,000 deliveries each delivered exactly once (%.1f s)" % took,
          (len(seen), len(set(seen))))
    n = sql("SELECT COUNT(*), COUNT(DISTINCT a.dispatcher) FROM attempts a"
            " JOIN deliveries d ON d.id = a.delivery_id WHERE d.tenant_id = ?", tid)[0]
    check(n[0] == "5000" and n[1] == "3",
          "three dispatchers: 5,000 attempts recorded, shared by all three", n)
    for d in ds:
        stop_checked(d, "one of three dispatchers", 2.0)
    recv.close()


phase_three()


# ================================================================ phase 6
# MariaDB killed and restarted mid-run: nothing lost, no exit.
def phase_db_restart():
    tid, _ = new_tenant("db restart")

    def behaviour(req):
        time.sleep(0.02)
        return 200, {}, "ok"
    recv = Receiver(behaviour)
    ids = []
    for path in ("a", "b", "c", "d"):
        ids += bulk(tid, endpoint(tid, recv.url + "/" + path), 150)
    d = Dispatcher()
    recv.wait_for(100, timeout=20)
    pid = mariadb_pid()
    restarted = False
    try:
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not alive(pid), timeout=10)
        down_at = recv.count()
        time.sleep(2)
        alive_while_down = d.proc.poll() is None
    finally:
        restarted = start_mariadb()
    check(restarted, "MariaDB is back after the kill")
    ok = wait_until(lambda: sql("SELECT COUNT(*) FROM deliveries WHERE tenant_id = ?"
                                " AND status = 'delivered'", tid)[0][0] == "600", timeout=60)
    seen = ids_seen(recv)
    check(ok and set(seen) == set(ids),
          "MariaDB killed mid-run (after %d of 600 requests): every delivery arrives and is "
          "recorded delivered" % down_at, (len(set(seen)), ok))
    check(alive_while_down and d.proc.poll() is None,
          "MariaDB killed mid-run: the dispatcher never exits")
    n = sql("SELECT COUNT(*) FROM attempts a JOIN deliveries x ON x.id = a.delivery_id"
            " WHERE x.tenant_id = ?", tid)[0][0]
    check(int(n) >= 600, "MariaDB killed mid-run: the attempts held in memory are written "
          "(%s attempts, %d requests)" % (n, len(seen)))
    stop_checked(d, "dispatcher after the database restart", 2.0)
    recv.close()


phase_db_restart()


def phase_no_database():
    """Started with the database unreachable: it waits, and a SIGTERM
    still ends it at once."""
    d = Dispatcher(extra="\n[database]\nport = %d" % free_port())
    time.sleep(1.5)
    check(d.proc.poll() is None, "no database: the dispatcher keeps running and retrying")
    stop_checked(d, "dispatcher without a database", 2.0)


phase_no_database()

done()
