"""Admin pages over HTTP: the endpoint form and its validation, the list,
the endpoint page with its Health dashboard, the actions, hostile input
shown as text, CSRF and tenant isolation; through lighttpd and Apache."""
import re
import urllib.parse

from whtest import (SERVERS, Admin, admin_user, check, ctl, done, http_request, new_tenant, sql)

XSS = '"><script>alert(1)</script>'


def title_of(resp):
    m = re.search(r"<title>(.*?)</title>", resp.body.decode())
    return m.group(1) if m else None


def skip_link_first(resp):
    """The first focusable element is "Skip to content", aimed at <main id=content>."""
    body = resp.body.decode()
    first = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", re.sub(r'<input type="hidden"[^>]*>', "", body))
    return (first is not None and first.group(0) == '<a class="skip" href="#content">'
            and '<main id="content" tabindex="-1">' in body)


def endpoint_id_from(resp):
    m = re.match(r"/admin/webhooks/(\d+)\?done=created", resp.header("Location") or "")
    return int(m.group(1)) if m else None


for name, base in SERVERS:
    tid, key = new_tenant("Pages %s" % name)
    tid_b, key_b = new_tenant("Pages other %s" % name)
    a = Admin(base, *admin_user(tid, "pages-" + name))
    other = Admin(base, *admin_user(tid_b, "other-" + name))

    r = a.get("/admin/webhooks")
    check(r.status == 200 and b"No endpoints yet" in r.body and b'href="/admin/webhooks/new"' in r.body,
          "%s: Admin → Webhooks shows the empty state and a New endpoint button" % name, r)
    r = a.get("/admin/webhooks/new")
    check(r.status == 200 and b'name="url"' in r.body and b'value="leave.approved"' in r.body
          and b'value="leave.*"' in r.body and b'value="*"' in r.body
          and b'name="secret_mode" value="generate" checked' in r.body,
          "%s: the new endpoint form has URL, events by category with all-of-category and all, and secret" % name)
    nb = r.body.decode()
    check(nb.count('<details class="category" data-category=') >= 10 and " open>" not in nb
          and 'action="/admin/webhooks/new"' in nb,
          "%s: the event picker is grouped by category, each closed; the form posts to its own address" % name)
    check(re.search(r'<input type="checkbox" name="events" value="leave\.approved" data-in="leave"> '
                    r'<span><code>leave\.approved</code> <span class="event-desc">[^<]+</span>', nb)
          and 'class="event-filter" hidden' in nb and 'id="events-chosen"' in nb
          and 'target="_blank" rel="noopener">What each event carries' in nb,
          "%s: each event has its description; the filter box waits for JavaScript; the catalog opens in a new tab"
          % name)
    check(nb.index('id="description"') < nb.index('id="events"') < nb.index('id="advanced"')
          < nb.index('id="secret-value"') < nb.index('id="filter-path-1"') < nb.index(">Save</button>"),
          "%s: the form's order: URL, description, events, advanced (secret, format, filters), Save" % name)
    check(b'name="standard_webhooks" value="1" checked' in r.body,
          "%s: a new endpoint gets the Standard Webhooks headers unless unticked" % name)

    # Validation: every wrong field gets its message, every value is kept.
    r = a.post("/admin/webhooks/new", [("url", "ftp://files.example.com/x"), ("secret_mode", "paste"),
                                   ("secret", "short"), ("description", XSS * 40),
                                   ("enabled", "1")])
    body = r.body.decode()
    check(r.status == 422 and 'id="url-error"' in body and 'id="events-error"' in body
          and 'id="secret-error"' in body and 'id="description-error"' in body,
          "%s: a bad form is re-shown with a message at each wrong field" % name, body[:500])
    check('<details class="picker" id="event-picker" open>' in body
          and '<details class="advanced" id="advanced" open>' in body,
          "%s: the picker and the advanced part open by themselves for their messages and values" % name)
    check('value="ftp://files.example.com/x"' in body and 'value="short"' in body
          and 'name="secret_mode" value="paste" checked' in body,
          "%s: the re-shown form keeps every value" % name)
    check("<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body,
          "%s: a hostile description is shown as text in the re-shown form" % name)
    check(int(sql("SELECT COUNT(*) FROM endpoints WHERE tenant_id = ?", tid)[0][0]) == 0,
          "%s: an invalid form stores nothing" % name)
    summary = re.search(r'<div class="error error-summary" id="error-summary" role="alert" tabindex="-1" '
                        r'autofocus>(.*?)</div>', body, re.S)
    links = re.findall(r'<li><a href="#([a-z-]+)">', summary.group(1)) if summary else []
    check(links == ["url", "description", "events", "secret-value"]
          and all(('id="%s"' % x) in body for x in links),
          "%s: the error summary links each message to its field, in the form's order" % name, links)
    check(body.count(" autofocus") == 1 and title_of(r) == "New endpoint · Momentumpro",
          "%s: the error summary takes the focus; the title names the page" % name, title_of(r))
    lp = http_request(base, "GET", "/admin/login")
    tok = re.search(r'name="csrf" value="([^"]*)"', lp.body.decode()).group(1)
    check(skip_link_first(lp) and title_of(lp) == "Sign in · Momentumpro"
          and re.search(r'<input id="email"[^>]* autofocus', lp.body.decode()),
          "%s: the sign-in page: skip link first, email focused" % name)
    wrong = http_request(base, "POST", "/admin/login",
                         urllib.parse.urlencode({"email": "nobody-%s@acme.example" % name,
                                                 "password": "wrong", "csrf": tok}),
                         {"Content-Type": "application/x-www-form-urlencoded"})
    wb = wrong.body.decode()
    check(wrong.status == 401 and re.search(r'<input id="password"[^>]* autofocus', wb)
          and wb.count(" autofocus") == 1 and 'aria-describedby="login-error"' in wb,
          "%s: after a wrong password the password field has the focus" % name, (wrong.status, wb[wb.find("<section"):][:700]))
    for path, want in (("/admin/webhooks", "Webhooks · Momentumpro"),
                       ("/admin/webhooks/new", "New endpoint · Momentumpro"),
                       ("/admin/webhooks/event-catalog", "Event catalog · Momentumpro")):
        r = a.get(path)
        check(r.status == 200 and skip_link_first(r) and title_of(r) == want,
              "%s: %s: skip link first and the title %s" % (name, path, want), title_of(r))
    r = a.post("/admin/webhooks", [("url", "https://hooks.example.com/" + XSS), ("events", "leave.approved")])
    check(r.status == 422 and b"<script>alert(1)" not in r.body and b"&lt;script&gt;" in r.body,
          "%s: a hostile URL is refused and shown escaped" % name, r.body[:300])
    r = a.post("/admin/webhooks", [("url", "https://hooks.example.com/x"), ("events", "leave.nosuch")])
    check(r.status == 422 and b"leave.nosuch" in r.body, "%s: an unknown event type is named" % name)

    # CSRF.
    r = a.post("/admin/webhooks", [("url", "https://hooks.example.com/x"), ("events", "*")], csrf=False)
    check(r.status == 403, "%s: a POST without a CSRF token is refused" % name, r)
    r = a.post("/admin/webhooks", [("url", "https://hooks.example.com/x"), ("events", "*")], csrf="x" * 43)
    check(r.status == 403, "%s: a POST with a wrong CSRF token is refused" % name, r)
    r = a.post("/admin/webhooks", [("url", "https://hooks.example.com/x"), ("events", "*")],
               csrf=other.get("/admin/webhooks") and other.csrf)
    check(r.status == 403, "%s: another session's CSRF token is refused" % name, r)
    check(int(sql("SELECT COUNT(*) FROM endpoints WHERE tenant_id = ?", tid)[0][0]) == 0,
          "%s: refused POSTs change nothing" % name)

    # Create.
    r = a.post("/admin/webhooks/new", [("url", "https://hooks.example.com/momentumpro"),
                                   ("events", "leave.approved"), ("events", "incident.*"),
                                   ("secret_mode", "generate"), ("description", XSS),
                                   ("enabled", "1"), ("standard_webhooks", "1")])
    eid = endpoint_id_from(r)
    check(r.status == 303 and eid, "%s: Save creates the endpoint and shows it" % name, r)
    rows = sql("SELECT url, enabled, standard_webhooks, description, secret_sealed FROM endpoints WHERE id = ?", eid)
    check(rows and rows[0][:4] == ["https://hooks.example.com/momentumpro", "1", "1", XSS]
          and rows[0][4].startswith("v2:"),
          "%s: the endpoint is stored with a sealed secret" % name, rows)
    pats = sorted(x[0] for x in sql("SELECT pattern FROM endpoint_events WHERE endpoint_id = ?", eid))
    check(pats == ["incident.*", "leave.approved"], "%s: the picked events are stored" % name, pats)

    cookies = [v for k, v in r.headers if k.lower() == "set-cookie"]
    token = a.cookie.split("=", 1)[1]
    mark = sql("SELECT secret_once FROM sessions WHERE token_hash = UNHEX(SHA2(?, 256))", token)
    check(cookies == [] and mark == [[str(eid)]],
          "%s: create marks the session (no cookie) to show the secret once" % name, (cookies, mark))
    other_ep = a.get("/admin/webhooks/%d" % (eid + 1000))
    check(b'id="new-secret"' not in other_ep.body and sql(
        "SELECT secret_once FROM sessions WHERE token_hash = UNHEX(SHA2(?, 256))", token) == [[str(eid)]],
          "%s: another endpoint's page shows no secret and leaves the mark" % name)
    shown = a.get("/admin/webhooks/%d?done=created" % eid)
    m = re.search(r'id="new-secret" class="secret" readonly value="(whsec_[A-Za-z0-9+/=]+)"', shown.body.decode())
    check(shown.status == 200 and m and 'data-copy="new-secret"' in shown.body.decode()
          and not [v for k, v in shown.headers if k.lower() == "set-cookie"],
          "%s: the page shows the new secret once, with Copy" % name)
    check(sql("SELECT secret_once FROM sessions WHERE token_hash = UNHEX(SHA2(?, 256))", token) == [["NULL"]],
          "%s: showing the secret clears the session's mark" % name)
    r = a.get("/admin/webhooks/%d?done=created" % eid)
    body = r.body.decode()
    check(r.status == 200 and "Endpoint created" in body and "whsec_••" in body,
          "%s: the endpoint page masks the secret" % name)
    check("<script>alert(1)</script>" not in body and "&quot;&gt;&lt;script&gt;" in body,
          "%s: a hostile description is shown as text on the endpoint page" % name)
    check(title_of(r) == "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Endpoint · Momentumpro"
          and skip_link_first(r),
          "%s: the endpoint page's title names it by its description, escaped" % name, title_of(r))
    for url, want in (("https://hooks.example.com/payroll/in?token=s3cret", "hooks.example.com/payroll/in"),
                      ("https://hooks.example.com/" + "p" * 300, "hooks.example.com/" + "p" * 42 + "…")):
        r2 = a.post("/admin/webhooks", [("url", url), ("events", "leave.approved"), ("enabled", "1")])
        e2 = endpoint_id_from(r2)
        r2 = a.get("/admin/webhooks/%d" % e2) if e2 else r2
        check(title_of(r2) == want + " · Endpoint · Momentumpro",
              "%s: without a description the title is the URL's host and path, cut to 60" % name, title_of(r2))
        if e2:
            a.post("/admin/webhooks/%d/delete" % e2)
    check("Verifying signatures" in body and "hmac.compare_digest" in body and "timingSafeEqual" in body
          and "hash_equals" in body, "%s: signature snippets for Python, Node and PHP" % name)
    r = a.get("/admin/webhooks")
    check(r.status == 200 and b"hooks.example.com/momentumpro" in r.body and b"<script>alert(1)" not in r.body
          and b"none yet" in r.body and b"<code>incident.*</code>" in r.body,
          "%s: the list shows URL, events, enabled and last delivery, escaped" % name)

    # Reveal is a POST.
    r = a.get("/admin/webhooks/%d/reveal-secret" % eid)
    check(r.status == 405 and b"whsec_" not in r.body.replace(b"whsec_\xe2\x80\xa2", b""),
          "%s: revealing the secret needs a POST" % name, r)
    r = a.post("/admin/webhooks/%d/reveal-secret" % eid)
    m = re.search(rb'id="secret-value" class="secret" readonly value="(whsec_[A-Za-z0-9+/=]+)"', r.body)
    check(r.status == 200 and m and b'data-copy="secret-value"' in r.body,
          "%s: Reveal shows the whsec_ secret in a read-only field with Copy" % name, r.body[:200])
    secret1 = m.group(1) if m else b""
    sealed1 = sql("SELECT secret_sealed FROM endpoints WHERE id = ?", eid)[0][0]
    check(secret1 and secret1.decode() not in sealed1, "%s: the sealed value does not contain the secret" % name)
    # Rotate: a confirmation step (a form, no JavaScript needed) with the overlap.
    r = a.get("/admin/webhooks/%d" % eid)
    check(('href="/admin/webhooks/%d/rotate-secret"' % eid).encode() in r.body,
          "%s: the endpoint page's Rotate leads to a confirmation step" % name)
    r = a.get("/admin/webhooks/%d/rotate-secret" % eid)
    check(r.status == 200 and b'name="confirm"' in r.body and b'name="csrf"' in r.body
          and b'<option value="24h" selected>' in r.body and b'<option value="0">' in r.body,
          "%s: Rotate asks to confirm and for the overlap, 24 hours by default" % name, r.body[:300])
    r = a.post("/admin/webhooks/%d/rotate-secret" % eid)
    check(r.status == 200 and b'name="confirm"' in r.body
          and sql("SELECT secret_sealed FROM endpoints WHERE id = ?", eid)[0][0] == sealed1,
          "%s: a POST without the confirmation only asks, it rotates nothing" % name, r)
    r = a.post("/admin/webhooks/%d/rotate-secret" % eid, [("confirm", "1"), ("overlap", "8d")])
    check(r.status == 422 and b'id="overlap-error"' in r.body
          and sql("SELECT secret_sealed FROM endpoints WHERE id = ?", eid)[0][0] == sealed1,
          "%s: an overlap over 7 days is refused with a message" % name, r)
    r = a.post("/admin/webhooks/%d/rotate-secret" % eid, [("confirm", "1"), ("overlap", "1h")])
    m = re.search(rb'<input type="text" id="new-secret" class="secret" readonly value="(whsec_[A-Za-z0-9+/=]+)"',
                  r.body)
    check(r.status == 200 and m and m.group(1) != secret1 and b'data-copy="new-secret" hidden>Copy</button>' in r.body
          and b'<script src="/static/admin.js" defer></script>' in r.body,
          "%s: the new secret is shown once in a read-only field, with a Copy button that needs JS" % name,
          r.body[:300])
    check(b'id="overlap-end"' in r.body and b"keeps signing beside it until" in r.body
          and r.header("Cache-Control") == "no-store",
          "%s: the page says when the overlap ends, and is not cached" % name, r.headers)
    left = sql("SELECT TIMESTAMPDIFF(SECOND, NOW(3), prev_secret_expires_at) FROM endpoints WHERE id = ?", eid)
    check(3590 <= int(left[0][0]) <= 3600, "%s: the picked overlap (1 hour) is stored" % name, left)
    newsecret = m.group(1) if m else b"?"
    r = a.post("/admin/webhooks/%d/reveal-secret" % eid)
    m = re.search(rb'id="secret-value" class="secret" readonly value="(whsec_[A-Za-z0-9+/=]+)"', r.body)
    check(m and m.group(1) == newsecret, "%s: rotation makes a new secret, which Reveal shows" % name)
    r = a.post("/admin/webhooks/%d/rotate-secret" % eid, [("confirm", "1"), ("overlap", "0")])
    check(r.status == 200 and b"no longer signs" in r.body
          and sql("SELECT prev_secret_sealed IS NULL FROM endpoints WHERE id = ?", eid) == [["1"]],
          "%s: overlap None stops the old secret at once" % name, r.body[:200])
    js = http_request(base, "GET", "/static/admin.js")
    check(js.status == 200 and b"data-copy" in js.body, "%s: /static/admin.js is served" % name, js)

    # Deliveries and the Health dashboard.
    for i in range(3):
        ctl("emit", "--tenant", str(tid), "incident.reported", '{"id": %d, "title": "%s"}' % (i, "x"))
    ctl("emit", "--tenant", str(tid), "leave.requested", '{"id": 9}')
    dl = sql("SELECT id FROM deliveries WHERE endpoint_id = ? ORDER BY id", eid)
    check(len(dl) == 3, "%s: events fan out to the endpoint's subscriptions only" % name, dl)
    d1 = int(dl[0][0])
    sql("UPDATE deliveries SET status = 'delivered', attempts = 1, last_status_code = 200, "
        "last_duration_ms = 42 WHERE id = ?", d1)
    sql("UPDATE deliveries SET status = 'failed', attempts = 1, last_status_code = 404 WHERE id = ?", int(dl[1][0]))
    for code, ms in ((200, 42), (404, 17), (500, 300), (200, 30)):
        sql("INSERT INTO attempts (delivery_id, endpoint_id, started_at, duration_ms, status_code) "
            "VALUES (?, ?, NOW(3) - INTERVAL 2 HOUR, ?, ?)", d1, eid, ms, code)
    r = a.get("/admin/webhooks/%d" % eid)
    body = r.body.decode()
    stats = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", body))
    check(stats.get("pending") == "1" and stats.get("delivered") == "1" and stats.get("failed") == "1",
          "%s: Health counts deliveries by status" % name, stats)
    check(stats.get("Success rate (24 h)") == "50%", "%s: Health shows the 24-hour success rate" % name, stats)
    check(stats.get("Latency avg / p95") == "97 / 300 ms", "%s: Health shows latency" % name, stats)
    check(body.count('class="bar-ok"') == 1 and body.count('class="bar-bad"') == 1 and "<svg" in body,
          "%s: the 24-hour chart is inline SVG drawn on the server" % name)
    check(body.count('href="/admin/deliveries/') == 3 and "42 ms" in body and ">404<" in body,
          "%s: recent deliveries list time, event, status, HTTP code, duration" % name)
    r = a.get("/admin/webhooks/%d?status=failed" % eid)
    check(r.body.count(b'href="/admin/deliveries/') == 1 and b"<option selected>failed</option>" in r.body,
          "%s: the status filter narrows the deliveries" % name)
    for i in range(30):
        ctl("emit", "--tenant", str(tid), "incident.closed", '{"id": %d}' % i)
    r = a.get("/admin/webhooks/%d" % eid)
    m = re.search(rb'href="/admin/webhooks/%d\?before=(\d+)#deliveries"' % eid, r.body)
    check(r.body.count(b'href="/admin/deliveries/') == 25 and m, "%s: deliveries are paginated" % name)
    if m:
        r2 = a.get("/admin/webhooks/%d?before=%s" % (eid, m.group(1).decode()))
        check(r2.body.count(b'href="/admin/deliveries/') == 8, "%s: the next page holds the rest" % name)

    # The delivery page: exact body, headers, attempts, Redeliver.
    import html as _html
    occ = sql("SELECT ev.occurred_at FROM deliveries d JOIN events ev ON ev.id = d.event_id WHERE d.id = ?", d1)[0][0]
    sql("UPDATE attempts SET request_headers = ?, response_snippet = ? WHERE delivery_id = ?",
        "Content-Type: application/json\nX-Momentumpro-Delivery: %d" % d1, XSS, d1)
    r = a.get("/admin/deliveries/%d" % d1)
    body = r.body.decode()
    want = '{"event":"incident.reported","occurred_at":"%s","data":{"id": 0, "title": "x"}}' % occ
    check(r.status == 200 and _html.escape(want, quote=True).replace("&#x27;", "&#39;") in body,
          "%s: the delivery page shows the exact body sent" % name, body[:1500])
    check("X-Momentumpro-Delivery: %d" % d1 in body and "POST https://hooks.example.com/v2" not in body
          and "POST https://hooks.example.com/momentumpro" in body,
          "%s: the delivery page shows the request line and headers" % name)
    check(body.count("<h3>Attempt ") == 4 and "HTTP 500" in body and "300 ms" in body,
          "%s: every attempt is listed with status and duration" % name)
    check("<script>alert(1)" not in body and "&lt;script&gt;" in body,
          "%s: a hostile response body is shown as text" % name)
    check(title_of(r) == "Delivery %d · Momentumpro" % d1 and skip_link_first(r),
          "%s: the delivery page's title is its number" % name, title_of(r))
    r = a.post("/admin/deliveries/%d/redeliver" % d1)
    check(r.status == 303 and sql("SELECT status FROM deliveries WHERE id = ?", d1) == [["pending"]]
          and sql("SELECT COUNT(*) FROM attempts WHERE delivery_id = ?", d1) == [["4"]],
          "%s: Redeliver makes the delivery due again and keeps its history" % name, r)
    r = a.get("/admin/deliveries/%d/redeliver" % d1)
    check(r.status == 405, "%s: Redeliver is not possible with GET" % name, r)

    # Test event, disable/enable, tenant isolation, delete.
    before = int(sql("SELECT COUNT(*) FROM deliveries WHERE endpoint_id = ?", eid)[0][0])
    r = a.post("/admin/webhooks/%d/test" % eid)
    after = int(sql("SELECT COUNT(*) FROM deliveries WHERE endpoint_id = ?", eid)[0][0])
    check(r.status == 303 and after == before + 1, "%s: Send test event creates one delivery" % name, r)
    r = a.post("/admin/webhooks/%d/disable" % eid)
    check(r.status == 303 and sql("SELECT enabled FROM endpoints WHERE id = ?", eid) == [["0"]],
          "%s: Disable" % name)
    check(int(sql("SELECT COUNT(*) FROM deliveries WHERE endpoint_id = ? AND status = 'paused'", eid)[0][0]) > 0,
          "%s: disabling pauses waiting deliveries" % name)
    # Disabled by hand is grey and says so; disabled by the dispatcher is red.
    manual = re.compile(r'<span class="status status-disabled">disabled</span>')
    r, lst = a.get("/admin/webhooks/%d" % eid), a.get("/admin/webhooks")
    check(manual.search(r.body.decode()) and "by hand" in r.body.decode() and manual.search(lst.body.decode())
          and b"status-auto-disabled" not in r.body + lst.body,
          "%s: an endpoint disabled by hand has the grey badge on its page and in the list" % name)
    sql("UPDATE endpoints SET disabled_reason = 'HTTP 410 Gone' WHERE id = ?", eid)
    r, lst = a.get("/admin/webhooks/%d" % eid), a.get("/admin/webhooks")
    check(b'<span class="status status-auto-disabled">disabled automatically</span> \xe2\x80\x94 HTTP 410 Gone'
          in r.body and b'class="status status-auto-disabled" title="HTTP 410 Gone">disabled automatically<'
          in lst.body and not manual.search(r.body.decode() + lst.body.decode()),
          "%s: an endpoint disabled automatically has the red badge and its reason" % name)
    r = a.post("/admin/webhooks/%d/enable" % eid)
    check(r.status == 303 and sql("SELECT enabled FROM endpoints WHERE id = ?", eid) == [["1"]]
          and int(sql("SELECT COUNT(*) FROM deliveries WHERE endpoint_id = ? AND status = 'paused'", eid)[0][0]) == 0,
          "%s: Enable resumes them" % name)

    r = a.get("/admin/webhooks/%d/edit" % eid)
    check(r.status == 200 and b'value="https://hooks.example.com/momentumpro"' in r.body
          and b'value="incident.*" data-all-of="incident" checked' in r.body and b"&lt;script&gt;" in r.body,
          "%s: the edit form shows the stored values" % name)
    eb = r.body.decode()
    check(re.search(r'id="events-chosen"[^>]*><strong>2 chosen:</strong> <code>(leave\.approved|incident\.\*)</code>', eb)
          and '<details class="category" data-category="incident" open>' in eb
          and '<details class="category" data-category="leave" open>' in eb
          and '<details class="category" data-category="payroll">' in eb
          and 'action="/admin/webhooks/%d/edit"' % eid in eb,
          "%s: the edit form lists the chosen events at the top and opens their categories" % name,
          eb[eb.find('id="events-chosen"'):][:300])
    r = a.post("/admin/webhooks/%d" % eid, [("url", "https://hooks.example.com/v2"), ("events", "*"),
                                            ("description", "v2"), ("enabled", "1")])
    check(r.status == 303 and sql("SELECT url, description FROM endpoints WHERE id = ?", eid)
          == [["https://hooks.example.com/v2", "v2"]]
          and sql("SELECT pattern FROM endpoint_events WHERE endpoint_id = ?", eid) == [["*"]],
          "%s: editing saves URL, events and description" % name)
    r = a.post("/admin/webhooks/%d/edit" % eid, [("url", "javascript:alert(1)"), ("events", "*")])
    check(r.status == 422 and b'id="url-error"' in r.body
          and ('action="/admin/webhooks/%d/edit"' % eid).encode() in r.body,
          "%s: editing validates too, at the Edit form's own address" % name)
    r = a.post("/admin/webhooks/%d/edit" % eid, [("url", "https://hooks.example.com/v2"), ("events", "*"),
                                                 ("description", "v2"), ("enabled", "1")])
    check(r.status == 303 and r.header("Location") == "/admin/webhooks/%d?done=saved" % eid,
          "%s: the Edit form's own address saves" % name, r)

    for path in ("/admin/webhooks/%d" % eid, "/admin/webhooks/%d/edit" % eid,
                 "/admin/webhooks/%d/delete" % eid, "/admin/deliveries/%d" % d1):
        r = other.get(path)
        check(r.status == 404, "%s: another tenant's admin gets 404 for %s" % (name, path.split("/")[-1]), r)
    for path in ("/admin/webhooks/%d/reveal-secret" % eid, "/admin/webhooks/%d/rotate-secret" % eid,
                 "/admin/webhooks/%d/disable" % eid, "/admin/webhooks/%d/delete" % eid,
                 "/admin/webhooks/%d/test" % eid, "/admin/deliveries/%d/redeliver" % d1):
        r = other.post(path)
        check(r.status == 404 and b"whsec_" not in r.body.replace(b"whsec_\xe2\x80\xa2", b""),
              "%s: another tenant's admin cannot POST %s" % (name, path.split("/")[-1]), r)
    r = other.post("/admin/webhooks/%d" % eid, [("url", "https://evil.example.com/"), ("events", "*")])
    check(r.status == 404, "%s: another tenant's admin cannot edit" % name, r)
    check(sql("SELECT url, enabled FROM endpoints WHERE id = ?", eid) == [["https://hooks.example.com/v2", "1"]],
          "%s: the other tenant changed nothing" % name)
    r = other.get("/admin/webhooks")
    check(b"hooks.example.com" not in r.body, "%s: another tenant's list does not show the endpoint" % name)

    r = a.get("/admin/webhooks/%d/delete" % eid)
    check(r.status == 200 and b"Delete endpoint?" in r.body, "%s: Delete asks for confirmation" % name)
    check(sql("SELECT COUNT(*) FROM endpoints WHERE id = ?", eid) == [["1"]],
          "%s: the confirmation page deletes nothing (no state change on GET)" % name)
    r = a.post("/admin/webhooks/%d/delete" % eid)
    check(r.status == 303 and sql("SELECT COUNT(*) FROM endpoints WHERE id = ?", eid) == [["0"]],
          "%s: confirming deletes the endpoint" % name)
    check(a.get("/admin/webhooks/%d" % eid).status == 404, "%s: a deleted endpoint's page is 404" % name)

done()
