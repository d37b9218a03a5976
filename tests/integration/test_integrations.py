"""Integrations (issue 6): payload formats (Slack, PagerDuty Events API
v2), filters on the event's data and custom headers, end to end.

The receivers on loopback enforce each service's documented request
rules and answer as the service does, so "delivered" here means "the
service would have taken it":
  Slack incoming webhooks: a JSON body with a non-empty "text" or
  "blocks", else 400 "invalid_payload"; the limits of the blocks used.
  PagerDuty Events API v2: routing_key of 32 characters, event_action
  trigger, acknowledge or resolve, dedup_key for acknowledge and resolve,
  payload.summary, source and severity (critical, error, warning, info)
  for trigger, else 400; 202 otherwise.
Filters are checked through POST /api/v1/events and through the outbox
procedure webhooks_emit (CALLed with the mariadb client) alike.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import time

from whtest import (LIGHTTPD, SERVERS, TOP, Admin, Dispatcher, Receiver, admin_user, api,
                    check, done, new_tenant, sql, wait_until)

EP = "/api/v1/endpoints"
PDKEY = "R0ab12cd34ef56ab78cd90ef12ab34cd"      # 32 characters, like PagerDuty's
TENANTS = []


def tenant(label):
    tid, key = new_tenant(label)
    TENANTS.append(tid)
    return tid, key


def seed_verify(body, header_sig, secret):
    """The seed's sample verifier, as published to tenants."""
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header_sig or "")


def err_code(r):
    try:
        return r.json()["error"]["code"]
    except (TypeError, KeyError):
        return None


def err_msg(r):
    try:
        return r.json()["error"]["message"]
    except (TypeError, KeyError):
        return ""


# ---------------------------------------------------------------- service rules
def slack_rules(req):
    """What Slack's incoming webhooks accept (and the block limits we use)."""
    try:
        msg = json.loads(req["body"].decode("utf-8"))
    except Exception:
        return 400, {}, "invalid_payload"
    if not isinstance(msg, dict):
        return 400, {}, "invalid_payload"
    text, blocks = msg.get("text"), msg.get("blocks")
    if not ((isinstance(text, str) and text.strip()) or (isinstance(blocks, list) and blocks)):
        return 400, {}, "invalid_payload"
    if blocks is not None:
        if not isinstance(blocks, list) or len(blocks) > 50:
            return 400, {}, "invalid_blocks"
        for b in blocks:
            t = b.get("type") if isinstance(b, dict) else None
            if t == "header":
                ht = b.get("text", {})
                if ht.get("type") != "plain_text" or not 0 < len(ht.get("text", "")) <= 150:
                    return 400, {}, "invalid_blocks"
            elif t == "section":
                if "text" not in b and "fields" not in b:
                    return 400, {}, "invalid_blocks"
                if "text" in b and not 0 < len(b["text"].get("text", "")) <= 3000:
                    return 400, {}, "invalid_blocks"
                for f in b.get("fields", []):
                    if f.get("type") not in ("mrkdwn", "plain_text") or not 0 < len(f.get("text", "")) <= 2000:
                        return 400, {}, "invalid_blocks"
                if len(b.get("fields", [])) > 10:
                    return 400, {}, "invalid_blocks"
            elif t == "context":
                if not 0 < len(b.get("elements", [])) <= 10:
                    return 400, {}, "invalid_blocks"
            elif t not in ("divider", "actions", "image"):
                return 400, {}, "invalid_blocks"
    return 200, {"Content-Type": "text/plain"}, "ok"


def pagerduty_rules(req):
    """What PagerDuty's Events API v2 (/v2/enqueue) accepts."""
    def bad(*errors):
        return 400, {"Content-Type": "application/json"}, json.dumps(
            {"status": "invalid event", "message": "Event object is invalid",
             "errors": list(errors)})
    if req["path"] != "/v2/enqueue":
        return 404, {}, "not found"
    try:
        ev = json.loads(req["body"].decode("utf-8"))
    except Exception:
        return bad("Invalid JSON")
    if not isinstance(ev, dict):
        return bad("Event object must be an object")
    rk = ev.get("routing_key")
    if not isinstance(rk, str) or len(rk) != 32:
        return bad("'routing_key' must be 32 characters")
    action = ev.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"):
        return bad("'event_action' is invalid")
    dk = ev.get("dedup_key")
    if dk is not None and (not isinstance(dk, str) or not 0 < len(dk) <= 255):
        return bad("'dedup_key' is invalid")
    if action != "trigger" and not dk:
        return bad("'dedup_key' is required for %s" % action)
    if action == "trigger":
        p = ev.get("payload")
        if not isinstance(p, dict):
            return bad("'payload' is missing")
        for f in ("summary", "source", "severity"):
            if not isinstance(p.get(f), str) or not p[f]:
                return bad("'payload.%s' is missing or blank" % f)
        if len(p["summary"]) > 1024:
            return bad("'payload.summary' is too long")
        if p["severity"] not in ("critical", "error", "warning", "info"):
            return bad("'payload.severity' is invalid")
        if "custom_details" in p and not isinstance(p["custom_details"], (dict, str)):
            return bad("'payload.custom_details' is invalid")
    return 202, {"Content-Type": "application/json"}, json.dumps(
        {"status": "success", "message": "Event processed", "dedup_key": dk or "generated"})


def local_post(url, body):
    """A request to one of our receivers without the dispatcher."""
    import urllib.request
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


slack = Receiver(slack_rules)
pd = Receiver(pagerduty_rules)
plain = Receiver()          # Zapier / n8n: any 2xx is fine

