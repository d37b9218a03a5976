"""Sign-in links for embedding (POST /api/v1/admin-links): a link signs
its user in once, to its own tenant only, until it expires; it leads only
to our own admin pages; using it takes a POST, so a prefetcher's GET does
not use it up.  Through lighttpd and Apache."""
import datetime
import hashlib
import re
import threading
import time
import urllib.parse

from whtest import (SERVERS, Admin, Lighttpd, admin_user, api, check, done, http_request, new_tenant, sql,
                    write_config)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
stamp = int(time.time() * 1000)
tid_a, key_a = new_tenant("Links tenant A")
tid_b, key_b = new_tenant("Links tenant B")


def token_of(url):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["token"][0]


def use(base, token, origin=None):
    hdrs = dict(FORM)
    if origin:
        hdrs["Origin"] = origin
    return http_request(base, "POST", "/admin/link", urllib.parse.urlencode({"token": token}), hdrs)


def cookie_of(r):
    for k, v in r.headers:
        if k.lower() == "set-cookie" and v.startswith("mp_session="):
            return v.split(";")[0]
    return None


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


# An endpoint of each tenant, to tell whose admin a session sees.
marks = {}
for tid, key in ((tid_a, key_a), (tid_b, key_b)):
    marks[tid] = "links-mark-%d-%d" % (tid, stamp)
    r = api(SERVERS[0][1], "POST", "/api/v1/endpoints", key,
            {"url": "http://127.0.0.1:9/hook", "events": ["leave.approved"], "description": marks[tid]})
    assert r.status == 201, r
    marks[tid] = (marks[tid], r.json()["id"])

