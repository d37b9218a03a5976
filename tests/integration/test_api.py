"""The JSON API and event ingest of webhooks.fcgi, through lighttpd and
Apache mod_fcgid: auth, tenant isolation, ingest and fan-out, batches,
idempotency, hostile bodies, endpoints, deliveries, redelivery, and a
MariaDB restart in the middle of the suite."""
import base64
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.parse

import whtest
from whtest import (RUN, SERVERS, Lighttpd, api, check, ctl, done, http_request, sql,
                    wait_until, write_config)

RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
EP = "/api/v1/endpoints"
EVENTS = "/api/v1/events"
ENDPOINT_KEYS = {"id", "url", "description", "events", "enabled", "disabled_reason", "health",
                 "standard_webhooks", "format", "pagerduty_routing_key", "filters",
                 "headers", "created_at", "updated_at", "previous_secret_expires_at"}
DELIVERY_KEYS = {"id", "event_id", "event", "endpoint_id", "status", "attempts",
                 "next_attempt_at", "last_status_code", "last_error",
                 "last_attempt_at", "created_at"}


TENANTS = []


def new_tenant(label):
    """A fresh tenant, remembered so its backlog can be closed at the end."""
    tid, key = whtest.new_tenant(label)
    TENANTS.append(tid)
    return tid, key


def close_backlog():
    """Tests after this one start dispatchers: leave them no thousands of
    pending deliveries to 127.0.0.1:9 from here."""
    if TENANTS:
        sql("UPDATE deliveries SET status = 'failed', last_error = 'test_api cleanup' "
            "WHERE status IN ('pending', 'paused') AND tenant_id IN (%s)"
            % ",".join(str(t) for t in TENANTS))


def count(table, tenant):
    return int(sql("SELECT COUNT(*) FROM %s WHERE tenant_id = ?" % table, tenant)[0][0])


def err_code(r):
    j = r.json()
    try:
        return j["error"]["code"]
    except (TypeError, KeyError):
        return None


def err_msg(r):
    j = r.json()
    try:
        return j["error"]["message"]
    except (TypeError, KeyError):
        return ""


def is_error(r, status, code):
    return r.status == status and err_code(r) == code


def create_ep(base, key, events, url="http://127.0.0.1:9/hook", **kw):
    body = {"url": url, "events": events}
    body.update(kw)
    return api(base, "POST", EP, key, body)


def emit(base, key, etype="leave.approved", data=None, headers=None):
    return api(base, "POST", EVENTS, key, {"event": etype, "data": data or {"id": 1}},
               headers=headers)


def raw_post(base, path, key, body, ctype="application/json"):
    hdrs = {"Authorization": "Bearer " + key}
    if ctype is not None:
        hdrs["Content-Type"] = ctype
    return http_request(base, "POST", path, body, hdrs)


def big_post(base, path, key, size):
    """POST size bytes; the server may answer and close before it has
    read them all, so a failed send still reads the answer."""
    u = urllib.parse.urlsplit(base)
    s = socket.create_connection((u.hostname, u.port), timeout=30)
    head = ("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n"
            "Connection: close\r\n\r\n" % (path, u.netloc, key, size)).encode()
    chunk = b" " * 65536
    try:
        s.sendall(head)
        sent = 0
        while sent < size:
            n = min(len(chunk), size - sent)
            s.sendall(chunk[:n])
            sent += n
    except OSError:
        pass
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return int(m.group(1)) if m else 0, data


# ------------------------------------------------------------------ auth
def test_auth(name, base):
    tid, key = new_tenant("auth " + name)
    r = api(base, "GET", "/api/v1/event-types")
    check(is_error(r, 401, "unauthorized") and "Authorization" in err_msg(r)
          and (r.header("WWW-Authenticate") or "").startswith("Bearer"),
          "%s: no Authorization header is 401 saying what to send" % name, r)
    for label, hdr in [("Basic scheme", "Basic dXNlcjpwYXNz"), ("empty Bearer", "Bearer "),
                       ("bare key", key)]:
        r = http_request(base, "GET", "/api/v1/event-types", headers={"Authorization": hdr})
        check(is_error(r, 401, "unauthorized") and "Bearer" in err_msg(r),
              "%s: a malformed Authorization header (%s) is 401" % (name, label), r)
    r = api(base, "GET", "/api/v1/event-types", "mpk_" + "A" * 43)
    check(is_error(r, 401, "unauthorized") and "not valid" in err_msg(r),
          "%s: an unknown key is 401" % name, r)
    rc, out, _ = ctl("apikey", "create", "--tenant", str(tid), "--name", "soon revoked")
    k2 = json.loads(out)
    r = api(base, "GET", "/api/v1/event-types", k2["api_key"])
    check(r.status == 200, "%s: a second key of the tenant works" % name, r)
    ctl("apikey", "revoke", "--tenant", str(tid), "--id", str(k2["id"]))
    r = api(base, "GET", "/api/v1/event-types", k2["api_key"])
    check(is_error(r, 401, "unauthorized") and "revoked" in err_msg(r),
          "%s: a revoked key is 401 and says it was revoked" % name, r)
    r = api(base, "GET", "/api/v1/event-types", key)
    check(r.status == 200, "%s: the valid key works" % name, r)
    r = http_request(base, "GET", "/api/v1/event-types",
                     headers={"Authorization": "bearer " + key})
    check(r.status == 200, "%s: the Bearer scheme is case-insensitive" % name, r)
    rows = sql("SELECT last_used_at IS NOT NULL FROM api_keys WHERE tenant_id = ? "
               "AND revoked_at IS NULL", tid)
    check(rows == [["1"]], "%s: last_used_at is recorded" % name, rows)
    return tid, key


# ------------------------------------------------------------------ catalog
def test_event_types(name, base, key):
    r = api(base, "GET", "/api/v1/event-types", key)
    d = r.json() or {}
    data = d.get("data", [])
    names = [t.get("name") for t in data]
    check(r.status == 200 and len(data) >= 60 and "leave.approved" in names,
          "%s: event-types lists the catalog" % name, r)
    la = [t for t in data if t.get("name") == "leave.approved"]
    check(la and set(la[0]) == {"name", "category", "description", "example", "schema"}
          and la[0]["category"] == "leave" and isinstance(la[0]["example"], dict)
          and isinstance(la[0]["schema"], dict)
          and la[0]["description"], "%s: each type has category, description, an example and a schema "
          "object" % name, la)