# The rules really are enforced: what the services refuse, these refuse.
check(local_post(slack.url, b'{"username":"x"}') == (400, b"invalid_payload")
      and local_post(slack.url, b"not json") == (400, b"invalid_payload")
      and local_post(slack.url, b'{"text":""}') == (400, b"invalid_payload")
      and local_post(slack.url, b'{"text":"hi"}') == (200, b"ok"),
      "the Slack receiver refuses what Slack refuses (400 invalid_payload)")
good_pd = {"routing_key": PDKEY, "event_action": "trigger",
           "payload": {"summary": "s", "source": "x", "severity": "info"}}
bad_pds = [dict(good_pd, routing_key="short"), dict(good_pd, event_action="open"),
           {"routing_key": PDKEY, "event_action": "resolve"},
           dict(good_pd, payload={"summary": "s", "source": "x", "severity": "high"}),
           dict(good_pd, payload={"source": "x", "severity": "info"})]
check(all(local_post(pd.url + "/v2/enqueue", json.dumps(b).encode())[0] == 400 for b in bad_pds)
      and local_post(pd.url + "/v2/enqueue", json.dumps(good_pd).encode())[0] == 202,
      "the PagerDuty receiver refuses what Events API v2 refuses (400)")
slack.requests.clear()
pd.requests.clear()

# Earlier files may leave deliveries to receivers long gone.
sql("UPDATE deliveries SET status = 'paused' WHERE status IN ('pending', 'retrying')")


def emit(key, etype, data, base=LIGHTTPD):
    r = api(base, "POST", "/api/v1/events", key, {"event": etype, "data": data})
    j = r.json() or {}
    return r.status, j.get("id"), j.get("deliveries")


def call_emit(tid, etype, data):
    """The outbox procedure, as a Momentumpro module calls it, in its own
    transaction; returns (event id, deliveries)."""
    try:
        rows = sql("START TRANSACTION; CALL webhooks_emit(?, ?, NULL, ?, @e, @n); COMMIT;"
                   " SELECT @e, @n", tid, etype,
                   json.dumps(data) if not isinstance(data, str) else data)
    except subprocess.CalledProcessError as e:
        raise RuntimeError("webhooks_emit: %s" % e.stderr)
    return int(rows[-1][0]), int(rows[-1][1])


def deliveries_of(event_id):
    return int(sql("SELECT COUNT(*) FROM deliveries WHERE event_id = ?", event_id)[0][0])


def delivery_status(did):
    r = sql("SELECT status, last_status_code FROM deliveries WHERE id = ?", did)
    return tuple(r[0]) if r else (None, None)


def wait_delivered(event_id, timeout=30):
    def st():
        r = sql("SELECT status, last_status_code FROM deliveries WHERE event_id = ?", event_id)
        return r and all(x[0] in ("delivered", "failed", "dropped") for x in r) and r
    r = wait_until(st, timeout=timeout, interval=0.2) or []
    return [tuple(x) for x in r]


def request_for(recv, event_type, n_before=0):
    with recv.lock:
        reqs = [q for q in recv.requests[n_before:]
                if q["headers"].get("x-momentumpro-event") == event_type]
    return reqs[-1] if reqs else None