for name, base in SERVERS:
    email = "embedded-%s-%d@acme.example" % (name, stamp)
    r = api(base, "POST", "/api/v1/admin-links", None, {"email": email})
    check(r.status == 401, "%s: a sign-in link needs an API key (401)" % name, r)

    t0 = time.time()
    r = api(base, "POST", "/api/v1/admin-links", key_a, {"email": email})
    d = r.json() or {}
    check(r.status == 201 and set(d) == {"url", "expires_at"},
          "%s: POST /api/v1/admin-links answers 201 {url, expires_at}" % name, r)
    url = d.get("url", "")
    check(url.startswith(base + "/admin/link?token="),
          "%s: without [notify] admin_url the link is built from the request's Host" % name, url)
    left = (parse_time(d["expires_at"]) - datetime.datetime.now(datetime.timezone.utc)).total_seconds() \
        if "expires_at" in d else 0
    check(280 <= left <= 305, "%s: a link is valid for 5 minutes by default" % name, d)
    token = token_of(url) if url else ""
    check(len(token) == 43, "%s: the token is 32 random bytes (43 base64url characters)" % name, token)
    rows = sql("SELECT HEX(token_hash) = UPPER(SHA2(?, 256)), tenant_id, redirect FROM admin_links "
               "WHERE token_hash = UNHEX(SHA2(?, 256))", token, token)
    check(rows == [["1", str(tid_a), "/admin/webhooks"]],
          "%s: only the token's SHA-256 is stored, with its tenant and the default redirect" % name, rows)
    rows = sql("SELECT tenant_id, password_hash FROM users WHERE email = ?", email)
    check(rows == [[str(tid_a), "!"]], "%s: an unknown email becomes a user of the tenant, without a password" % name,
          rows)

    # GET only shows the button: a prefetcher or a link preview uses nothing.
    for i in range(2):
        g = http_request(base, "GET", "/admin/link?token=" + token)
        check(g.status == 200 and b"Continue to Admin" in g.body and b'method="post"' in g.body
              and cookie_of(g) is None,
              "%s: GET of the link (%d) shows a Continue button and signs nobody in" % (name, i + 1), g)
    check(g.header("Referrer-Policy") == "strict-origin",
          "%s: the link page's Referer carries its origin alone, not the token" % name, g.headers)

    r = use(base, token, origin="http://evil.example")
    check(r.status == 403 and cookie_of(r) is None,
          "%s: a POST of the link from another site is refused (403)" % name, r)

    # As a browser sends it: Origin is this very site.
    r = use(base, token, origin=base)
    cookie = cookie_of(r)
    check(r.status == 303 and r.header("Location") == "/admin/webhooks" and cookie is not None,
          "%s: Continue signs in (session cookie) and goes to Admin -> Webhooks" % name, r)
    page = http_request(base, "GET", "/admin/webhooks", headers={"Cookie": cookie or ""})
    check(page.status == 200 and marks[tid_a][0].encode() in page.body and marks[tid_b][0].encode() not in page.body,
          "%s: the session is in the link's tenant and sees its endpoints only" % name, page)
    rows = sql("SELECT s.tenant_id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?", email)
    check(rows == [[str(tid_a)]], "%s: one session, of the link's tenant" % name, rows)

    r = use(base, token)
    check(r.status == 410 and b"has been used" in r.body and cookie_of(r) is None,
          "%s: the link works once: used again it is 410 and says so" % name, r)
    g = http_request(base, "GET", "/admin/link?token=" + token)
    check(g.status == 410 and b"has been used" in g.body, "%s: GET of a used link is 410 too" % name, g)
    for bad in ("A" * 43, "short", token[:-1] + ("A" if token[-1] != "A" else "B"), ""):
        g = http_request(base, "GET", "/admin/link?token=" + urllib.parse.quote(bad))
        p = use(base, bad)
        check(g.status == 404 and p.status == 404 and b"not valid" in g.body,
              "%s: an unknown link (%r) is 404 with a page that says so" % (name, bad[:8]), (g, p))

    # A user of another tenant: refused, never switched.
    other, pw = admin_user(tid_b, "links-other-" + name)
    r = api(base, "POST", "/api/v1/admin-links", key_a, {"email": other})
    check(r.status == 409 and (r.json() or {}).get("error", {}).get("code") == "user_of_another_tenant",
          "%s: a link for a user of another tenant is refused (409 user_of_another_tenant)" % name, r)
    rows = sql("SELECT u.tenant_id, (SELECT COUNT(*) FROM admin_links l WHERE l.user_id = u.id) "
               "FROM users u WHERE u.email = ?", other)
    check(rows == [[str(tid_b), "0"]], "%s: that user stays in its tenant and gets no link" % name, rows)
    r = api(base, "POST", "/api/v1/admin-links", key_b, {"email": other.upper(),
                                                          "redirect": "/admin/webhooks/%d" % marks[tid_b][1]})
    check(r.status == 201, "%s: its own tenant's key makes it a link (email in any case)" % name, r)
    r = use(base, token_of(r.json()["url"])) if r.status == 201 else r
    check(r.status == 303 and r.header("Location") == "/admin/webhooks/%d" % marks[tid_b][1],
          "%s: the link goes to the redirect it was made with" % name, r)
    try:
        Admin(base, other, pw)
        ok = True
    except RuntimeError:
        ok = False
    check(ok, "%s: the user's password still works beside links" % name)
    try:
        Admin(base, email, "!")
        ok = False
    except RuntimeError:
        ok = True
    check(ok, "%s: a user made by a link cannot sign in with a password" % name)

    # Only our own admin pages.
    hostile = ["//evil.example/admin", "/\\evil.example", "https://evil.example/admin/webhooks",
               "/admin/../api/v1/endpoints", "/admin/%2e%2e/x", "/admin//evil.example", "/api/v1/endpoints",
               "/administrator", "admin/webhooks", "/admin/webhooks\r\nSet-Cookie: x=1", "/admin/\x00",
               "/admin/webhooks#frag", "javascript:alert(1)", "/admin/" + "a" * 600, "", 5, ["/admin"]]
    for h in hostile:
        r = api(base, "POST", "/api/v1/admin-links", key_a, {"email": email, "redirect": h})
        check(r.status == 422 and (r.json() or {}).get("error", {}).get("code") == "invalid_redirect",
              "%s: redirect %r is refused (422 invalid_redirect)" % (name, str(h)[:30]), r)
    for body, code in (({}, "invalid_email"), ({"email": "not-an-address"}, "invalid_email"),
                       ({"email": 5}, "invalid_email"), ({"email": email, "role": "owner"}, "unknown_field"),
                       ({"email": email, "email ": email}, "unknown_field"), ([email], "invalid_body")):
        r = api(base, "POST", "/api/v1/admin-links", key_a, body)
        check(r.status == 422 and (r.json() or {}).get("error", {}).get("code") == code,
              "%s: body %s is refused (422 %s)" % (name, str(body)[:40], code), r)
    r = api(base, "POST", "/api/v1/admin-links", key_a, "{", {"Content-Type": "application/json"})
    check(r.status == 400, "%s: a body that is not JSON is 400" % name, r)
    r = api(base, "POST", "/api/v1/admin-links", key_a, "email=x", {"Content-Type": "text/plain"})
    check(r.status == 415, "%s: a body that is not sent as JSON is 415" % name, r)

    # Two clicks at once: one signs in.
    r = api(base, "POST", "/api/v1/admin-links", key_a, {"email": email})
    tok2 = token_of(r.json()["url"])
    results = []
    ths = [threading.Thread(target=lambda: results.append(use(base, tok2).status)) for _ in range(4)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    check(sorted(results) == [303, 410, 410, 410], "%s: of 4 concurrent uses of a link exactly one signs in" % name,
          results)

# Lifetime and base URL come from the configuration.
lt = Lighttpd(write_config("[security]\nadmin_link_lifetime = 1s\n[notify]\nadmin_url = https://hooks.example.com/\n"))
try:
    email = "expiring-%d@acme.example" % stamp
    r = api(lt.url, "POST", "/api/v1/admin-links", key_a, {"email": email})
    url = (r.json() or {}).get("url", "")
    check(r.status == 201 and url.startswith("https://hooks.example.com/admin/link?token="),
          "[notify] admin_url is the base of the link (trailing slash dropped)", r)
    left = (parse_time(r.json()["expires_at"]) - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    check(-1 < left <= 1.5, "[security] admin_link_lifetime sets the validity (1s)", r.json())
    time.sleep(1.6)
    tok = token_of(url)
    g = http_request(lt.url, "GET", "/admin/link?token=" + tok)
    p = use(lt.url, tok)
    check(g.status == 410 and p.status == 410 and b"has expired" in g.body and b"has expired" in p.body
          and cookie_of(p) is None, "an expired link is 410, says it expired, and signs nobody in", (g, p))
    rows = sql("SELECT used_at IS NULL FROM admin_links WHERE token_hash = UNHEX(SHA2(?, 256))", tok)
    check(rows == [["1"]], "an expired link is not marked used", rows)
finally:
    lt.stop()

done()