# ------------------------------------------------------------------ endpoints
def test_endpoints(name, base, key, tid):
    r = create_ep(base, key, ["leave.approved"], description="HR sync")
    ep = r.json() or {}
    check(r.status == 201 and ENDPOINT_KEYS | {"secret"} == set(ep)
          and ep["events"] == ["leave.approved"] and ep["enabled"] is True
          and ep["standard_webhooks"] is True and ep["disabled_reason"] is None
          and ep["description"] == "HR sync"
          and ep["health"] == {"failing": False, "failing_since": None, "failed_attempts": 0},
          "%s: create returns 201 with the endpoint, its secret and its health, Standard Webhooks on"
          % name, r)
    check(r.header("Location") == "%s/%s" % (EP, ep.get("id")),
          "%s: create sets Location" % name, r.headers)
    check(RFC3339_MS.match(ep.get("created_at", "")) and RFC3339_MS.match(ep.get("updated_at", "")),
          "%s: times are RFC 3339 UTC with milliseconds" % name, ep)
    secret = ep.get("secret", "")
    raw = b""
    try:
        raw = base64.b64decode(secret[6:], validate=True)
    except Exception:
        pass
    check(secret.startswith("whsec_") and len(raw) == 32,
          "%s: a generated secret is whsec_ + base64 of 32 random bytes" % name, secret)
    eid = ep.get("id")
    sealed = sql("SELECT secret_sealed FROM endpoints WHERE id = ?", eid)[0][0]
    check(sealed.startswith("v2:") and secret not in sealed and secret[6:] not in sealed,
          "%s: the secret is stored sealed, not in clear" % name, sealed)

    r = api(base, "GET", "%s/%s" % (EP, eid), key)
    check(r.status == 200 and set(r.json() or {}) == ENDPOINT_KEYS
          and r.json()["url"] == "http://127.0.0.1:9/hook",
          "%s: get returns the endpoint without its secret" % name, r)
    check(secret not in r.body.decode(), "%s: get never shows the secret" % name)
    r = api(base, "GET", EP, key)
    lst = (r.json() or {}).get("data", [])
    check(r.status == 200 and [e["id"] for e in lst] == [eid] and "secret" not in lst[0]
          and (r.json() or {}).get("next_cursor", 0) is None and secret not in r.body.decode(),
          "%s: list returns the endpoint without its secret" % name, r)

    r = create_ep(base, key, ["leave.*"], secret="my-own-secret-1234")
    check(r.status == 201 and r.json()["secret"] == "my-own-secret-1234",
          "%s: a given secret of 16+ characters is kept" % name, r)
    r = create_ep(base, key, ["leave.*"], secret="short-secret")
    check(is_error(r, 422, "invalid_secret") and "16" in err_msg(r),
          "%s: a secret under 16 characters is refused" % name, r)
    r = create_ep(base, key, ["leave.*"], secret="x" * 201)
    check(is_error(r, 422, "invalid_secret"),
          "%s: a secret over 200 characters is refused" % name, r)
    r = create_ep(base, key, ["leave.*"], secret="new\nline-secret-12345")
    check(is_error(r, 422, "invalid_secret") and "printable" in err_msg(r),
          "%s: a secret with a control character is refused" % name, r)

    # Rotation: an empty body (Content-Length: 0) is the default overlap, 24h.
    r = api(base, "POST", "%s/%s/rotate-secret" % (EP, eid), key)
    new = (r.json() or {}).get("secret", "")
    sealed2, prev2, left = sql("SELECT secret_sealed, prev_secret_sealed,"
                               " TIMESTAMPDIFF(SECOND, NOW(3), prev_secret_expires_at)"
                               " FROM endpoints WHERE id = ?", eid)[0]
    check(r.status == 200 and new.startswith("whsec_") and new != secret
          and (r.json() or {}).get("id") == eid,
          "%s: rotate-secret returns a new generated secret once" % name, r)
    until = (r.json() or {}).get("previous_secret_expires_at") or ""
    check(RFC3339_MS.match(until) and left is not None and 86390 <= int(left) <= 86400
          and prev2.startswith("v2:") and prev2 != sealed and secret[6:] not in prev2,
          "%s: with no body the old secret keeps signing for 24h, sealed, and the answer says until when"
          % name, (r, left))
    check(sealed2 != sealed and sealed2.startswith("v2:") and new[6:] not in sealed2,
          "%s: rotation changes the sealed value, which holds no clear secret" % name)
    r = api(base, "GET", "%s/%s" % (EP, eid), key)
    check("secret" not in (r.json() or {}) and new not in r.body.decode(),
          "%s: after rotation get still hides the secret" % name, r)

    # URL validation (the test servers allow private addresses).
    for label, url, frag in [
            ("ftp scheme", "ftp://example.com/x", "http"),
            ("user:password", "https://user:pass@example.com/x", "user"),
            ("no host", "http:///x", "host"),
            ("not a URL", "hooks.example.com", "http"),
            ("empty", "", "required")]:
        r = create_ep(base, key, ["*"], url=url)
        check(is_error(r, 422, "invalid_url") and frag in err_msg(r).lower(),
              "%s: URL with %s is refused" % (name, label), r)
    for url in ["http://127.0.0.1:8080/x", "http://10.1.2.3/x", "http://localhost/x"]:
        r = create_ep(base, key, ["*"], url=url)
        check(r.status == 201, "%s: %s is accepted with allow_private_networks = yes"
              % (name, url), r)

    # Events validation.
    for label, evs, frag in [
            ("an empty list", [], "at least one"),
            ("an unknown type", ["leave.approved", "nope.nope"], "nope.nope"),
            ("an unknown category", ["nope.*"], "nope.*"),
            ("bad syntax", ["Leave.Approved"], "Leave.Approved"),
            ("a non-string", [5], "array of strings")]:
        r = create_ep(base, key, evs)
        check(is_error(r, 422, "invalid_events") and frag in err_msg(r),
              "%s: events with %s are refused, naming it" % (name, label), r)
    r = create_ep(base, key, ["expense.*", "*", "leave.approved", "leave.approved"])
    check(r.status == 201 and sorted(r.json()["events"]) == ["*", "expense.*", "leave.approved"],
          "%s: category.*, * and exact types are accepted (a repeat is kept once)" % name, r)

    # Other fields and the body.
    r = create_ep(base, key, ["*"], description="d" * 501)
    check(is_error(r, 422, "invalid_description"), "%s: a description over 500 "
          "characters is refused" % name, r)
    r = create_ep(base, key, ["*"], description="é" * 500)
    check(r.status == 201, "%s: 500 non-ASCII characters are a valid description" % name, r)
    r = create_ep(base, key, ["*"], colour="blue")
    check(is_error(r, 422, "unknown_field") and "colour" in err_msg(r),
          "%s: an unknown field is refused, naming it" % name, r)
    r = create_ep(base, key, ["*"], enabled="yes")
    check(is_error(r, 422, "invalid_field") and "enabled" in err_msg(r),
          "%s: enabled must be a boolean" % name, r)
    r = api(base, "POST", EP, key, {"events": ["*"]})
    check(is_error(r, 422, "invalid_url") and "required" in err_msg(r),
          "%s: url is required" % name, r)
    r = api(base, "POST", EP, key, {"url": "https://example.com/"})
    check(is_error(r, 422, "invalid_events") and "required" in err_msg(r),
          "%s: events is required" % name, r)
    r = api(base, "POST", EP, key, [1, 2])
    check(is_error(r, 422, "invalid_body"), "%s: a body that is not an object is refused" % name, r)
    r = raw_post(base, EP, key, '{"url": "https://example.com/", "events": ["*"]}', "text/plain")
    check(is_error(r, 415, "unsupported_media_type") and "application/json" in err_msg(r),
          "%s: create with another Content-Type is 415" % name, r)
    r = raw_post(base, EP, key, '{"url": "https://example.com/",\n "events": [*]}')
    check(is_error(r, 400, "invalid_json") and "line 2" in err_msg(r),
          "%s: create with malformed JSON is 400 saying where" % name, r)

    # PATCH.
    r = api(base, "PATCH", "%s/%s" % (EP, eid), key,
            {"url": "https://hooks.example.com/new", "description": "renamed",
             "standard_webhooks": True, "events": ["expense.*"]})
    ep2 = r.json() or {}
    check(r.status == 200 and ep2.get("url") == "https://hooks.example.com/new"
          and ep2.get("description") == "renamed" and ep2.get("standard_webhooks") is True
          and ep2.get("events") == ["expense.*"] and "secret" not in ep2,
          "%s: PATCH changes the given fields and replaces the subscriptions" % name, r)
    r = api(base, "PATCH", "%s/%s" % (EP, eid), key, {})
    check(r.status == 200 and r.json().get("url") == "https://hooks.example.com/new",
          "%s: an empty PATCH changes nothing" % name, r)
    r = api(base, "PATCH", "%s/%s" % (EP, eid), key, {"url": "ftp://x.example.com/"})
    check(is_error(r, 422, "invalid_url"), "%s: PATCH validates the URL" % name, r)
    r = api(base, "PATCH", "%s/%s" % (EP, eid), key, {"events": ["nope.nope"]})
    check(is_error(r, 422, "invalid_events"), "%s: PATCH validates events" % name, r)
    r = api(base, "PATCH", "%s/%s" % (EP, eid), key, {"id": 5})
    check(is_error(r, 422, "unknown_field"), "%s: PATCH refuses unknown fields" % name, r)
    r = api(base, "PATCH", "%s/%s" % (EP, eid), key, {"secret": "another-secret-123456"})
    sealed3 = sql("SELECT secret_sealed FROM endpoints WHERE id = ?", eid)[0][0]
    check(r.status == 200 and "secret" not in r.json() and sealed3 != sealed2,
          "%s: PATCH can set a secret and does not echo it" % name, r)
    check(sql("SELECT prev_secret_sealed IS NULL AND prev_secret_expires_at IS NULL FROM endpoints"
              " WHERE id = ?", eid) == [["1"]],
          "%s: a secret set by PATCH ends a rotation's overlap" % name)

    # Pagination of the list.
    r = api(base, "GET", EP + "?limit=2", key)
    page = r.json() or {}
    ids = [e["id"] for e in page.get("data", [])]
    seen = list(ids)
    while page.get("next_cursor"):
        r = api(base, "GET", EP + "?limit=2&cursor=%d" % page["next_cursor"], key)
        page = r.json() or {}
        seen += [e["id"] for e in page.get("data", [])]
    total = int(sql("SELECT COUNT(*) FROM endpoints WHERE tenant_id = ?", tid)[0][0])
    check(len(ids) == 2 and len(seen) == total and seen == sorted(set(seen)),
          "%s: the endpoint list pages with next_cursor" % name, seen)
    r = api(base, "GET", EP + "?limit=0", key)
    check(is_error(r, 400, "invalid_parameter"), "%s: limit=0 is refused" % name, r)

    # DELETE.
    r = create_ep(base, key, ["leave.approved"])
    did_ep = r.json()["id"]
    emit(base, key)
    r = api(base, "DELETE", "%s/%s" % (EP, did_ep), key)
    check(r.status == 204 and r.body == b"", "%s: delete answers 204" % name, r)
    r = api(base, "GET", "%s/%s" % (EP, did_ep), key)
    check(is_error(r, 404, "not_found"), "%s: a deleted endpoint is 404" % name, r)
    rows = sql("SELECT status, last_error FROM deliveries WHERE endpoint_id = ?", did_ep)
    check(rows == [["failed", "endpoint deleted"]],
          "%s: delete fails the endpoint's waiting deliveries" % name, rows)
    rows = sql("SELECT COUNT(*) FROM endpoint_events WHERE endpoint_id = ?", did_ep)
    check(rows == [["0"]], "%s: delete removes its subscriptions" % name, rows)
    r = api(base, "DELETE", "%s/%s" % (EP, did_ep), key)
    check(is_error(r, 404, "not_found"), "%s: deleting twice is 404" % name, r)


