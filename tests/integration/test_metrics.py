"""GET /metrics: the Prometheus text format that promtool accepts, served
only to [metrics] allow addresses or the bearer token (404 while off),
counters that move as deliveries and ingests happen and never drop when
retention purges rows, gauges that match the database, and the sample
alert rules that promtool accepts.

./dev test's config allows 127.0.0.1 and ::1 and sets a token; requests
from 127.0.0.2 (loopback too, another REMOTE_ADDR) need the token."""
import os
import re
import shutil
import subprocess
import time

from whtest import (APACHE, CONFIG, LIGHTTPD, SERVERS, TOP, Dispatcher, Lighttpd, Receiver,
                    api, check, done, http_request, new_tenant, sql, wait_until)

TOKEN = "test-metrics-token-0123456789"
CTYPE = "text/plain; version=0.0.4; charset=utf-8"
PROMTOOL = shutil.which("promtool")


def scrape(base=LIGHTTPD, token=None, source=None):
    hdrs = {"Authorization": "Bearer " + token} if token else {}
    return http_request(base, "GET", "/metrics", headers=hdrs, source=source)


def parse(text):
    """{(name, frozenset(labels)): float} of a text-format body."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        if not m:
            continue
        labels = frozenset(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def val(d, name, **labels):
    return d.get((name, frozenset(labels.items())), 0.0)


def metrics(base=LIGHTTPD):
    r = scrape(base)
    return parse(r.body.decode()) if r.status == 200 else {}


def promtool(args, data=None):
    p = subprocess.run([PROMTOOL] + args, input=data, capture_output=True)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def config_without_metrics():
    """The test config minus its [metrics] sections, plus extra."""
    keep, skip = [], False
    with open(CONFIG) as f:
        for line in f:
            s = line.strip()
            if s.startswith("["):
                skip = s == "[metrics]"
            if not skip:
                keep.append(line)
    return "".join(keep)


def config_file(text):
    path = os.path.join(os.environ.get("WH_RUN", "/tmp"), "metrics-%d.conf" % os.getpid()
                        + "-%d" % int(time.time() * 1000 % 100000))
    with open(path, "w") as f:
        f.write(text)
    return path


# ------------------------------------------------------------ the format
for name, base in SERVERS:
    r = scrape(base)
    check(r.status == 200 and r.header("Content-Type") == CTYPE,
          "%s: /metrics from an allowed address is 200 with the 0.0.4 content type" % name,
          (r.status, r.header("Content-Type"), r.body[:200]))
    body = r.body.decode()
    if PROMTOOL:
        rc, out = promtool(["check", "metrics"], r.body)
        check(rc == 0, "%s: promtool check metrics accepts the scrape" % name, out)
    else:
        check(False, "promtool is installed (Debian package prometheus)")
    for fam, typ in (("webhooks_build_info", "gauge"), ("webhooks_queue_deliveries", "gauge"),
                     ("webhooks_queue_oldest_due_seconds", "gauge"),
                     ("webhooks_deliveries_total", "counter"), ("webhooks_attempts_total", "counter"),
                     ("webhooks_attempt_duration_seconds", "histogram"),
                     ("webhooks_dispatchers_live", "gauge"),
                     ("webhooks_dispatcher_in_flight", "gauge"),
                     ("webhooks_dispatcher_heartbeat_age_seconds", "gauge"),
                     ("webhooks_endpoints_failing", "gauge"),
                     ("webhooks_ingest_requests_total", "counter")):
        check("# TYPE %s %s\n" % (fam, typ) in body and "# HELP %s " % fam in body,
              "%s: %s has HELP and TYPE %s" % (name, fam, typ))
    d = parse(body)
    check(any(k[0] == "webhooks_build_info" and dict(k[1]).get("version") for k in d),
          "%s: build info carries the version" % name)
    check(all(("webhooks_queue_deliveries", frozenset({("status", s)})) in d
              for s in ("pending", "retrying", "paused", "delivered", "failed", "dropped")),
          "%s: queue depth has every status, zero included" % name)

# ------------------------------------------------------------ who may read
for name, base in SERVERS:
    r = scrape(base, source="127.0.0.2")
    check(r.status == 401 and "Bearer" in (r.header("WWW-Authenticate") or ""),
          "%s: an address not allowed, without the token, is refused (401)" % name, r)
    r = scrape(base, token=TOKEN[:-1] + "X", source="127.0.0.2")
    check(r.status == 401 and b"webhooks_" not in r.body,
          "%s: a wrong token is refused and shows nothing" % name, r)
    r = scrape(base, token=TOKEN + "0", source="127.0.0.2")
    check(r.status == 401, "%s: the token with a character more is refused" % name, r)
    r = http_request(base, "GET", "/metrics", headers={"Authorization": "Basic " + TOKEN},
                     source="127.0.0.2")
    check(r.status == 401, "%s: the token in another scheme is refused" % name, r)
    r = scrape(base, token=TOKEN, source="127.0.0.2")
    check(r.status == 200 and b"webhooks_queue_deliveries" in r.body,
          "%s: the right bearer token opens /metrics from any address" % name, r)

off = Lighttpd(config_file(config_without_metrics()))
try:
    r = scrape(off.url)
    check(r.status == 404 and b"webhooks_" not in r.body,
          "without [metrics] /metrics is off: 404, even from loopback", r)
    r = scrape(off.url, token=TOKEN)
    check(r.status == 404, "without [metrics] no token opens it", r)
finally:
    off.stop()
only = Lighttpd(config_file(config_without_metrics() + "\n[metrics]\nallow = 127.0.0.2/32\n"))
try:
    r = scrape(only.url, source="127.0.0.2")
    check(r.status == 200, "allow admits its own address", r)
    r = scrape(only.url)
    check(r.status == 403 and b"webhooks_" not in r.body,
          "allow alone: another address is forbidden (403)", r)
    r = scrape(only.url, token=TOKEN)
    check(r.status == 403, "allow alone: no token opens it", r)
finally:
    only.stop()

# ------------------------------------------------------------ counters move
tid, key = new_tenant("Metrics tenant")
okr = Receiver()
gone = Receiver(lambda req: (404, {}, b"no such hook"))
slow = Receiver(lambda req: (time.sleep(0.3), (200, {}, b"ok"))[1])
eps = {}
for label, rcv in (("ok", okr), ("bad", gone), ("slow", slow)):
    r = api(LIGHTTPD, "POST", "/api/v1/endpoints", key,
            {"url": rcv.url + "/" + label, "events": ["leave.approved"]})
    eps[label] = r.json()["id"] if r.status == 201 else None
check(all(eps.values()), "endpoints created for the counters", eps)

before = metrics()
disp = Dispatcher()
try:
    sent = 0
    for base in (LIGHTTPD, LIGHTTPD, APACHE):
        r = api(base, "POST", "/api/v1/events", key, {"event": "leave.approved", "data": {"n": sent}})
        sent += r.status == 202
    r = api(LIGHTTPD, "POST", "/api/v1/events", key, {"event": "no.such.type", "data": {}})
    bad_status = r.status
    r = api(LIGHTTPD, "POST", "/api/v1/events", "mpk_wrong", {"event": "leave.approved", "data": {}})
    unauth_status = r.status
    check(sent == 3 and bad_status // 100 == 4 and unauth_status == 401,
          "three events accepted, one refused, one unauthorized", (sent, bad_status, unauth_status))
    okr.wait_for(3)
    gone.wait_for(3)
    slow.wait_for(3)

    def moved():
        d = metrics()
        ok = (val(d, "webhooks_deliveries_total", outcome="delivered")
              - val(before, "webhooks_deliveries_total", outcome="delivered") >= 6
              and val(d, "webhooks_deliveries_total", outcome="failed")
              - val(before, "webhooks_deliveries_total", outcome="failed") >= 3
              and val(d, "webhooks_ingest_requests_total", status="202")
              - val(before, "webhooks_ingest_requests_total", status="202") >= 3
              and val(d, "webhooks_ingest_requests_total", status="401")
              - val(before, "webhooks_ingest_requests_total", status="401") >= 1)
        return d if ok else None
    after = wait_until(moved, timeout=20, interval=0.3) or metrics()

    def delta(name, **labels):
        return val(after, name, **labels) - val(before, name, **labels)
    check(delta("webhooks_deliveries_total", outcome="delivered") == 6,
          "deliveries_total{delivered} counts the six deliveries that succeeded",
          delta("webhooks_deliveries_total", outcome="delivered"))
    check(delta("webhooks_deliveries_total", outcome="failed") == 3,
          "deliveries_total{failed} counts the three final 404s",
          delta("webhooks_deliveries_total", outcome="failed"))
    check(delta("webhooks_attempts_total", outcome="success") == 6
          and delta("webhooks_attempts_total", outcome="http_error") == 3,
          "attempts_total by outcome: 6 success, 3 http_error",
          (delta("webhooks_attempts_total", outcome="success"),
           delta("webhooks_attempts_total", outcome="http_error")))
    check(delta("webhooks_attempt_duration_seconds_count") == 9,
          "the duration histogram counts every attempt",
          delta("webhooks_attempt_duration_seconds_count"))
    check(delta("webhooks_attempt_duration_seconds_sum") >= 0.9,
          "the histogram's sum holds the 0.3 s answers (seconds, not ms)",
          delta("webhooks_attempt_duration_seconds_sum"))
    check(delta("webhooks_attempt_duration_seconds_bucket", le="0.25")
          <= 6 and delta("webhooks_attempt_duration_seconds_bucket", le="+Inf") == 9
          and delta("webhooks_attempt_duration_seconds_bucket", le="1") >= 9 - 0,
          "the 0.3 s attempts fall above the 0.25 s bucket, all within +Inf",
          {k: delta("webhooks_attempt_duration_seconds_bucket", le=k) for k in ("0.25", "1", "+Inf")})
    les = [v for (n, l), v in sorted(after.items(), key=lambda kv: float(dict(kv[0][1]).get("le", "0")
                                                                           .replace("+Inf", "inf")))
           if n == "webhooks_attempt_duration_seconds_bucket"]
    check(les and all(a <= b for a, b in zip(les, les[1:]))
          and les[-1] == val(after, "webhooks_attempt_duration_seconds_count"),
          "buckets are cumulative and +Inf equals the count", les)
    check(delta("webhooks_ingest_requests_total", status="202") == 3,
          "ingest_requests_total{202} counts the accepted posts, lighttpd and Apache alike",
          delta("webhooks_ingest_requests_total", status="202"))
    check(delta("webhooks_ingest_requests_total", status=str(bad_status)) == 1
          and delta("webhooks_ingest_requests_total", status="401") == 1,
          "ingest_requests_total counts refused posts by status",
          (bad_status, delta("webhooks_ingest_requests_total", status=str(bad_status))))

    # Gauges from the dispatchers table.
    did = sql("SELECT id FROM dispatchers WHERE pid = ?", disp.proc.pid)
    did = did[0][0] if did else ""
    check(("webhooks_dispatcher_in_flight", frozenset({("dispatcher", did)})) in after,
          "the running dispatcher has its in-flight gauge, by id", did)
    age = val(after, "webhooks_dispatcher_heartbeat_age_seconds", dispatcher=did)
    check(0 <= age < 5, "its heartbeat is seconds old", age)
    live = int(sql("SELECT COUNT(*) FROM dispatchers WHERE heartbeat_at >= NOW(3) - INTERVAL 5 SECOND")[0][0])
    check(val(after, "webhooks_dispatchers_live") == live and live >= 1,
          "dispatchers_live counts the live heartbeats", (val(after, "webhooks_dispatchers_live"), live))
finally:
    disp.stop()
    for rcv in (okr, gone, slow):
        rcv.close()

# Retention purges rows; the counters stay where they were.
high = metrics()
sql("DELETE a FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.tenant_id = ?", tid)
sql("DELETE FROM deliveries WHERE tenant_id = ?", tid)
low = metrics()
check(all(val(low, n, outcome=o) >= val(high, n, outcome=o)
          for n in ("webhooks_deliveries_total", "webhooks_attempts_total")
          for o in ("delivered", "failed", "dropped", "success", "http_error", "transport_error"))
      and val(low, "webhooks_attempt_duration_seconds_count")
      >= val(high, "webhooks_attempt_duration_seconds_count"),
      "counters do not drop when the rows they counted are purged")
check(val(low, "webhooks_queue_deliveries", status="delivered")
      <= val(high, "webhooks_queue_deliveries", status="delivered") - 6,
      "the queue gauge does follow the table",
      (val(high, "webhooks_queue_deliveries", status="delivered"),
       val(low, "webhooks_queue_deliveries", status="delivered")))

# ------------------------------------------------------------ gauges
sql("INSERT INTO events (tenant_id, event_type, occurred_at, data) VALUES (?, 'leave.approved', NOW(3), '{}')", tid)
ev = int(sql("SELECT MAX(id) FROM events WHERE tenant_id = ?", tid)[0][0])
sql("INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, next_attempt_at) "
    "VALUES (?, ?, ?, 'pending', NOW(3) - INTERVAL 10 MINUTE)", tid, ev, eps["ok"])
late_id = int(sql("SELECT MAX(id) FROM deliveries")[0][0])
sql("UPDATE endpoints SET failing_since = NOW(3) - INTERVAL 1 HOUR, fail_streak = 7 WHERE id = ?", eps["bad"])
try:
    d = metrics()
    counts = dict((r[0], int(r[1])) for r in sql("SELECT status, COUNT(*) FROM deliveries GROUP BY status"))
    check(all(val(d, "webhooks_queue_deliveries", status=s) == counts.get(s, 0)
              for s in ("pending", "retrying", "paused", "delivered", "failed", "dropped")),
          "queue depth by status matches the database", counts)
    oldest = val(d, "webhooks_queue_oldest_due_seconds")
    check(600 <= oldest < 900, "the oldest due delivery's age is about ten minutes, in seconds", oldest)
    failing = int(sql("SELECT COUNT(*) FROM endpoints WHERE enabled = 1 AND failing_since IS NOT NULL")[0][0])
    check(val(d, "webhooks_endpoints_failing") == failing >= 1,
          "endpoints_failing counts the enabled endpoints failing", (val(d, "webhooks_endpoints_failing"), failing))
finally:
    sql("UPDATE deliveries SET status = 'failed' WHERE id = ?", late_id)
    sql("UPDATE endpoints SET failing_since = NULL, fail_streak = 0 WHERE id = ?", eps["bad"])

# ------------------------------------------------------------ alert rules
rules = os.path.join(TOP, "apache", "webhooks-alerts.yml")
if PROMTOOL:
    rc, out = promtool(["check", "rules", rules])
    check(rc == 0 and "SUCCESS" in out, "promtool check rules accepts apache/webhooks-alerts.yml", out)
with open(rules) as f:
    text = f.read()
names = set(re.findall(r'\b(webhooks_[a-z_]+)', text))
body = scrape().body.decode()
check(names and all(n in body for n in names),
      "every metric the alert rules use is served", sorted(n for n in names if n not in body))
for alert in ("WebhooksNoLiveDispatcher", "WebhooksQueueOverdue", "WebhooksEndpointFailing"):
    check("alert: " + alert in text, "the sample rules alert on " + alert)
done()
