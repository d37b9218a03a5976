"""Failures that tenants see, hear about and recover from (issue 14):
the retrying status, endpoint health, auto-disable with mail and
operational events, bulk recover, manual redelivery that leaves the
retry schedule alone, and test events.

Real receivers on loopback, a real SMTP server (Debian's python3-aiosmtpd,
run by the system's python3, storing mail in a Maildir), real dispatchers
with scaled schedules, the API through lighttpd and the admin pages.
"""
import json
import mailbox
import os
import re
import subprocess
import time
import urllib.parse

from whtest import (LIGHTTPD, RUN, TOP, Admin, Dispatcher, Receiver, admin_user, api, check, ctl,
                    done, free_port, http_request, new_tenant, sql, wait_until)

EP = "/api/v1/endpoints"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_iso(s):
    base, _, frac = s.rstrip("Z").partition(".")
    return time.mktime(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) - time.timezone + \
        (float("0." + frac) if frac else 0.0)


class Smtp:
    """aiosmtpd on loopback, mail kept in a Maildir."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.dir = os.path.join(RUN, "maildir-%d" % self.port)
        os.makedirs(self.dir, exist_ok=True)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:%d" % self.port,
             "-c", "aiosmtpd.handlers.Mailbox", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import socket
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)

    def mails(self):
        return [m for _, m in mailbox.Maildir(self.dir, create=False).items()]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def create(key, url, events, base=LIGHTTPD):
    r = api(base, "POST", EP, key, {"url": url, "events": events})
    if r.status != 201:
        raise RuntimeError("create endpoint: %r" % r)
    return r.json()["id"]


def emit(key, etype="leave.approved", data=None):
    r = api(LIGHTTPD, "POST", "/api/v1/events", key,
            {"event": etype, "data": data or {"id": 1}})
    if r.status != 202:
        raise RuntimeError("emit: %r" % r)
    return r.json()


def deliveries(key, ep, status=None):
    q = "?status=" + status if status else ""
    r = api(LIGHTTPD, "GET", "%s/%d/deliveries%s" % (EP, ep, q), key)
    return r.json()["data"] if r.status == 200 else None


def delivery(key, did):
    return api(LIGHTTPD, "GET", "/api/v1/deliveries/%d" % did, key).json()


def schema_check(events):
    """webhooksctl catalog check on the events as received: (rc, output)."""
    path = os.path.join(RUN, "health-ops-%d.json" % os.getpid())
    with open(path, "w") as f:
        json.dump([{"event": e["event"], "data": e["data"]} for e in events], f)
    rc, out, err = ctl("catalog", "check", "--catalog", os.path.join(TOP, "sql", "catalog.json"), path)
    os.unlink(path)
    return rc, out + err


def op_events(recv, etype):
    out = []
    for q in list(recv.requests):
        body = json.loads(q["body"])
        if body.get("event") == etype:
            out.append(body)
    return out


PROCS = []


def cleanup():
    for p in PROCS:
        try:
            if isinstance(p, Smtp):
                p.stop()
            else:
                p.kill()
        except Exception:
            pass


import atexit
atexit.register(cleanup)

SMTP = Smtp()
PROCS.append(SMTP)
NOTIFY = ("\n[notify]\nsmtp_url = smtp://127.0.0.1:%d\nfrom = webhooks@momentumpro.test\n"
          "interval = 1h\nadmin_url = https://hooks.momentumpro.test/\n" % SMTP.port)

# ------------------------------------------------------------ phase 1
# Retries after 3 s and 6 s, then dropped; nothing is old enough to be
# disabled.
d1 = Dispatcher("retry_schedule = 3s 6s\ndisable_after = 1h" + NOTIFY)
PROCS.append(d1)
t_start = time.time() - 2

# A receiver answering 500 to every request: retrying, then dropped, with
# the failing event and mail on the way, the dropped events to an ops
# endpoint, and none of it to the failing endpoint itself.
ta, ka = new_tenant("Health A")
mail_a, _ = admin_user(ta, "health-a")
fixed = {"on": False}


def bad_or_fixed(req):
    if fixed["on"]:
        return (200, {}, b"ok")
    body = json.loads(req["body"])
    if body.get("data", {}).get("id") == 999:
        return (400, {}, b"no such thing")
    return (500, {}, b"boom")


bad = Receiver(bad_or_fixed)
ops = Receiver()
e_bad = create(ka, bad.url + "/hook", ["leave.approved", "webhook.*"])
e_ops = create(ka, ops.url + "/ops", ["webhook.*"])
ids = [emit(ka, data={"id": i})["id"] for i in (1, 2, 3, 999)]

check(bad.wait_for(4, 20), "a 500 receiver gets the first attempts", bad.count())
rows = wait_until(lambda: (lambda r: r if len(r) == 3 else None)(
    [d for d in deliveries(ka, e_bad) or [] if d["status"] == "retrying"]), 10) or []
d0 = rows[0] if rows else {}
check(len(rows) == 3 and d0.get("next_attempt_at") and d0.get("last_status_code") == 500
      and d0.get("attempts") in (1, 2),
      "after its first failure a delivery is retrying, with next_attempt_at and the last "
      "status code", rows)
check(d0.get("next_attempt_at") and parse_iso(d0["next_attempt_at"]) > time.time() - 1,
      "retrying: next_attempt_at is the coming retry", d0.get("next_attempt_at"))
found = deliveries(ka, e_bad, "retrying") or []
check(sorted(d["id"] for d in found) == sorted(d["id"] for d in rows),
      "the API status filter finds them under retrying", found)
# The 400's result may still be on its way to the database.
failed_now = wait_until(lambda: deliveries(ka, e_bad, "failed"), 10) or []
check(deliveries(ka, e_bad, "pending") == [],
      "... and not under pending (left for deliveries not yet attempted)")
check(len(failed_now) == 1 and failed_now[0]["last_status_code"] == 400,
      "a 400 is failed at once (final)", failed_now)
rc, out, _ = (lambda p: (p.returncode, p.stdout, p.stderr))(subprocess.run(
    [os.path.join(os.environ["WH_BIN"], "webhooksctl"), "deliveries", "--tenant", str(ta),
     "--status", "retrying"], capture_output=True, text=True,
    env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0")))
check(rc == 0 and out.count('"retrying"') == 3,
      "webhooksctl deliveries --status retrying lists them",
      out[-500:])

admin = Admin(LIGHTTPD, mail_a, "correct-horse-battery")
page = admin.get("/admin/webhooks/%d" % e_bad).body.decode()
check("status-retrying" in page and "next retry in" in page,
      "the endpoint page shows retrying deliveries with \"next retry in ...\"")
# Retries continue meanwhile: 1 to 3 of them are retrying, never 0.
check(re.search(r'<div class="stat-bad"><dt>retrying</dt><dd>[123]</dd>', page),
      "the Health counts show 3 retrying, as failures",
      page[page.find('class="stats"'):page.find('class="stats"') + 400])
page = admin.get("/admin/webhooks/%d?status=retrying" % e_bad).body.decode()
check(1 <= page.count("status-retrying\">retrying") <= 3 and "status-pending" not in page
      and "status-delivered" not in page,
      "the admin status filter finds the retrying deliveries and nothing else")

# Three failed attempts in a row: failing.
ok = wait_until(lambda: api(LIGHTTPD, "GET", "%s/%d" % (EP, e_bad), ka).json()["health"]["failing"],
                15)
h = api(LIGHTTPD, "GET", "%s/%d" % (EP, e_bad), ka).json()["health"]
check(ok and h["failing_since"] and h["failed_attempts"] >= 3,
      "the endpoint reports failing, since when and how many attempts failed", h)
lst = admin.get("/admin/webhooks").body.decode()
check('status-failing"' in lst and ">failing</span>" in lst,
      "the webhooks list flags the failing endpoint")
page = admin.get("/admin/webhooks/%d" % e_bad).body.decode()
check('id="failing"' in page and ("Last error: HTTP 500" in page or "Last error: HTTP 400" in page),
      "the endpoint page says it is failing, with the last error")

ev = wait_until(lambda: op_events(ops, "webhook.endpoint_failing"), 15)
check(len(ev) == 1 and ev[0]["data"]["endpoint_id"] == e_bad
      and ev[0]["data"]["endpoint_url"] == bad.url + "/hook"
      and ev[0]["data"]["last_error"] in ("HTTP 500", "HTTP 400"),
      "webhook.endpoint_failing reaches the ops endpoint once, with id, URL and last error",
      (ev, sql("SELECT d.id, d.status, d.attempts, d.last_error, d.manual, ev.test,"
               " LEFT(e.secret_sealed, 8), LENGTH(e.secret_sealed) FROM deliveries d"
               " JOIN endpoints e ON e.id = d.endpoint_id JOIN events ev ON ev.id = d.event_id"
               " WHERE d.endpoint_id = ?", e_ops)))
# Other tests' endpoints may fail meanwhile: only this tenant's mail counts.
mails = wait_until(lambda: [m for m in SMTP.mails() if "failing" in m["Subject"] and
                            mail_a in m["To"]], 15)
check(len(mails) == 1 and mail_a in mails[0]["To"] and bad.url in mails[0].get_payload()
      and "https://hooks.momentumpro.test/admin/webhooks/%d" % e_bad in mails[0].get_payload(),
      "one mail to the tenant's admin names the URL, and links the endpoint page",
      [(m["To"], m["Subject"]) for m in mails])

# Dropped after the last retry: dropped events, each delivery once.
check(wait_until(lambda: len(deliveries(ka, e_bad, "dropped") or []) == 3, 20),
      "after the last retry the deliveries are dropped", deliveries(ka, e_bad))
drops = wait_until(lambda: len(op_events(ops, "webhook.delivery_dropped")) >= 3 and
                   op_events(ops, "webhook.delivery_dropped"), 10) or []
check(len(drops) == 3 and {d["data"]["event_type"] for d in drops} == {"leave.approved"}
      and {d["data"]["endpoint_id"] for d in drops} == {e_bad}
      and all(d["data"]["delivery_id"] and d["data"]["last_error"] for d in drops),
      "webhook.delivery_dropped for each, with delivery id, event type, endpoint and last error",
      drops)
rc, out = schema_check(ev + drops)
check(ev and drops and rc == 0, "the operational events sent meet their catalog schemas", out)
own = [json.loads(q["body"])["event"] for q in bad.requests
       if json.loads(q["body"])["event"].startswith("webhook.")]
check(own == [], "the failing endpoint never receives operational events about itself", own)

# Producers cannot post operational events.
r = api(LIGHTTPD, "POST", "/api/v1/events", ka, {"event": "webhook.endpoint_failing",
                                                 "data": {"endpoint_id": 1}})
check(r.status == 422 and "operational" in r.body.decode(),
      "POST /api/v1/events refuses webhook.* types", r)

# Recover after the fix: every failed and dropped delivery arrives once.
fixed["on"] = True
before = bad.count()
r = api(LIGHTTPD, "POST", "%s/%d/recover" % (EP, e_bad), ka, {"since": iso(t_start - 60)})
check(r.status == 202 and r.json() == {"recovered": 4}, "recover answers 202 {recovered: 4}", r)
check(bad.wait_for(before + 4, 15), "the recovered deliveries are sent", bad.count() - before)
time.sleep(1.5)
after = [json.loads(q["body"]) for q in bad.requests[before:]]
got = sorted(b["data"]["id"] for b in after if b["event"] == "leave.approved")
check(got == [1, 2, 3, 999], "each failed and dropped delivery arrives exactly once", got)
check(wait_until(lambda: len(deliveries(ka, e_bad, "delivered") or []) == 4, 10),
      "... and is delivered", deliveries(ka, e_bad))
check(wait_until(lambda: not api(LIGHTTPD, "GET", "%s/%d" % (EP, e_bad),
                                 ka).json()["health"]["failing"], 10),
      "the next success clears failing")
page = admin.get("/admin/webhooks/%d" % e_bad).body.decode()
check('id="failing"' not in page, "the failing banner is gone after a success")
r = api(LIGHTTPD, "POST", "%s/%d/recover" % (EP, e_bad), ka, {"since": iso(t_start - 60)})
check(r.status == 202 and r.json() == {"recovered": 0}, "a second recover finds nothing", r)
for body, what in ((None, "no body"), ({}, "no since"), ({"since": "yesterday"}, "a bad since"),
                   ({"since": iso(time.time() - 15 * 86400)}, "since 15 days back"),
                   ({"since": iso(t_start), "statuses": ["pending"]}, "a status not failed/dropped"),
                   ({"since": iso(t_start), "until": iso(t_start - 10)}, "until before since")):
    r = api(LIGHTTPD, "POST", "%s/%d/recover" % (EP, e_bad), ka, body)
    check(r.status in (400, 415, 422) and r.json()["error"]["message"],
          "recover refuses %s with a message" % what, r)
tb, kb = new_tenant("Health B")
r = api(LIGHTTPD, "POST", "%s/%d/recover" % (EP, e_bad), kb, {"since": iso(t_start)})
check(r.status == 404, "another tenant's endpoint cannot be recovered", r)

# The admin's form does the same.
fixed["on"] = False
emit(ka, data={"id": 4})
check(wait_until(lambda: len(deliveries(ka, e_bad, "dropped") or []) == 1, 20),
      "a new delivery is dropped again")
fixed["on"] = True
before = bad.count()
r = admin.post("/admin/webhooks/%d/recover" % e_bad, {"since": iso(t_start)})
check(r.status == 303 and "done=recovered" in (r.header("Location") or ""),
      "the admin's Recover form answers with a redirect", r)
check(bad.wait_for(before + 1, 10) and
      json.loads(bad.requests[before]["body"])["data"]["id"] == 4,
      "the admin's Recover sends the dropped delivery again")
r = admin.post("/admin/webhooks/%d/recover" % e_bad, {"since": "not a time"})
check(r.status == 422, "the admin's Recover refuses a bad time", r)

# ------------------------------------------------------------ manual redelivery
# A manual attempt during retries does not use up an automatic retry.
redo = Receiver(lambda req: (500, {}, b"down"))
e_redo = create(kb, redo.url + "/r", ["leave.approved"])
emit(kb)
check(redo.wait_for(1, 10), "first attempt")
row = wait_until(lambda: [d for d in deliveries(kb, e_redo) or [] if d["status"] == "retrying"], 5)
d_id = row[0]["id"] if row else 0
planned = row[0]["next_attempt_at"] if row else None
r = api(LIGHTTPD, "POST", "/api/v1/deliveries/%d/redeliver" % d_id, kb)
check(r.status == 202, "redeliver during retries is accepted", r)
check(redo.wait_for(2, 5), "the manual attempt is made at once")
back = wait_until(lambda: (lambda d: d if d["status"] == "retrying" and len(d["attempts"]) == 2
                           else None)(delivery(kb, d_id)), 5)
check(back and back["next_attempt_at"] == planned,
      "after a failed manual attempt the delivery waits for the same retry as before",
      (planned, back))
check(redo.wait_for(3, 8), "the scheduled retry happens on time")
t3 = redo.requests[2]["t"]
third = wait_until(lambda: (lambda d: d if len(d["attempts"]) == 3 else None)(delivery(kb, d_id)),
                   5)
gap = parse_iso(third["next_attempt_at"]) - t3 if third and third.get("next_attempt_at") else 0
check(third and third["status"] == "retrying" and 5.0 <= gap <= 7.5,
      "the next retry is the schedule's second delay (6 s) as if the manual attempt had not "
      "happened", (third, gap))

# ------------------------------------------------------------ test events
tc, kc = new_tenant("Health C")
tst = Receiver(lambda req: (500, {}, b"no"))
e_tst = create(kc, tst.url + "/t", ["payroll.locked", "leave.*"])
r = api(LIGHTTPD, "POST", "%s/%d/test" % (EP, e_tst), kc, {"event": "expense.approved"})
check(r.status == 202 and r.json().get("event") == "expense.approved" and r.json().get("test"),
      "POST .../test with a chosen type says which type was sent", r)
check(tst.wait_for(1, 10), "the test event arrives")
q = tst.requests[0]
check(q["headers"].get("x-momentumpro-test") == "true"
      and q["headers"].get("x-momentumpro-event") == "expense.approved"
      and json.loads(q["body"])["event"] == "expense.approved"
      and set(json.loads(q["body"])) == {"event", "occurred_at", "data"},
      "it carries X-Momentumpro-Test: true, the chosen type and the seed's body shape",
      q["headers"])
time.sleep(4.5)
tid = r.json()["delivery_id"]
check(tst.count() == 1 and delivery(kc, tid)["status"] == "dropped",
      "a test event meeting a 500 gets one attempt and no retry", (tst.count(), delivery(kc, tid)))
r = http_request(LIGHTTPD, "POST", "%s/%d/test" % (EP, e_tst), b"",
                 {"Authorization": "Bearer " + kc, "Content-Length": "0"})
check(r.status == 202 and r.json().get("event") == "payroll.locked",
      "POST .../test with an empty body (Content-Length: 0) sends the first subscription", r)
r = api(LIGHTTPD, "POST", "%s/%d/test" % (EP, e_tst), kc, {"event": "no.such"})
check(r.status == 422 and "unknown event type" in r.body.decode(), "an unknown test type is refused",
      r)
mail_c, _ = admin_user(tc, "health-c")
ac = Admin(LIGHTTPD, mail_c, "correct-horse-battery")
page = ac.get("/admin/webhooks/%d" % e_tst).body.decode()
check('name="event"' in page and "<option selected>payroll.locked</option>" in page,
      "Send test event offers every type, the first subscription preselected")
n0 = tst.count()
r = ac.post("/admin/webhooks/%d/test" % e_tst, {"event": "incident.reported"})
check(r.status == 303 and "sent=incident.reported" in (r.header("Location") or ""),
      "the admin's Send test event redirects to a page naming the type sent", r)
page = ac.get(r.header("Location")).body.decode()
check("Type sent: <code>incident.reported</code>" in page, "... which says which type was sent")
check(wait_until(lambda: any(
      json.loads(q["body"])["event"] == "incident.reported" and
      q["headers"].get("x-momentumpro-test") == "true" for q in tst.requests), 10),
      "the admin's Send test event sends the chosen type, marked as a test")

# 410 Gone: disabled, and the ops endpoint hears of it.
tf, kf = new_tenant("Health F")
gone = Receiver(lambda req: (410, {}, b"gone"))
opsf = Receiver()
e_gone = create(kf, gone.url + "/g", ["leave.approved"])
create(kf, opsf.url + "/o", ["webhook.endpoint_disabled"])
emit(kf)
ev = wait_until(lambda: op_events(opsf, "webhook.endpoint_disabled"), 15)
check(len(ev) == 1 and ev[0]["data"]["endpoint_id"] == e_gone and "410" in ev[0]["data"]["reason"],
      "a 410 disables the endpoint and webhook.endpoint_disabled says why", ev)
rc, out = schema_check(ev)
check(ev and rc == 0, "webhook.endpoint_disabled as sent meets its catalog schema", out)
d1.stop()

# ------------------------------------------------------------ phase 2
# disable_after = 5 s, a retry every second.
d2 = Dispatcher("retry_schedule = 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s\n"
                "disable_after = 5s" + NOTIFY)
PROCS.append(d2)
td, kd = new_tenant("Health D")
mail_d, _ = admin_user(td, "health-d")
dead = Receiver(lambda req: (503, {}, b"down"))
opsd = Receiver()
e_dead = create(kd, dead.url + "/dead", ["leave.approved"])
create(kd, opsd.url + "/ops", ["webhook.endpoint_disabled", "webhook.endpoint_failing"])
emit(kd)
emit(kd, data={"id": 2})
t0 = time.time()
ok = wait_until(lambda: not api(LIGHTTPD, "GET", "%s/%d" % (EP, e_dead), kd).json()["enabled"], 20)
epd = api(LIGHTTPD, "GET", "%s/%d" % (EP, e_dead), kd).json()
check(ok and "no successful delivery for 5 s" in (epd.get("disabled_reason") or "")
      and time.time() - t0 >= 4,
      "disable_after = 5s: the endpoint is disabled with a reason", epd.get("disabled_reason"))
sts = wait_until(lambda: {d["status"] for d in deliveries(kd, e_dead)} == {"paused"} and
                 [d["status"] for d in deliveries(kd, e_dead)], 5)
check(sts == ["paused", "paused"], "its queued deliveries are paused",
      deliveries(kd, e_dead))
n_dead = dead.count()
time.sleep(2)
check(dead.count() == n_dead, "nothing more is sent to the disabled endpoint")
ev = wait_until(lambda: op_events(opsd, "webhook.endpoint_disabled"), 10)
check(len(ev) == 1 and ev[0]["data"]["endpoint_id"] == e_dead
      and ev[0]["data"]["endpoint_url"] == dead.url + "/dead"
      and "no successful delivery" in ev[0]["data"]["reason"],
      "a second endpoint subscribed to webhook.endpoint_disabled receives the event", ev)
mails = wait_until(lambda: [m for m in SMTP.mails() if "disabled" in m["Subject"] and
                            mail_d in m["To"]], 15)
check(len(mails) == 1 and dead.url + "/dead" in mails[0].get_payload()
      and "paused" in mails[0].get_payload(),
      "one mail reaches the SMTP server naming the URL and what happens next",
      [m["Subject"] for m in mails])
r = api(LIGHTTPD, "PATCH", "%s/%d" % (EP, e_dead), kd, {"enabled": True})
check(r.status == 200 and r.json()["enabled"] and not r.json()["health"]["failing"],
      "enabling it starts its health afresh", r)
check(dead.wait_for(n_dead + 2, 10), "enabling resumes the paused deliveries")

# The SMTP server down: everything else happens; the mail waits.
SMTP.stop()
te, ke = new_tenant("Health E")
admin_user(te, "health-e")
dead2 = Receiver(lambda req: (500, {}, b"down"))
opse = Receiver()
e_dead2 = create(ke, dead2.url + "/dead2", ["leave.approved"])
create(ke, opse.url + "/ops", ["webhook.endpoint_disabled"])
emit(ke)
check(wait_until(lambda: not api(LIGHTTPD, "GET", "%s/%d" % (EP, e_dead2), ke).json()["enabled"],
                 20), "with the SMTP server stopped the endpoint is still disabled")
check(wait_until(lambda: op_events(opse, "webhook.endpoint_disabled"), 10),
      "... and the operational event still delivered")
ob = wait_until(lambda: sql("SELECT attempts, last_error FROM mail_outbox WHERE tenant_id = ?",
                            te) if sql("SELECT COUNT(*) FROM mail_outbox WHERE tenant_id = ? "
                                       "AND attempts > 0", te)[0][0] != "0" else None, 10)
check(ob and int(ob[0][0]) >= 1 and ob[0][1], "the mail waits in the outbox with the SMTP error",
      ob)
ok_other = Receiver()
e_ok = create(ke, ok_other.url + "/ok", ["expense.paid"])
emit(ke, "expense.paid")
check(ok_other.wait_for(1, 5), "deliveries go on while the SMTP server is down")
SMTP2 = Smtp(SMTP.port)
PROCS.append(SMTP2)
check(wait_until(lambda: [m for m in SMTP2.mails() if dead2.url in m.get_payload()], 45),
      "once the SMTP server is back the waiting mail is sent")
d2.stop()
SMTP2.stop()
for rc in (bad, ops, redo, tst, gone, opsf, dead, opsd, dead2, opse, ok_other):
    rc.close()
done()