def test_private_refused():
    srv = Lighttpd(write_config("[delivery]\nallow_private_networks = no"))
    try:
        tid, key = new_tenant("private")
        for url in ["http://127.0.0.1/x", "http://10.0.0.1/x", "http://169.254.169.254/x",
                    "http://localhost/x", "http://[::1]/x", "http://192.168.1.1:8080/x"]:
            r = create_ep(srv.url, key, ["*"], url=url)
            check(is_error(r, 422, "invalid_url") and "not allowed" in err_msg(r)
                  or is_error(r, 422, "invalid_url") and "internal" in err_msg(r),
                  "allow_private_networks = no refuses %s" % url, r)
        r = create_ep(srv.url, key, ["*"], url="https://hooks.example.com/x")
        check(r.status == 201, "allow_private_networks = no accepts a public host name", r)
        eid = r.json()["id"] if r.status == 201 else 0
        r = api(srv.url, "PATCH", "%s/%s" % (EP, eid), key, {"url": "http://10.0.0.1/"})
        check(is_error(r, 422, "invalid_url"), "PATCH to a private address is refused too", r)
    finally:
        srv.stop()


def test_no_master_key():
    srv = Lighttpd(write_config("[security]\nmaster_key_file = /nonexistent/webhooks.key"))
    try:
        tid, key = new_tenant("no master key")
        r = create_ep(srv.url, key, ["*"])
        check(is_error(r, 500, "secret_storage_unavailable") and "master key" in err_msg(r),
              "without a master key, create is 500 and names the master key", r)
        check(sql("SELECT COUNT(*) FROM endpoints WHERE tenant_id = ?", tid) == [["0"]],
              "and stores no endpoint")
        r = emit(srv.url, key)
        check(r.status == 202, "ingest works without a master key", r)
    finally:
        srv.stop()