# ---------------------------------------------------------------- filter semantics
# Before any dispatcher runs: each case is one endpoint with one filter,
# one event through the API and one through webhooks_emit.
tid_f, key_f = tenant("filter semantics")
CASES = [
    ("eq matches the same string", {"path": "data.priority", "op": "eq", "value": "high"},
     {"priority": "high"}, True),
    ("eq refuses another string", {"path": "data.priority", "op": "eq", "value": "high"},
     {"priority": "low"}, False),
    ("eq is case-sensitive", {"path": "data.priority", "op": "eq", "value": "high"},
     {"priority": "High"}, False),
    ("eq with a missing path does not match", {"path": "data.priority", "op": "eq", "value": "high"},
     {"title": "x"}, False),
    ("eq: the string \"5\" is not the number 5", {"path": "data.n", "op": "eq", "value": "5"},
     {"n": 5}, False),
    ("eq: the number 5 is not the string \"5\"", {"path": "data.n", "op": "eq", "value": 5},
     {"n": "5"}, False),
    ("eq: 5 equals 5.0", {"path": "data.n", "op": "eq", "value": 5}, {"n": 5.0}, True),
    ("eq: true is not 1", {"path": "data.b", "op": "eq", "value": True}, {"b": 1}, False),
    ("eq: null matches null", {"path": "data.b", "op": "eq", "value": None}, {"b": None}, True),
    ("eq: an array never equals a string", {"path": "data.t", "op": "eq", "value": "x"},
     {"t": ["x"]}, False),
    ("eq: escapes in the data do not matter", {"path": "data.p", "op": "eq", "value": "Café ☕"},
     '{"p":"Caf\\u00e9 \\u2615"}', True),
    ("ne holds for another value", {"path": "data.priority", "op": "ne", "value": "low"},
     {"priority": "high"}, True),
    ("ne fails for the same value", {"path": "data.priority", "op": "ne", "value": "low"},
     {"priority": "low"}, False),
    ("ne holds for a missing path", {"path": "data.priority", "op": "ne", "value": "low"},
     {}, True),
    ("ne holds across types", {"path": "data.n", "op": "ne", "value": "5"}, {"n": 5}, True),
    ("in matches a listed value", {"path": "data.priority", "op": "in", "value": ["high", "critical"]},
     {"priority": "critical"}, True),
    ("in refuses an unlisted value", {"path": "data.priority", "op": "in", "value": ["high", "critical"]},
     {"priority": "low"}, False),
    ("in compares type and value", {"path": "data.n", "op": "in", "value": ["5", 6]}, {"n": 5}, False),
    ("in finds a number", {"path": "data.n", "op": "in", "value": ["5", 6]}, {"n": 6}, True),
    ("in does not match an array", {"path": "data.t", "op": "in", "value": ["a", "b"]},
     {"t": ["a"]}, False),
    ("exists holds when present", {"path": "data.manager", "op": "exists"}, {"manager": 3}, True),
    ("exists holds for null", {"path": "data.manager", "op": "exists"}, {"manager": None}, True),
    ("exists fails when missing", {"path": "data.manager", "op": "exists"}, {"x": 1}, False),
    ("a nested path", {"path": "data.employee.department", "op": "eq", "value": "Sales"},
     {"employee": {"department": "Sales"}}, True),
    ("a nested path through a scalar", {"path": "data.employee.department", "op": "eq",
                                        "value": "Sales"}, {"employee": "Sales"}, False),
    ("gt on a number", {"path": "data.amount", "op": "gt", "value": 1000}, {"amount": 1250}, True),
    ("gt is strict", {"path": "data.amount", "op": "gt", "value": 1000}, {"amount": 1000}, False),
    ("gt on a decimal string (the catalog's amounts)", {"path": "data.amount", "op": "gt",
                                                        "value": 1000}, {"amount": "1250.00"}, True),
    ("gt on text", {"path": "data.amount", "op": "gt", "value": 1000}, {"amount": "lots"}, False),
    ("gt on a number and a newline", {"path": "data.amount", "op": "gt", "value": 1000},
     {"amount": "5000\n"}, False),
    ("gt on a boolean", {"path": "data.amount", "op": "gt", "value": 0}, {"amount": True}, False),
    ("gt on a missing path", {"path": "data.amount", "op": "gt", "value": 0}, {}, False),
    ("gt on an exponent", {"path": "data.amount", "op": "gt", "value": 1000}, '{"amount":1e5}', True),
    ("gt on a number too large to compare", {"path": "data.amount", "op": "gt", "value": 1000},
     '{"amount":1e400}', False),
    ("lt on a negative number", {"path": "data.amount", "op": "lt", "value": 10}, {"amount": -3.5},
     True),
    ("lt fails above", {"path": "data.amount", "op": "lt", "value": 10}, {"amount": 10.5}, False),
]
for label, flt, data, want in CASES:
    r = api(LIGHTTPD, "POST", EP, key_f, {"url": plain.url, "events": ["incident.reported"],
                                          "filters": [flt]})
    eid = (r.json() or {}).get("id")
    if not check(r.status == 201, "filter %s: the endpoint is created" % label, r):
        continue
    body = data if isinstance(data, str) else json.dumps(data)
    r = api(LIGHTTPD, "POST", "/api/v1/events", key_f,
            '{"event":"incident.reported","data":%s}' % body,
            {"Content-Type": "application/json"})
    got_api = (r.json() or {}).get("deliveries")
    ev_p, got_proc = call_emit(tid_f, "incident.reported", body)
    check(r.status == 202 and got_api == int(want) and got_proc == int(want),
          "filter %s: %s (API %s, webhooks_emit %s)" % (label, "delivered" if want else
                                                         "no delivery", got_api, got_proc), r)
    filtered = int(sql("SELECT COALESCE(SUM(filtered), 0) FROM endpoint_stats WHERE endpoint_id = ?",
                       eid)[0][0])
    check(filtered == (0 if want else 2), "filter %s: filtered events are counted (%d)"
          % (label, filtered))
    api(LIGHTTPD, "DELETE", "%s/%d" % (EP, eid), key_f)

# All filters must hold.
r = api(LIGHTTPD, "POST", EP, key_f, {"url": plain.url, "events": ["incident.reported"], "filters": [
    {"path": "data.priority", "op": "eq", "value": "high"},
    {"path": "data.amount", "op": "gt", "value": 5}]})
eid = r.json()["id"]
check([emit(key_f, "incident.reported", d)[2] for d in
       ({"priority": "high", "amount": 7}, {"priority": "high", "amount": 3},
        {"priority": "low", "amount": 7})] == [1, 0, 0],
      "every filter of an endpoint must hold")
# Data nested deeper than MariaDB's JSON functions go is accepted, and
# simply fails the filters instead of failing the ingest.
deep = '{"priority":"high","amount":9,"d":' + "[" * 40 + "]" * 40 + "}"
r = api(LIGHTTPD, "POST", "/api/v1/events", key_f, '{"event":"incident.reported","data":%s}' % deep,
        {"Content-Type": "application/json"})
check(r.status == 202 and r.json().get("deliveries") == 0,
      "data nested 40 deep is accepted (202) and fails the filters", r)
api(LIGHTTPD, "DELETE", "%s/%d" % (EP, eid), key_f)
# An endpoint without filters still gets everything, filtered ones beside it.
r1 = api(LIGHTTPD, "POST", EP, key_f, {"url": plain.url, "events": ["incident.*"]})
r2 = api(LIGHTTPD, "POST", EP, key_f, {"url": plain.url, "events": ["incident.*"], "filters": [
    {"path": "data.priority", "op": "eq", "value": "high"}]})
check([emit(key_f, "incident.reported", {"priority": p})[2] for p in ("high", "low")] == [2, 1]
      and [call_emit(tid_f, "incident.reported", {"priority": p})[1] for p in ("high", "low")]
      == [2, 1], "filters apply per endpoint: the unfiltered one gets every event")
for rr in (r1, r2):
    api(LIGHTTPD, "DELETE", "%s/%d" % (EP, rr.json()["id"]), key_f)


# ---------------------------------------------------------------- validation
def refused(body, code, words, label, method="POST", path=EP, key=None):
    r = api(LIGHTTPD, method, path, key or key_f, body)
    msg = err_msg(r)
    check(r.status == 422 and err_code(r) == code and all(w in msg for w in words),
          "validation: %s (%s)" % (label, msg), r)