# ------------------------------------------------------------------ ingest
def test_ingest(name, base):
    tid, key = new_tenant("ingest " + name)
    e_exact = create_ep(base, key, ["leave.approved"]).json()["id"]
    e_cat = create_ep(base, key, ["leave.*"]).json()["id"]
    e_all = create_ep(base, key, ["*"]).json()["id"]
    e_exp = create_ep(base, key, ["expense.paid"]).json()["id"]
    e_off = create_ep(base, key, ["leave.approved"], enabled=False).json()["id"]
    # Another tenant's subscription must not receive this tenant's events.
    _, other = new_tenant("ingest other " + name)
    create_ep(base, other, ["*"])

    raw = b'{"event": "leave.approved", "data": {"id": 123, "days": 5,\n "note": "caf\xc3\xa9"}}'
    r = raw_post(base, EVENTS, key, raw)
    d = r.json() or {}
    check(r.status == 202 and set(d) == {"id", "deliveries"} and d["deliveries"] == 3,
          "%s: one event fans out to exact, category.* and * subscribers" % name, r)
    eps = sorted(int(x[0]) for x in sql("SELECT endpoint_id FROM deliveries WHERE event_id = ?",
                                         d.get("id")))
    check(eps == sorted([e_exact, e_cat, e_all]),
          "%s: no delivery to a disabled or unsubscribed endpoint" % name, eps)
    rows = sql("SELECT data, event_type, tenant_id FROM events WHERE id = ?", d.get("id"))
    check(rows and rows[0][0] == raw.decode()[raw.decode().index('{"id"'):-1].replace("\n", "\\n")
          and rows[0][1] == "leave.approved" and rows[0][2] == str(tid),
          "%s: data is stored byte for byte" % name, rows)
    rows = sql("SELECT status FROM deliveries WHERE event_id = ?", d.get("id"))
    check(all(x == ["pending"] for x in rows), "%s: deliveries start pending" % name, rows)

    r = emit(base, key, "expense.paid")
    check(r.status == 202 and r.json()["deliveries"] == 2,
          "%s: expense.paid goes to * and its exact subscriber" % name, r)
    r = emit(base, key, "po.issued")
    check(r.status == 202 and r.json()["deliveries"] == 1, "%s: po.issued only to *" % name, r)

    r = api(base, "POST", EVENTS, key, {"event": "leave.approved", "data": {},
                                         "occurred_at": "2026-04-29T14:32:11Z"})
    rows = sql("SELECT occurred_at FROM events WHERE id = ?", (r.json() or {}).get("id", 0))
    check(r.status == 202 and rows == [["2026-04-29T14:32:11Z"]],
          "%s: occurred_at is kept as given" % name, rows)
    r = api(base, "POST", EVENTS, key, {"event": "leave.approved", "data": {}})
    rows = sql("SELECT occurred_at FROM events WHERE id = ?", (r.json() or {}).get("id", 0))
    check(rows and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", rows[0][0]),
          "%s: occurred_at defaults to the server's time" % name, rows)

    # Single-event errors.
    for label, body, code, frag in [
            ("an unknown type", {"event": "leave.nosuch", "data": {}}, "unknown_event_type",
             "leave.nosuch"),
            ("data that is not an object", {"event": "leave.approved", "data": [1]},
             "invalid_event", "object"),
            ("no data", {"event": "leave.approved"}, "invalid_event", "data"),
            ("no event", {"data": {}}, "invalid_event", "event"),
            ("a bad occurred_at", {"event": "leave.approved", "data": {},
                                   "occurred_at": "yesterday"}, "invalid_event", "RFC 3339"),
            ("a misspelt field", {"event": "leave.approved", "data": {},
                                  "occured_at": "2026-04-29T14:32:11Z"}, "invalid_event",
             "occured_at"),
            ("a scalar body", 42, "invalid_event", "object"),
            ("a NUL in the type", {"event": "leave.approved\u0000", "data": {}},
             "invalid_event", "event")]:
        r = api(base, "POST", EVENTS, key, body)
        check(is_error(r, 422, code) and frag in err_msg(r),
              "%s: an event with %s is 422 %s" % (name, label, code), r)

    long_name = "a" * 62 + "\u00e9"
    for path, body, code in [
            (EVENTS, {"event": "leave.approved", "data": {}, long_name: 1}, "invalid_event"),
            (EP, {"url": "https://example.com/", "events": ["*"], long_name: 1}, "unknown_field")]:
        r = raw_post(base, path, key, json.dumps(body, ensure_ascii=False).encode("utf-8"))
        check(is_error(r, 422, code) and "unknown field" in err_msg(r),
              "%s: a long non-ASCII unknown field in %s is named in valid UTF-8" % (name, path), r)

    # The outbox procedure fans out exactly as the API does.
    out = sql("CALL webhooks_emit(?, 'leave.approved', NULL, '{\"id\":1}', @e, @d); "
              "SELECT @d", tid)
    check(out == [["3"]], "%s: webhooks_emit fans out like POST /api/v1/events" % name, out)

    # Batches.
    before = count("events", tid)
    batch = [{"event": "leave.approved", "data": {"i": 1}},
             {"event": "expense.paid", "data": {"i": 2}},
             {"event": "po.issued", "data": {"i": 3}}]
    r = api(base, "POST", EVENTS, key, batch)
    d = r.json() or {}
    check(r.status == 202 and set(d) == {"events", "deliveries"} and len(d["events"]) == 3
          and [e["deliveries"] for e in d["events"]] == [3, 2, 1] and d["deliveries"] == 6
          and all(set(e) == {"id", "deliveries"} for e in d["events"]),
          "%s: a batch answers each event's id and deliveries and the total" % name, r)
    check(count("events", tid) == before + 3, "%s: a batch stores every event" % name)
    ids = [e["id"] for e in d.get("events", [])]
    check(ids == sorted(ids) and len(set(ids)) == 3, "%s: batch ids are in order" % name, ids)

    before_ev, before_dl = count("events", tid), count("deliveries", tid)
    bad = [{"event": "leave.approved", "data": {}},
           {"event": "leave.approved", "data": {}},
           {"event": "nope.nope", "data": {}},
           {"event": "leave.approved", "data": {}}]
    r = api(base, "POST", EVENTS, key, bad)
    check(is_error(r, 422, "unknown_event_type") and "index 2" in err_msg(r)
          and "nope.nope" in err_msg(r),
          "%s: one unknown type rejects the batch, naming its index" % name, r)
    bad[2] = {"event": "leave.approved", "data": "x"}
    r = api(base, "POST", EVENTS, key, bad)
    check(is_error(r, 422, "invalid_event") and "index 2" in err_msg(r),
          "%s: one invalid event rejects the batch" % name, r)
    check(count("events", tid) == before_ev and count("deliveries", tid) == before_dl,
          "%s: a rejected batch stores nothing" % name)
    r = api(base, "POST", EVENTS, key, [])
    check(is_error(r, 422, "invalid_batch"), "%s: an empty batch is refused" % name, r)
    big = [{"event": "po.issued", "data": {}}] * 1001
    r = api(base, "POST", EVENTS, key, big)
    check(is_error(r, 422, "invalid_batch") and "1000" in err_msg(r),
          "%s: a batch over max_batch is refused" % name, r)
    full = [{"event": "leave.approved", "data": {"i": i}} for i in range(1000)]
    r = api(base, "POST", EVENTS, key, full)
    check(r.status == 202 and len(r.json()["events"]) == 1000
          and r.json()["deliveries"] == 3000,
          "%s: a batch of max_batch events is accepted" % name, r.status)
    check(count("events", tid) == before_ev + 1000, "%s: all 1000 stored" % name)
    return tid, key