base_ep = {"url": plain.url, "events": ["incident.reported"]}
refused(dict(base_ep, format="teams"), "invalid_format", ["slack", "pagerduty"],
        "an unknown format is refused, listing the formats")
refused(dict(base_ep, format="pagerduty"), "invalid_routing_key", ["required", "32"],
        "format pagerduty needs a routing key")
refused(dict(base_ep, format="pagerduty", pagerduty_routing_key="abc"), "invalid_routing_key",
        ["32"], "a routing key must be 32 characters")
refused(dict(base_ep, format="pagerduty", pagerduty_routing_key="R0ab12cd34ef56ab78cd90ef12ab34c!"),
        "invalid_routing_key", ["letters and digits"], "a routing key is letters and digits")
refused(dict(base_ep, format="slack", pagerduty_routing_key=PDKEY), "invalid_routing_key",
        ["pagerduty"], "a routing key without format pagerduty is refused")
refused(dict(base_ep, filters=[{"path": "priority", "op": "eq", "value": "x"}]), "invalid_filters",
        ["filters[0]", "data.priority"], "a path must start with data.")
refused(dict(base_ep, filters=[{"path": "data.p", "op": "eq", "value": 1},
                               {"path": "data.a\"]') OR 1=1 --", "op": "eq", "value": "x"}]),
        "invalid_filters", ["filters[1]", "letters, digits and _"],
        "a path with JSON-path or SQL syntax is refused, naming the filter")
refused(dict(base_ep, filters=[{"path": "data.a..b", "op": "eq", "value": "x"}]), "invalid_filters",
        ["filters[0]"], "an empty path segment is refused")
refused(dict(base_ep, filters=[{"path": "data.p", "op": "equals", "value": "x"}]), "invalid_filters",
        ["eq, ne, in, exists, gt, lt"], "an unknown op is refused, listing the ops")
refused(dict(base_ep, filters=[{"path": "data.p", "op": "eq"}]), "invalid_filters",
        ["value is required"], "eq needs a value")
refused(dict(base_ep, filters=[{"path": "data.p", "op": "in", "value": "high"}]), "invalid_filters",
        ["list"], "in needs a list")
refused(dict(base_ep, filters=[{"path": "data.p", "op": "in", "value": ["a", ["b"]]}]),
        "invalid_filters", ["value 2"], "in takes scalars only, naming the bad one")
refused(dict(base_ep, filters=[{"path": "data.p", "op": "gt", "value": "1000"}]), "invalid_filters",
        ["number"], "gt needs a number")
refused(dict(base_ep, filters=[{"path": "data.p", "op": "exists", "value": True}]),
        "invalid_filters", ["no value"], "exists takes no value")
refused(dict(base_ep, filters=[{"path": "data.p", "op": "eq", "value": {"a": 1}}]),
        "invalid_filters", ["object"], "eq takes no object")
refused(dict(base_ep, filters=[{"path": "data.p", "op": "eq", "value": "x", "colour": 1}]),
        "invalid_filters", ["unknown member"], "an unknown filter member is refused")
refused(dict(base_ep, filters=[{"path": "data.p%d" % i, "op": "exists"} for i in range(21)]),
        "invalid_filters", ["at most 20"], "at most 20 filters")
refused(dict(base_ep, filters={"path": "data.p"}), "invalid_filters", ["array"],
        "filters must be an array")
for name in ("Host", "Content-Type", "content-length", "Transfer-Encoding", "Connection",
             "User-Agent"):
    refused(dict(base_ep, headers={name: "x"}), "invalid_headers", [name],
            "the %s header cannot be set" % name)
for name in ("X-Momentumpro-Signature", "x-momentumpro-event", "webhook-signature"):
    refused(dict(base_ep, headers={name: "x"}), "invalid_headers", ["ours"],
            "our own %s cannot be set" % name)
refused(dict(base_ep, headers={"X Bad": "x"}), "invalid_headers", ["not a header name"],
        "a header name must be a token")
refused(dict(base_ep, headers={"X-Api-Key": "a\r\nX-Injected: 1"}), "invalid_headers",
        ["one line"], "a header value cannot hold CR or LF")
refused(dict(base_ep, headers={"X-Api-Key": ""}), "invalid_headers", ["X-Api-Key"],
        "a header value cannot be empty")
refused(dict(base_ep, headers={"X-A": "1", "x-a": "2"}), "invalid_headers", ["twice"],
        "a header given twice (any case) is refused")
refused(dict(base_ep, headers={"X-H%d" % i: "v" for i in range(21)}), "invalid_headers",
        ["at most 20"], "at most 20 custom headers")
refused(dict(base_ep, headers=["Authorization"]), "invalid_headers", ["object"],
        "headers must be an object")


# ---------------------------------------------------------------- Slack, end to end
tid, key = tenant("integrations")
r = api(LIGHTTPD, "POST", EP, key, {
    "url": slack.url + "/services/T000/B000/XXXX", "events": ["incident.reported"],
    "format": "slack", "description": "#operations",
    "filters": [{"path": "data.priority", "op": "eq", "value": "high"}]})
ep_slack = r.json() or {}
check(r.status == 201 and ep_slack.get("format") == "slack"
      and ep_slack.get("filters") == [{"path": "data.priority", "op": "eq", "value": "high"}]
      and ep_slack.get("headers") == {} and ep_slack.get("pagerduty_routing_key") is None,
      "Slack: an endpoint with format slack and a high-priority filter is created", r)

r = api(LIGHTTPD, "POST", EP, key, {
    "url": pd.url + "/v2/enqueue", "events": ["incident.reported", "incident.closed"],
    "format": "pagerduty", "pagerduty_routing_key": PDKEY,
    "filters": [{"path": "data.severity", "op": "eq", "value": "critical"}]})
ep_pd = r.json() or {}
check(r.status == 201 and ep_pd.get("format") == "pagerduty"
      and ep_pd.get("pagerduty_routing_key") == "••••" + PDKEY[-4:],
      "PagerDuty: the routing key comes back masked (••••%s)" % PDKEY[-4:], r)
check(PDKEY not in r.body.decode(), "PagerDuty: the answer never holds the routing key", r)
sealed = sql("SELECT pagerduty_key_sealed FROM endpoints WHERE id = ?", ep_pd.get("id"))[0][0]
check(sealed.startswith("v2:") and PDKEY not in sealed,
      "PagerDuty: the routing key is stored sealed", sealed)

ZAP_AUTH = "Bearer zap-4f1c9a7e2b6d8c3f5a0e"
r = api(LIGHTTPD, "POST", EP, key, {
    "url": plain.url + "/hooks/catch/123/abc", "events": ["invoice.paid"],
    "headers": {"Authorization": ZAP_AUTH, "X-Team": "finance-ops"}})
ep_zap = r.json() or {}
check(r.status == 201 and ep_zap.get("format") == "momentumpro"
      and ep_zap.get("headers") == {"Authorization": "Bear…", "X-Team": "fi…"},
      "custom headers come back with their values masked", r)
check(ZAP_AUTH not in r.body.decode() and "zap-4f1c" not in r.body.decode(),
      "custom header values are never returned in full", r)
hs = sql("SELECT headers_sealed FROM endpoints WHERE id = ?", ep_zap.get("id"))[0][0]
check(hs.startswith("v2:") and "zap-4f1c" not in hs, "custom headers are stored sealed", hs)
lst = api(LIGHTTPD, "GET", EP, key).json() or {}
check(all(PDKEY not in json.dumps(e) and "zap-4f1c" not in json.dumps(e)
          for e in lst.get("data", [])) and len(lst.get("data", [])) == 3,
      "the list masks routing keys and header values too", lst)