def test_idempotency(name, base):
    tid, key = new_tenant("idem " + name)
    create_ep(base, key, ["*"])
    k = "order-%s-%f" % (name, time.time())
    r1 = emit(base, key, headers={"Idempotency-Key": k})
    r2 = emit(base, key, headers={"Idempotency-Key": k})
    check(r1.status == 202 and r2.status == 202 and r1.body == r2.body
          and r2.header("Idempotent-Replayed") == "true"
          and r1.header("Idempotent-Replayed") is None,
          "%s: a repeated Idempotency-Key returns the first answer" % name, (r1, r2))
    check(count("events", tid) == 1 and count("deliveries", tid) == 1,
          "%s: the repeat creates nothing" % name)
    r3 = api(base, "POST", EVENTS, key, [{"event": "po.issued", "data": {}}],
             headers={"Idempotency-Key": k})
    check(r3.body == r1.body and count("events", tid) == 1,
          "%s: the same key with another body still replays the first answer" % name, r3)

    tid2, key2 = new_tenant("idem other " + name)
    r = emit(base, key2, headers={"Idempotency-Key": k})
    check(r.status == 202 and r.header("Idempotent-Replayed") is None
          and count("events", tid2) == 1,
          "%s: another tenant's same key is independent" % name, r)

    # Expired: older than idempotency_window (24h) counts as absent.
    sql("UPDATE idempotency_keys SET created_at = UTC_TIMESTAMP(3) - INTERVAL 25 HOUR "
        "WHERE tenant_id = ? AND idem_key = ?", tid, k)
    r = emit(base, key, headers={"Idempotency-Key": k})
    check(r.status == 202 and r.header("Idempotent-Replayed") is None
          and r.json()["id"] != r1.json()["id"] and count("events", tid) == 2,
          "%s: an expired key is treated as new" % name, r)
    r4 = emit(base, key, headers={"Idempotency-Key": k})
    check(r4.body == r.body and count("events", tid) == 2,
          "%s: and is remembered again" % name, r4)

    kb = "batch-" + k
    b1 = api(base, "POST", EVENTS, key, [{"event": "po.issued", "data": {}}] * 3,
             headers={"Idempotency-Key": kb})
    b2 = api(base, "POST", EVENTS, key, [{"event": "po.issued", "data": {}}] * 3,
             headers={"Idempotency-Key": kb})
    check(b1.status == 202 and b1.body == b2.body and count("events", tid) == 5,
          "%s: batches are idempotent too" % name, (b1, b2))

    for label, val in [("too long", "k" * 256),
                       ("non-ASCII", "kl\u00e9".encode("utf-8").decode("latin-1")),
                       ("a control character", "a\tb")]:
        r = emit(base, key, headers={"Idempotency-Key": val})
        check(is_error(r, 400, "invalid_idempotency_key"),
              "%s: an Idempotency-Key that is %s is 400" % (name, label), r)
    r = emit(base, key, headers={"Idempotency-Key": "k" * 255})
    check(r.status == 202, "%s: a 255-character key is fine" % name, r)

    # Concurrent requests with one key: exactly one event.
    tid3, key3 = new_tenant("idem race " + name)
    create_ep(base, key3, ["leave.*"])
    results = []
    lock = threading.Lock()

    def go():
        try:
            res = emit(base, key3, headers={"Idempotency-Key": "race"})
        except Exception as e:  # noqa: BLE001 - recorded and checked
            res = e
        with lock:
            results.append(res)

    threads = [threading.Thread(target=go) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bodies = set(getattr(x, "body", None) for x in results)
    check(all(getattr(x, "status", 0) == 202 for x in results) and len(bodies) == 1,
          "%s: 12 concurrent requests with one key all get the same answer" % name,
          results)
    check(count("events", tid3) == 1 and count("deliveries", tid3) == 1,
          "%s: and exactly one event and one delivery exist" % name,
          (count("events", tid3), count("deliveries", tid3)))


def test_hostile(name, base, key, tid):
    before = count("events", tid)
    st, data = big_post(base, EVENTS, key, 10 * 1024 * 1024)
    check(st == 413, "%s: a 10 MB body is refused with 413" % name, data[:300])
    st, data = big_post(base, EVENTS, key, 1536 * 1024)
    body = data.split(b"\r\n\r\n", 1)[-1]
    check(st == 413 and b'"payload_too_large"' in body and b"max_body" in body,
          "%s: a 1.5 MB body reaches the program and gets its JSON 413" % name, data[:400])

    deep = "[" * 10000 + "]" * 10000
    r = raw_post(base, EVENTS, key, deep)
    check(is_error(r, 400, "invalid_json") and "line 1, column" in err_msg(r),
          "%s: nesting 10,000 deep is 400" % name, r)
    deep = '{"event":"leave.approved","data":' + '{"a":' * 10000 + "1" + "}" * 10001
    r = raw_post(base, EVENTS, key, deep)
    check(is_error(r, 400, "invalid_json"), "%s: data nested 10,000 deep is 400" % name, r)
    r = raw_post(base, EVENTS, key, b'{"event":"leave.approved","data":{"x":"\xff\xfe"}}')
    check(is_error(r, 400, "invalid_json") and "line 1, column" in err_msg(r)
          and r.json() is not None, "%s: invalid UTF-8 is 400 with valid JSON output" % name, r)
    r = raw_post(base, EVENTS, key, b'{"event":"leave.approved","data":{"x":"\xed\xa0\x80"}}')
    check(is_error(r, 400, "invalid_json"), "%s: an encoded surrogate is 400" % name, r)
    r = raw_post(base, EVENTS, key, b'{"event":"leave.approved",\x00"data":{}}')
    check(is_error(r, 400, "invalid_json"), "%s: a NUL byte is 400" % name, r)
    r = raw_post(base, EVENTS, key, b'{"event":"leave.approved","data":{"x":"a\x00b"}}')
    check(is_error(r, 400, "invalid_json"), "%s: a NUL byte in a string is 400" % name, r)
    r = raw_post(base, EVENTS, key, '{"event":"leave.approved","data":{}}', "text/plain")
    check(is_error(r, 415, "unsupported_media_type") and "application/json" in err_msg(r),
          "%s: text/plain is 415 naming the right type" % name, r)
    r = raw_post(base, EVENTS, key, '{"event":"leave.approved","data":{}}', None)
    check(is_error(r, 415, "unsupported_media_type"), "%s: no Content-Type is 415" % name, r)
    r = raw_post(base, EVENTS, key, '{"event":"leave.approved","data":{}}',
                 "application/json; charset=utf-8")
    check(r.status == 202, "%s: application/json with a charset is fine" % name, r)
    r = raw_post(base, EVENTS, key, '{\n  "event": "leave.approved",\n  "data": {,}\n}')
    check(is_error(r, 400, "invalid_json") and "line 3, column 12" in err_msg(r),
          "%s: malformed JSON is 400 with line and column" % name, r)
    r = raw_post(base, EVENTS, key, '{"event":"leave.approved","data":{}} {}')
    check(is_error(r, 400, "invalid_json"), "%s: two top-level values are 400" % name, r)
    r = raw_post(base, EVENTS, key, "")
    check(is_error(r, 400, "invalid_json"), "%s: an empty body is 400" % name, r)
    check(count("events", tid) == before + 1, "%s: hostile bodies stored nothing" % name)
    r = http_request(base, "GET", "/healthz")
    check(r.status == 200, "%s: the program keeps serving after hostile bodies" % name, r)
    r = api(base, "DELETE", EVENTS, key)
    check(r.status == 405, "%s: DELETE /api/v1/events is 405" % name, r)
    r = api(base, "GET", "/api/v1/nothing", key)
    check(r.status == 404, "%s: an unknown API path is 404" % name, r)


# ------------------------------------------------------------------ deliveries
def delivery_ids(endpoint):
    return [int(x[0]) for x in sql("SELECT id FROM deliveries WHERE endpoint_id = ? "
                                   "ORDER BY id", endpoint)]


def endpoint_with_deliveries(label, base, n):
    """A new tenant's endpoint with n pending deliveries, data {"n": i}."""
    _, key = new_tenant(label)
    eid = create_ep(base, key, ["leave.*"]).json()["id"]
    for i in range(n):
        emit(base, key, data={"n": i})
    return key, eid, delivery_ids(eid)


def test_deliveries(name, base):
    key, eid, ids = endpoint_with_deliveries("deliveries " + name, base, 5)
    sql("UPDATE deliveries SET status = 'delivered', attempts = 1, last_status_code = 200, "
        "last_attempt_at = UTC_TIMESTAMP(3), completed_at = UTC_TIMESTAMP(3) "
        "WHERE id IN (?, ?)", ids[0], ids[2])
    sql("UPDATE deliveries SET status = 'failed', attempts = 1, last_status_code = 400, "
        "last_error = 'HTTP 400' WHERE id = ?", ids[1])
    r = api(base, "GET", "%s/%d/deliveries" % (EP, eid), key)
    d = r.json() or {}
    got = [x["id"] for x in d.get("data", [])]
    check(r.status == 200 and got == sorted(ids, reverse=True) and d.get("next_cursor") is None,
          "%s: deliveries are listed newest first" % name, r)
    first = (d.get("data") or [{}])[0]
    check(set(first) == DELIVERY_KEYS and first["event"] == "leave.approved"
          and first["endpoint_id"] == eid and first["status"] == "pending"
          and RFC3339_MS.match(first["next_attempt_at"] or "")
          and RFC3339_MS.match(first["created_at"]) and first["last_error"] is None,
          "%s: a delivery has the documented fields" % name, first)
    r = api(base, "GET", "%s/%d/deliveries?status=delivered" % (EP, eid), key)
    got = [x["id"] for x in (r.json() or {}).get("data", [])]
    dl = [x for x in (r.json() or {}).get("data", [])]
    check(got == [ids[2], ids[0]] and dl[0]["last_status_code"] == 200
          and dl[0]["next_attempt_at"] is None,
          "%s: the status filter works" % name, r)
    r = api(base, "GET", "%s/%d/deliveries?status=failed" % (EP, eid), key)
    check([x["id"] for x in r.json()["data"]] == [ids[1]]
          and r.json()["data"][0]["last_error"] == "HTTP 400",
          "%s: failed deliveries show their last error" % name, r)
    seen, cursor, pages = [], None, 0
    while True:
        q = "?limit=2" + ("&cursor=%d" % cursor if cursor else "")
        r = api(base, "GET", "%s/%d/deliveries%s" % (EP, eid, q), key)
        page = r.json() or {}
        seen += [x["id"] for x in page.get("data", [])]
        pages += 1
        cursor = page.get("next_cursor")
        if not cursor or pages > 10:
            break
    check(seen == sorted(ids, reverse=True) and pages == 3,
          "%s: cursor pagination walks every delivery once" % name, seen)
    r = api(base, "GET", "%s/%d/deliveries?status=pending&limit=1" % (EP, eid), key)
    check(len(r.json()["data"]) == 1 and r.json()["next_cursor"] == ids[4],
          "%s: filter and limit combine" % name, r)
    for q, frag in [("?status=sent", "status"), ("?limit=101", "limit"),
                    ("?limit=abc", "limit"), ("?cursor=-1", "cursor"), ("?cursor=x", "cursor")]:
        r = api(base, "GET", "%s/%d/deliveries%s" % (EP, eid, q), key)
        check(is_error(r, 400, "invalid_parameter") and frag in err_msg(r),
              "%s: deliveries%s is 400" % (name, q), r)

    # One delivery with its attempts.
    did = ids[1]
    sql("INSERT INTO attempts (delivery_id, endpoint_id, started_at, duration_ms, status_code,"
        " error, response_snippet) VALUES (?, ?, '2026-04-29 14:32:11.123', 42, 500, 'HTTP 500',"
        " 'oops \"quoted\"')", did, eid)
    sql("INSERT INTO attempts (delivery_id, endpoint_id, started_at, duration_ms, status_code,"
        " error, response_snippet) VALUES (?, ?, '2026-04-29 14:33:11.000', 10000, NULL,"
        " 'timeout after 10s', NULL)", did, eid)
    r = api(base, "GET", "/api/v1/deliveries/%d" % did, key)
    d = r.json() or {}
    check(r.status == 200 and set(d) == (DELIVERY_KEYS | {"occurred_at", "data"})
          and d["data"] == {"n": 1} and d["id"] == did and d["status"] == "failed",
          "%s: a delivery's detail has its event data" % name, r)
    at = d.get("attempts", [])
    check(len(at) == 2 and set(at[0]) == {"id", "started_at", "duration_ms", "status_code",
                                          "error", "response_snippet", "response_headers"}
          and at[0]["started_at"] == "2026-04-29T14:32:11.123Z" and at[0]["status_code"] == 500
          and at[0]["response_snippet"] == 'oops "quoted"' and at[0]["duration_ms"] == 42
          and at[1]["status_code"] is None and at[1]["error"] == "timeout after 10s"
          and at[0]["id"] < at[1]["id"],
          "%s: a delivery's detail lists every attempt, oldest first" % name, at)
    r = api(base, "GET", "/api/v1/deliveries/%d" % (did + 10000000), key)
    check(is_error(r, 404, "not_found"), "%s: an unknown delivery is 404" % name, r)
    r = api(base, "GET", "/api/v1/deliveries/abc", key)
    check(r.status == 404, "%s: a non-numeric delivery id is 404" % name, r)
    r = api(base, "GET", "%s/%d/deliveries" % (EP, eid + 10000000), key)
    check(is_error(r, 404, "not_found"), "%s: deliveries of an unknown endpoint are 404" % name, r)

    # Redeliver: a failed delivery is due again, its history kept.
    r = api(base, "POST", "/api/v1/deliveries/%d/redeliver" % did, key)
    check(r.status == 202 and r.json() == {"id": did, "status": "pending"},
          "%s: redeliver answers 202 pending" % name, r)
    rows = sql("SELECT status, next_attempt_at <= UTC_TIMESTAMP(3), attempts "
               "FROM deliveries WHERE id = ?",
               did)
    check(rows == [["pending", "1", "1"]], "%s: redeliver makes it due now" % name, rows)
    rows = sql("SELECT COUNT(*) FROM attempts WHERE delivery_id = ?", did)
    check(rows == [["2"]], "%s: redeliver keeps the attempt history" % name, rows)
    sql("UPDATE deliveries SET status = 'dropped', attempts = 6 WHERE id = ?", ids[3])
    r = api(base, "POST", "/api/v1/deliveries/%d/redeliver" % ids[3], key)
    check(r.status == 202 and sql("SELECT status FROM deliveries WHERE id = ?", ids[3])
          == [["pending"]], "%s: a dropped delivery can be redelivered" % name, r)
    sql("UPDATE deliveries SET claimed_by = 'dispatcher-1', next_attempt_at = UTC_TIMESTAMP(3) + "
        "INTERVAL 1 MINUTE WHERE id = ?", ids[4])
    r = api(base, "POST", "/api/v1/deliveries/%d/redeliver" % ids[4], key)
    check(is_error(r, 409, "delivery_in_progress"),
          "%s: redelivering one being sent right now is 409" % name, r)
    sql("UPDATE deliveries SET next_attempt_at = UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE "
        "WHERE id = ?", ids[4])
    r = api(base, "POST", "/api/v1/deliveries/%d/redeliver" % ids[4], key)
    check(r.status == 202, "%s: an expired lease may be redelivered" % name, r)
    r = api(base, "POST", "/api/v1/deliveries/%d/redeliver" % (did + 10000000), key)
    check(is_error(r, 404, "not_found"), "%s: redelivering an unknown delivery is 404" % name, r)
    api(base, "DELETE", "%s/%d" % (EP, eid), key)
    r = api(base, "POST", "/api/v1/deliveries/%d/redeliver" % ids[0], key)
    check(is_error(r, 409, "endpoint_deleted"),
          "%s: a delivery of a deleted endpoint cannot be redelivered" % name, r)
    r = api(base, "GET", "/api/v1/deliveries/%d" % ids[0], key)
    check(r.status == 200 and r.json()["status"] == "delivered",
          "%s: its history stays readable" % name, r)


def test_enable_disable(name, base):
    key, eid, ids = endpoint_with_deliveries("pause " + name, base, 3)
    sql("UPDATE deliveries SET claimed_by = 'd1', "
        "next_attempt_at = UTC_TIMESTAMP(3) + INTERVAL 1 MINUTE "
        "WHERE id = ?", ids[0])
    r = api(base, "PATCH", "%s/%d" % (EP, eid), key, {"enabled": False})
    check(r.status == 200 and r.json()["enabled"] is False, "%s: PATCH enabled=false" % name, r)
    rows = sql("SELECT status FROM deliveries WHERE endpoint_id = ? ORDER BY id", eid)
    check(rows == [["pending"], ["paused"], ["paused"]],
          "%s: disabling pauses waiting deliveries, not one being sent" % name, rows)
    r = emit(base, key)
    check(r.status == 202 and r.json()["deliveries"] == 0,
          "%s: a disabled endpoint gets no new deliveries" % name, r)
    sql("UPDATE endpoints SET disabled_reason = 'HTTP 410 Gone' WHERE id = ?", eid)
    r = api(base, "GET", "%s/%d" % (EP, eid), key)
    check(r.json()["disabled_reason"] == "HTTP 410 Gone", "%s: disabled_reason is shown" % name, r)
    sql("UPDATE deliveries SET next_attempt_at = UTC_TIMESTAMP(3) + INTERVAL 1 HOUR "
        "WHERE id = ?", ids[1])
    r = api(base, "PATCH", "%s/%d" % (EP, eid), key, {"enabled": True})
    check(r.status == 200 and r.json()["enabled"] is True and r.json()["disabled_reason"] is None,
          "%s: PATCH enabled=true clears disabled_reason" % name, r)
    rows = sql("SELECT status, next_attempt_at <= UTC_TIMESTAMP(3) FROM deliveries "
               "WHERE endpoint_id = ? "
               "ORDER BY id", eid)
    check(rows[1:] == [["pending", "1"], ["pending", "1"]],
          "%s: enabling resumes paused deliveries, due now" % name, rows)
    r = emit(base, key)
    check(r.json()["deliveries"] == 1, "%s: an enabled endpoint gets deliveries again" % name, r)


def test_test_event(name, base):
    tid, key = new_tenant("test event " + name)
    eid = create_ep(base, key, ["leave.*", "expense.paid", "attendance.clock_in"]).json()["id"]
    other = create_ep(base, key, ["*"]).json()["id"]
    r = api(base, "POST", "%s/%d/test" % (EP, eid), key)
    d = r.json() or {}
    check(r.status == 202 and set(d) == {"event_id", "delivery_id", "event", "test"},
          "%s: test answers 202 with the event and delivery ids" % name, r)
    rows = sql("SELECT endpoint_id, status FROM deliveries WHERE event_id = ?", d.get("event_id"))
    check(rows == [[str(eid), "pending"]] and
          sql("SELECT id FROM deliveries WHERE event_id = ?", d.get("event_id"))[0][0]
          == str(d.get("delivery_id")),
          "%s: a test event goes to that endpoint only" % name, rows)
    ev = sql("SELECT e.event_type, e.data = t.example FROM events e JOIN event_types t "
             "ON t.name = e.event_type WHERE e.id = ?", d.get("event_id"))
    check(ev == [["attendance.clock_in", "1"]],
          "%s: by default the first exact subscription, with the catalog example" % name, ev)
    r = api(base, "POST", "%s/%d/test" % (EP, eid), key, {"event": "po.issued"})
    ev = sql("SELECT event_type FROM events WHERE id = ?", (r.json() or {}).get("event_id", 0))
    check(r.status == 202 and ev == [["po.issued"]],
          "%s: test with a type sends that type even if not subscribed" % name, r)
    r = api(base, "POST", "%s/%d/test" % (EP, other), key)
    ev = sql("SELECT event_type FROM events WHERE id = ?", (r.json() or {}).get("event_id", 0))
    check(r.status == 202 and ev == [["leave.approved"]],
          "%s: with only patterns the test event is leave.approved" % name, r)
    r = api(base, "POST", "%s/%d/test" % (EP, eid), key, {"event": "nope.nope"})
    check(is_error(r, 422, "unknown_event_type") and "nope.nope" in err_msg(r),
          "%s: test with an unknown type is 422" % name, r)
    r = api(base, "POST", "%s/%d/test" % (EP, eid), key, {"event": "po.issued", "x": 1})
    check(is_error(r, 422, "invalid_body"), "%s: test refuses other fields" % name, r)
    api(base, "PATCH", "%s/%d" % (EP, eid), key, {"enabled": False})
    r = api(base, "POST", "%s/%d/test" % (EP, eid), key)
    check(r.status == 202, "%s: a disabled endpoint can still be tested" % name, r)
    r = api(base, "POST", "%s/%d/test" % (EP, eid + 10000000), key)
    check(is_error(r, 404, "not_found"), "%s: testing an unknown endpoint is 404" % name, r)


def test_isolation(name, base):
    ta, ka = new_tenant("iso A " + name)
    tb, kb = new_tenant("iso B " + name)
    ep = create_ep(base, ka, ["leave.*"]).json()
    eid = ep["id"]
    emit(base, ka)
    did = delivery_ids(eid)[0]
    probes = [
        ("GET", "%s/%d" % (EP, eid), None),
        ("PATCH", "%s/%d" % (EP, eid), {"url": "https://evil.example.com/"}),
        ("PATCH", "%s/%d" % (EP, eid), {"enabled": False}),
        ("POST", "%s/%d/rotate-secret" % (EP, eid), None),
        ("POST", "%s/%d/test" % (EP, eid), None),
        ("GET", "%s/%d/deliveries" % (EP, eid), None),
        ("GET", "/api/v1/deliveries/%d" % did, None),
        ("POST", "/api/v1/deliveries/%d/redeliver" % did, None),
        ("DELETE", "%s/%d" % (EP, eid), None),
    ]
    for method, path, body in probes:
        r = api(base, method, path, kb, body)
        check(is_error(r, 404, "not_found"),
              "%s: tenant B gets 404 for %s %s of tenant A" % (name, method,
                                                            re.sub(r"\d+", "{id}", path)), r)
    r = api(base, "GET", EP, kb)
    check(r.status == 200 and r.json()["data"] == [],
          "%s: tenant B's list does not show A's endpoint" % name, r)
    r = api(base, "GET", "%s/%d" % (EP, eid), ka)
    check(r.status == 200 and r.json() == {k: ep[k] for k in ENDPOINT_KEYS},
          "%s: tenant A's endpoint is unchanged" % name, r)
    sealed = sql("SELECT COUNT(*) FROM deliveries WHERE endpoint_id = ?", eid)
    check(sealed == [["1"]], "%s: B's probes created no delivery for A" % name, sealed)


# ------------------------------------------------------------------ log
def test_log(keys):
    logs = ""
    for path in [os.path.join(RUN, "lighttpd-error.log"), os.environ.get("WH_APACHE_LOG", "")]:
        try:
            with open(path, errors="replace") as f:
                logs += f.read()
        except OSError:
            pass
    check("POST /api/v1/events 202" in logs and "tenant=" in logs,
          "one log line per request with method, path, status and tenant", logs[-500:])
    check(not any(k in logs or k[4:] in logs for k in keys),
          "no API key appears in the logs")


# ------------------------------------------------------------------ MariaDB away
def db_up():
    try:
        sql("SELECT 1")
        return True
    except subprocess.CalledProcessError:
        return False


def start_db():
    """Start MariaDB as ./dev does.  ./dev stops the server it started
    itself; this one is stopped by a watcher when ./dev (our parent)
    exits, so it never outlives the test run."""
    proc = subprocess.Popen(whtest.mariadbd_cmd(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    with open(os.path.join(RUN, "db", "mysqld.ppid"), "w") as f:
        f.write("%d\n" % proc.pid)
    subprocess.Popen(["sh", "-c", "while kill -0 %d 2>/dev/null; do sleep 1; done; "
                      "kill %d 2>/dev/null" % (os.getppid(), proc.pid)],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
    return wait_until(db_up, timeout=60, interval=0.2)


def test_db_restart(keys):
    sock = os.environ["WH_DB_SOCKET"]
    try:
        subprocess.run(["mariadb-admin", "--no-defaults", "-uroot", "--socket=" + sock,
                        "shutdown"], capture_output=True, timeout=60)
        check(wait_until(lambda: not db_up(), timeout=30), "MariaDB is stopped")
        for name, base in SERVERS:
            key = keys[name]
            for attempt in range(3):
                r = emit(base, key)
                check(is_error(r, 503, "database_unavailable") and r.header("Retry-After"),
                      "%s: ingest with MariaDB down is 503 with Retry-After (%d)"
                      % (name, attempt + 1), r)
            r = api(base, "GET", EP, key)
            check(r.status == 503 and r.header("Retry-After"),
                  "%s: the API with MariaDB down is 503" % name, r)
            r = http_request(base, "GET", "/healthz")
            check(r.status == 503, "%s: healthz says the database is unreachable" % name, r)
    finally:
        if not db_up():
            check(start_db(), "MariaDB is started again")
    for name, base in SERVERS:
        # Every process still holds a connection from before the
        # restart: its first /healthz must reconnect, not say "down".
        st = [http_request(base, "GET", "/healthz").status for _ in range(8)]
        check(st == [200] * 8, "%s: healthz after the restart is 200 on every process" % name,
              st)
        key = keys[name]
        r = emit(base, key)
        check(r.status == 202, "%s: the first request after the restart succeeds" % name, r)
        r = api(base, "GET", EP, key)
        check(r.status == 200, "%s: and so does the API" % name, r)


# ------------------------------------------------------------------ run
keys = {}
all_keys = []
try:
    for name, base in SERVERS:
        tid, key = test_auth(name, base)
        keys[name] = key
        all_keys.append(key)
        test_event_types(name, base, key)
        test_endpoints(name, base, key, tid)
        itid, ikey = test_ingest(name, base)
        all_keys.append(ikey)
        test_idempotency(name, base)
        test_hostile(name, base, ikey, itid)
        test_deliveries(name, base)
        test_enable_disable(name, base)
        test_test_event(name, base)
        test_isolation(name, base)
    test_private_refused()
    test_no_master_key()
    test_log(all_keys)
    test_db_restart(keys)
finally:
    close_backlog()
done()