disp = Dispatcher()
try:
    # Slack: a high-priority incident goes out, a low one creates nothing.
    st, ev_high, n_high = emit(key, "incident.reported", {
        "id": 612, "title": "Forklift collision with racking", "incident_type": "safety",
        "priority": "high", "severity": "major", "location": "Madrid Warehouse - Loading Dock 2",
        "reported_by": 52, "reported_by_name": "Jonas Berg <ops> & co",
        "incident_at": "2026-04-29T13:50:00Z", "injuries": False,
        "url": "https://acme.momentumpro.pro/incidents/612"})
    st2, ev_low, n_low = emit(key, "incident.reported", {
        "id": 613, "title": "Loose floor tile", "priority": "low", "severity": "minor"})
    check(st == 202 and n_high == 1 and st2 == 202 and n_low == 0,
          "Slack: the high-priority incident creates a delivery, the low one none",
          (n_high, n_low))
    check(deliveries_of(ev_low) == 0, "Slack: no delivery row exists for the filtered event")
    res = wait_delivered(ev_high)
    check(res == [("delivered", "200")], "Slack: delivered, Slack's rules satisfied (200)", res)
    q = request_for(slack, "incident.reported")
    msg = json.loads(q["body"]) if q else {}
    check(q is not None and q["path"] == "/services/T000/B000/XXXX"
          and q["headers"].get("content-type") == "application/json",
          "Slack: POSTed as JSON to the incoming-webhook URL", q and q["headers"])
    check(msg.get("text", "").startswith("Incident reported: Forklift collision with racking")
          and "Jonas Berg &lt;ops&gt; &amp; co" in json.dumps(msg)
          and "<https://acme.momentumpro.pro/incidents/612|Open in Momentumpro>" in json.dumps(msg,
                                                                                        ensure_ascii=False)
          and any(b.get("type") == "header" for b in msg.get("blocks", [])),
          "Slack: the message says what, who (escaped) and links the record", msg)
    check(q is not None and seed_verify(q["body"], q["headers"].get("x-momentumpro-signature"),
                                        ep_slack["secret"]),
          "Slack: the signature verifies over the exact bytes received")
    n = int(sql("SELECT COALESCE(SUM(filtered), 0) FROM endpoint_stats WHERE endpoint_id = ?",
                ep_slack["id"])[0][0])
    check(n == 1, "Slack: the filtered event is counted for the dashboard (%d)" % n)

    # PagerDuty: critical triggers, closing resolves the same alert.
    before = len(pd.requests)
    inc = {"id": 900, "title": "Chemical spill in lab 3", "priority": "medium", "severity": "critical",
           "location": "Lab 3", "reported_by_name": "Ana Ruiz",
           "url": "https://acme.momentumpro.pro/incidents/900"}
    _, ev_t, n_t = emit(key, "incident.reported", inc)
    res_t = wait_delivered(ev_t)
    _, ev_r, n_r = emit(key, "incident.closed", dict(inc, resolution="cleaned", closed_by=19))
    res_r = wait_delivered(ev_r)
    _, ev_m, n_m = emit(key, "incident.reported", dict(inc, id=901, severity="major"))
    check(n_t == 1 and n_r == 1 and n_m == 0,
          "PagerDuty: critical incidents create deliveries, a major one none", (n_t, n_r, n_m))
    check(res_t == [("delivered", "202")] and res_r == [("delivered", "202")],
          "PagerDuty: trigger and resolve are accepted by Events API v2 rules (202)",
          (res_t, res_r))
    with pd.lock:
        got = [json.loads(x["body"]) for x in pd.requests[before:]]
    trig = [g for g in got if g.get("event_action") == "trigger"]
    reso = [g for g in got if g.get("event_action") == "resolve"]
    check(len(trig) == 1 and len(reso) == 1 and trig[0].get("dedup_key")
          and trig[0]["dedup_key"] == reso[0].get("dedup_key"),
          "PagerDuty: the trigger and the resolve share a dedup_key (%s)"
          % (trig and trig[0].get("dedup_key")), got)
    p = trig[0]["payload"] if trig else {}
    check(trig and trig[0]["routing_key"] == PDKEY and p.get("severity") == "critical"
          and p.get("source") == "Lab 3" and p.get("summary", "").startswith(
              "Incident reported: Chemical spill in lab 3")
          and p.get("custom_details", {}).get("id") == 900,
          "PagerDuty: routing key, severity, source, summary and the data as custom_details", p)
    with pd.lock:
        raw = list(pd.requests[before:])
    check(raw and all(seed_verify(x["body"], x["headers"].get("x-momentumpro-signature"),
                                  ep_pd["secret"]) for x in raw),
          "PagerDuty: the signature verifies over the exact bytes received")
    hdrs = sql("SELECT a.request_headers FROM attempts a JOIN deliveries d ON d.id = a.delivery_id"
               " WHERE d.event_id = ?", ev_t)
    check(hdrs and PDKEY not in hdrs[0][0], "PagerDuty: the routing key is not in the recorded "
          "request headers")

    # Zapier-style: the seed's JSON, custom headers arrive, recorded masked.
    before = len(plain.requests)
    _, ev_z, n_z = emit(key, "invoice.paid", {"id": 7301, "number": "INV-2026-0311",
                                              "customer_name": "Northwind Logistics GmbH",
                                              "amount": "1250.00", "currency": "EUR"})
    res_z = wait_delivered(ev_z)
    q = request_for(plain, "invoice.paid", before)
    check(res_z == [("delivered", "200")] and q is not None
          and q["headers"].get("authorization") == ZAP_AUTH
          and q["headers"].get("x-team") == "finance-ops",
          "custom headers arrive with the delivery", q and q["headers"])
    body = json.loads(q["body"]) if q else {}
    check(list(body) == ["event", "occurred_at", "data"] and body["data"]["number"] == "INV-2026-0311",
          "Zapier/n8n: the body is the seed's JSON", body)
    check(q is not None and seed_verify(q["body"], q["headers"].get("x-momentumpro-signature"),
                                        ep_zap["secret"]),
          "Zapier/n8n: the signature verifies over the exact bytes received")
    rec = sql("SELECT a.request_headers FROM attempts a JOIN deliveries d ON d.id = a.delivery_id"
              " WHERE d.event_id = ?", ev_z)
    rh = rec[0][0] if rec else ""
    check("zap-4f1c" not in rh and "finance-ops" not in rh and "Authorization: Bear…" in rh
          and "X-Team: fi…" in rh, "custom header values are masked in attempts.request_headers",
          rh)
    did = int(sql("SELECT id FROM deliveries WHERE event_id = ?", ev_z)[0][0])
    r = api(LIGHTTPD, "GET", "/api/v1/deliveries/%d" % did, key)
    check(r.status == 200 and "zap-4f1c" not in r.body.decode(),
          "the delivery API does not show custom header values")

    # The n8n Code node snippet of the README verifies what we send.
    readme = open(os.path.join(TOP, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- n8n-verify -->\s*```js\n(.*?)```", readme, re.S)
    if check(m is not None, "README: the n8n signature snippet is there"):
        shim = """
const __body = Buffer.from(process.argv[1], 'base64');
const __headers = JSON.parse(process.argv[2]);
const $input = { first: () => ({ json: { headers: __headers } }) };
const ctx = { helpers: { getBinaryDataBuffer: async () => __body } };
(async function () {
%s
}).call(ctx).then((r) => console.log(JSON.stringify(r)), (e) => { console.log('ERR ' + e.message); });
"""
        code = m.group(1).replace("'whsec_...'", json.dumps(ep_zap["secret"]))
        p = subprocess.run(["node", "-e", shim % code, base64.b64encode(q["body"]).decode(),
                            json.dumps(q["headers"])], capture_output=True, text=True)
        out = p.stdout.strip()
        check(out.startswith("[") and json.loads(out)[0]["json"]["event"] == "invoice.paid",
              "README: the n8n Code node snippet accepts a real delivery", out + p.stderr)
        tampered = q["body"].replace(b"1250.00", b"9250.00")
        p = subprocess.run(["node", "-e", shim % code, base64.b64encode(tampered).decode(),
                            json.dumps(q["headers"])], capture_output=True, text=True)
        check(p.stdout.startswith("ERR"), "README: the n8n snippet refuses a tampered body",
              p.stdout + p.stderr)
        replay = dict(q["headers"], **{"webhook-timestamp": str(int(time.time()) + 5),
                                       "x-momentumpro-timestamp": str(int(time.time()) + 5)})
        p = subprocess.run(["node", "-e", shim % code, base64.b64encode(q["body"]).decode(),
                            json.dumps(replay)], capture_output=True, text=True)
        check(p.stdout.startswith("ERR"),
              "README: the n8n snippet refuses the delivery replayed with a new timestamp",
              p.stdout + p.stderr)

    # Standard Webhooks headers work with a Slack body too.
    r = api(LIGHTTPD, "PATCH", "%s/%d" % (EP, ep_slack["id"]), key, {"standard_webhooks": True})
    before = len(slack.requests)
    _, ev_s, _ = emit(key, "incident.reported", {"id": 614, "title": "Fire alarm", "priority": "high"})
    wait_delivered(ev_s)
    q = request_for(slack, "incident.reported", before)
    if q is not None:
        secret = ep_slack["secret"]
        keyb = base64.b64decode(secret[len("whsec_"):])
        signed = ("%s.%s." % (q["headers"]["webhook-id"], q["headers"]["webhook-timestamp"])).encode() + q["body"]
        want = "v1," + base64.b64encode(hmac.new(keyb, signed, hashlib.sha256).digest()).decode()
        check(q["headers"].get("webhook-signature") == want,
              "Slack: the Standard Webhooks signature verifies over the exact bytes too")
    else:
        check(False, "Slack: the Standard Webhooks delivery arrived")
finally:
    disp.stop()


# ---------------------------------------------------------------- PATCH
r = api(LIGHTTPD, "PATCH", "%s/%d" % (EP, ep_zap["id"]), key,
        {"headers": {"Authorization": None, "X-Other": "v-123456789"}})
j = r.json() or {}
check(r.status == 200 and j.get("headers") == {"Authorization": "Bear…", "X-Other": "v-…"},
      "PATCH headers replaces them; a null value keeps the stored one", r)
r = api(LIGHTTPD, "PATCH", "%s/%d" % (EP, ep_zap["id"]), key, {"headers": {"X-New": None}})
check(r.status == 422 and err_code(r) == "invalid_headers" and "X-New" in err_msg(r),
      "PATCH: null for a header never stored says which one needs a value", r)
r = api(LIGHTTPD, "PATCH", "%s/%d" % (EP, ep_pd["id"]), key, {"format": "slack"})
check(r.status == 200 and r.json().get("format") == "slack"
      and r.json().get("pagerduty_routing_key") is None
      and sql("SELECT pagerduty_key_sealed IS NULL FROM endpoints WHERE id = ?", ep_pd["id"]) == [["1"]],
      "PATCH: leaving format pagerduty drops the stored routing key", r)
r = api(LIGHTTPD, "PATCH", "%s/%d" % (EP, ep_pd["id"]), key, {"format": "pagerduty"})
check(r.status == 422 and err_code(r) == "invalid_routing_key",
      "PATCH: back to pagerduty without a key is refused", r)
r = api(LIGHTTPD, "PATCH", "%s/%d" % (EP, ep_pd["id"]), key,
        {"format": "pagerduty", "pagerduty_routing_key": PDKEY})
check(r.status == 200 and r.json().get("pagerduty_routing_key") == "••••" + PDKEY[-4:],
      "PATCH: format pagerduty with its key", r)
r = api(LIGHTTPD, "PATCH", "%s/%d" % (EP, ep_pd["id"]), key, {"description": "on call"})
check(r.status == 200 and r.json().get("pagerduty_routing_key") == "••••" + PDKEY[-4:],
      "PATCH of another field keeps format and key", r)
r = api(LIGHTTPD, "PATCH", "%s/%d" % (EP, ep_pd["id"]), key, {"filters": []})
check(r.status == 200 and r.json().get("filters") == [] and
      sql("SELECT COUNT(*) FROM endpoint_filters WHERE endpoint_id = ?", ep_pd["id"]) == [["0"]],
      "PATCH filters [] removes them", r)
# Another tenant sees none of it.
tid_o, key_o = tenant("integrations other")
r = api(LIGHTTPD, "PATCH", "%s/%d" % (EP, ep_pd["id"]), key_o, {"filters": []})
check(r.status == 404, "another tenant cannot change the filters (404)", r)


# ---------------------------------------------------------------- admin pages
for name, base in SERVERS:
    a = Admin(base, *admin_user(tid, "integ-" + name))
    r = a.get("/admin/webhooks/new")
    body = r.body.decode()
    check(r.status == 200 and 'name="format" value="slack"' in body
          and 'name="format" value="pagerduty"' in body
          and 'name="format" value="momentumpro" checked' in body
          and 'name="pagerduty_routing_key" type="password"' in body
          and body.count('name="filter_path_') == 5 and 'name="filter_op_0"' in body
          and '<option value="gt">' in body and body.count('name="header_name_') == 3,
          "%s: the form has format, routing key, 5 filter rows and header rows" % name)
    check('for="filter-path-1"' in body and 'for="filter-op-1"' in body
          and 'for="filter-value-1"' in body and 'for="header-value-1"' in body,
          "%s: every new control has a label" % name)

    # Mistakes: each at its row or field, every value kept.
    XSS = '"><script>alert(1)</script>'
    r = a.post("/admin/webhooks", [
        ("url", slack.url + "/hook"), ("events", "incident.reported"), ("format", "pagerduty"),
        ("pagerduty_routing_key", "short"),
        ("filter_path_0", "priority"), ("filter_op_0", "eq"), ("filter_value_0", "high"),
        ("filter_path_1", "data.amount"), ("filter_op_1", "gt"), ("filter_value_1", "lots"),
        ("filter_path_2", "data.ok" + XSS), ("filter_op_2", "eq"), ("filter_value_2", XSS),
        ("header_name_0", "Host"), ("header_value_0", "x"),
        ("header_name_1", "X-Key"), ("header_value_1", "line\r\nbreak")])
    body = r.body.decode()
    check(r.status == 422 and 'id="pagerduty-routing-key-error"' in body
          and 'id="filter-1-error"' in body and 'id="filter-2-error"' in body
          and 'id="filter-3-error"' in body and 'id="header-1-error"' in body
          and 'id="header-2-error"' in body,
          "%s: wrong filters, headers and key each get a message at their row" % name,
          body[body.find("<form"):][:1500])
    check('value="priority"' in body and 'value="lots"' in body and 'value="short"' in body
          and 'name="format" value="pagerduty" checked' in body
          and re.search(r'name="filter_op_1">.*?<option value="gt" selected>', body),
          "%s: the re-shown form keeps every value" % name)
    check("<script>alert(1)" not in body and "&lt;script&gt;" in body,
          "%s: hostile filter values are shown as text" % name)
    check("data.priority" in body and "number" in body,
          "%s: the messages say how to fix it" % name)

    # A working Slack endpoint from the form.
    r = a.post("/admin/webhooks", [
        ("url", slack.url + "/services/admin"), ("events", "incident.reported"),
        ("format", "slack"), ("enabled", "1"),
        ("filter_path_0", "data.priority"), ("filter_op_0", "in"),
        ("filter_value_0", "high, critical"),
        ("filter_path_1", "data.code"), ("filter_op_1", "eq"), ("filter_value_1", '"5"'),
        ("header_name_0", "Authorization"), ("header_value_0", "Bearer admin-form-secret-1")])
    m = re.match(r"/admin/webhooks/(\d+)\?done=created", r.header("Location") or "")
    check(r.status in (302, 303) and m, "%s: the form creates a Slack endpoint" % name, r)
    eid = int(m.group(1)) if m else 0
    got = api(LIGHTTPD, "GET", "%s/%d" % (EP, eid), key).json() or {}
    check(got.get("format") == "slack" and got.get("filters") == [
        {"path": "data.priority", "op": "in", "value": ["high", "critical"]},
        {"path": "data.code", "op": "eq", "value": "5"}]
        and got.get("headers") == {"Authorization": "Bear…"},
        "%s: commas make a list, quotes keep \"5\" text, the header is stored" % name, got)
    r = a.get("/admin/webhooks/%d" % eid)
    body = r.body.decode()
    check(r.status == 200 and "Slack message" in body and "data.priority" in body
          and "is one of" in body and "Authorization: Bear…" in body
          and "admin-form-secret" not in body and 'id="filtered"' in body,
          "%s: the endpoint page shows format, filters and masked headers" % name)
    r = a.get("/admin/webhooks")
    rows = re.findall(r"<tr>.*?</tr>", r.body.decode(), re.S)
    mine = [x for x in rows if "/admin/webhooks/%d\"" % eid in x]
    check(r.status == 200 and mine and '<small class="format">Slack message</small>' in mine[0]
          and all("Momentumpro JSON" not in x for x in rows),
          "%s: the list names a Slack endpoint's format, and no default one's" % name, mine[:1])
    emit(key, "incident.reported", {"priority": "low", "code": "5"})
    r = a.get("/admin/webhooks/%d" % eid)
    check(re.search(r"1 event filtered out", r.body.decode()) is not None,
          "%s: the endpoint page says how many events were filtered out" % name)
    r = a.get("/admin/webhooks/%d/edit" % eid)
    body = r.body.decode()
    check(r.status == 200 and 'name="format" value="slack" checked' in body
          and 'value="data.priority"' in body and 'value="high, critical"' in body
          and 'value="&quot;5&quot;"' in body and 'value="Authorization"' in body
          and "admin-form-secret" not in body and "leave blank to keep" in body,
          "%s: the edit form shows filters as typed and header values masked" % name)
    # Save with the header value left blank: the stored value stays.
    r = a.post("/admin/webhooks/%d" % eid, [
        ("url", slack.url + "/services/admin"), ("events", "incident.reported"),
        ("format", "slack"), ("enabled", "1"),
        ("filter_path_0", "data.priority"), ("filter_op_0", "eq"), ("filter_value_0", "high"),
        ("header_name_0", "Authorization"), ("header_value_0", "")])
    got = api(LIGHTTPD, "GET", "%s/%d" % (EP, eid), key).json() or {}
    check(r.status in (302, 303) and got.get("headers") == {"Authorization": "Bear…"}
          and got.get("filters") == [{"path": "data.priority", "op": "eq", "value": "high"}],
          "%s: saving with a blank header value keeps it" % name, got)
    # PagerDuty from the form: the key stays masked on later visits.
    r = a.post("/admin/webhooks/%d" % eid, [
        ("url", pd.url + "/v2/enqueue"), ("events", "incident.reported"),
        ("format", "pagerduty"), ("pagerduty_routing_key", PDKEY), ("enabled", "1")])
    r = a.get("/admin/webhooks/%d/edit" % eid)
    body = r.body.decode()
    check(PDKEY not in body and "••••" + PDKEY[-4:] in body,
          "%s: the routing key is masked on later visits" % name)
    r = a.get("/admin/webhooks/%d" % eid)
    check(PDKEY not in r.body.decode() and "PagerDuty" in r.body.decode(),
          "%s: the endpoint page masks the routing key" % name)
    api(LIGHTTPD, "DELETE", "%s/%d" % (EP, eid), key)

    # The delivery pages show what was sent, secrets masked.
    for ev, label in ((ev_t, "PagerDuty"), (ev_z, "custom headers")):
        did = int(sql("SELECT id FROM deliveries WHERE event_id = ?", ev)[0][0])
        body = a.get("/admin/deliveries/%d" % did).body.decode()
        check(PDKEY not in body and "zap-4f1c" not in body and "finance-ops" not in body
              and ("••••" + PDKEY[-4:] in body if label == "PagerDuty" else "Bear…" in body),
              "%s: the %s delivery page masks the secrets it shows" % (name, label))


# Leave nothing pending for the files after this one.
sql("UPDATE deliveries SET status = 'failed', last_error = 'test_integrations cleanup'"
    " WHERE status IN ('pending', 'paused') AND tenant_id IN (%s)"
    % ",".join(str(t) for t in TENANTS))
slack.close()
pd.close()
plain.close()
done()
