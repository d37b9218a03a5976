"""Admin sign-in: sessions, the cookie, CSRF, throttling and lockout,
logout, and the event catalog page, through lighttpd and Apache."""
import re
import time
import urllib.parse

from whtest import SERVERS, check, ctl, done, http_request, new_tenant, sql

tid, key = new_tenant("Admin auth tenant")
stamp = str(int(time.time() * 1000))
PASSWORD = "correct-horse-battery"


def make_user(tag):
    email = "admin-%s-%s@acme.example" % (tag, stamp)
    rc, out, err = ctl("user", "create", "--tenant", str(tid), "--email", email,
                       input=PASSWORD + "\n")
    assert rc == 0, err
    return email


def form_token(body):
    m = re.search(rb'name="csrf" value="([^"]+)"', body)
    return m.group(1).decode() if m else None


def login(base, email, password, token=None, origin=None):
    page = http_request(base, "GET", "/admin/login")
    if token is None:
        token = form_token(page.body)
    fields = {"email": email, "password": password}
    if token != "":
        fields["csrf"] = token
    hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin:
        hdrs["Origin"] = origin
    return http_request(base, "POST", "/admin/login", urllib.parse.urlencode(fields), hdrs)


def session_cookie(resp):
    for k, v in resp.headers:
        if k.lower() == "set-cookie" and v.startswith("mp_session="):
            return v
    return None


for name, base in SERVERS:
    email = make_user(name)
    r = http_request(base, "GET", "/admin/webhooks/event-catalog")
    check(r.status == 303 and r.header("Location") == "/admin/login",
          "%s: a page without a session redirects to the login page" % name, r)
    r = http_request(base, "GET", "/admin/login")
    check(r.status == 200 and b'<form method="post" action="/admin/login">' in r.body
          and form_token(r.body), "%s: the login page has a form with a CSRF token" % name)
    check(session_cookie(r) is None and r.header("Set-Cookie") is None,
          "%s: the login page sets no cookie" % name)

    r = login(base, email, PASSWORD, token="")
    check(r.status == 403 and session_cookie(r) is None,
          "%s: a login POST without the form token is refused" % name, r)
    r = login(base, email, PASSWORD, token="1700000000.abcdef")
    check(r.status == 403, "%s: a login POST with a forged token is refused" % name, r)
    r = login(base, email, PASSWORD, origin="https://evil.example")
    check(r.status == 403, "%s: a login POST from another origin is refused" % name, r)

    r = login(base, email, "wrong-password")
    check(r.status == 401 and b"Wrong email or password" in r.body and session_cookie(r) is None,
          "%s: a wrong password is refused with a clear message" % name, r)
    check(b'value="%s"' % email.encode() in r.body,
          "%s: the email is kept in the re-shown form" % name)
    r = login(base, "nobody-%s@acme.example" % stamp, "whatever-password")
    check(r.status == 401 and b"Wrong email or password" in r.body,
          "%s: an unknown email gets the same answer" % name)

    r = login(base, email, PASSWORD)
    cookie = session_cookie(r)
    check(r.status == 303 and r.header("Location") == "/admin/webhooks" and cookie,
          "%s: the right password signs in" % name, r)
    attrs = [a.strip().lower() for a in (cookie or "").split(";")]
    check("httponly" in attrs and "samesite=lax" in attrs and "path=/admin" in attrs
          and "secure" not in attrs,
          "%s: the session cookie is HttpOnly, SameSite, scoped to /admin (not Secure on http)" % name,
          cookie)
    check(sum(1 for k, v in r.headers if k.lower() == "set-cookie") == 1,
          "%s: the session cookie is the only cookie" % name)
    sess = (cookie or "").split(";")[0]
    raw = sess.split("=", 1)[1] if "=" in sess else ""
    rows = sql("SELECT COUNT(*) FROM sessions WHERE token_hash = UNHEX(SHA2(?, 256))", raw)
    check(rows == [["1"]], "%s: the session is stored in MariaDB as a hash" % name, rows)
    rows = sql("SELECT COUNT(*) FROM sessions WHERE csrf_token = ? OR HEX(token_hash) = ?", raw, raw)
    check(rows == [["0"]], "%s: the raw session token is not stored" % name)

    r = http_request(base, "GET", "/admin/webhooks/event-catalog", headers={"Cookie": sess})
    check(r.status == 200 and b'id="leave.approved"' in r.body and b'href="#leave.approved"' in r.body
          and b"&quot;approved_by&quot;" in r.body,
          "%s: the event catalog lists each type with an anchor and its example" % name)
    n = int(sql("SELECT COUNT(*) FROM event_types")[0][0])
    check(r.body.count(b'<article class="event-type"') == n,
          "%s: the catalog page shows all %d types" % (name, n))
    check(b'<link rel="stylesheet" href="/static/style.css">' in r.body,
          "%s: pages use the one stylesheet" % name)
    css = http_request(base, "GET", "/static/style.css")
    check(css.status == 200 and b"--accent" in css.body, "%s: the stylesheet is served by the web server" % name)
    check(r.header("X-Frame-Options") == "DENY" and "frame-ancestors 'none'" in (r.header("Content-Security-Policy") or ""),
          "%s: admin pages cannot be framed" % name)

    token = form_token(r.body)
    r = http_request(base, "POST", "/admin/logout", "csrf=wrong",
                     {"Cookie": sess, "Content-Type": "application/x-www-form-urlencoded"})
    check(r.status == 403, "%s: logout with a wrong CSRF token is refused" % name, r)
    r = http_request(base, "POST", "/admin/logout", "",
                     {"Cookie": sess, "Content-Type": "application/x-www-form-urlencoded"})
    check(r.status == 403, "%s: logout without a CSRF token is refused" % name, r)
    r = http_request(base, "GET", "/admin/webhooks/event-catalog", headers={"Cookie": sess})
    check(r.status == 200, "%s: the session survives refused POSTs" % name)
    r = http_request(base, "GET", "/admin/logout", headers={"Cookie": sess})
    check(r.status == 405, "%s: logout is not possible with GET" % name, r)
    r = http_request(base, "POST", "/admin/logout", "csrf=" + urllib.parse.quote(token),
                     {"Cookie": sess, "Content-Type": "application/x-www-form-urlencoded"})
    check(r.status == 303 and r.header("Location") == "/admin/login",
          "%s: logout with the token signs out" % name, r)
    rows = sql("SELECT COUNT(*) FROM sessions WHERE token_hash = UNHEX(SHA2(?, 256))", raw)
    check(rows == [["0"]], "%s: logout deletes the session server-side" % name)
    r = http_request(base, "GET", "/admin/webhooks/event-catalog", headers={"Cookie": sess})
    check(r.status == 303, "%s: the old cookie no longer works after logout" % name)
    r = http_request(base, "GET", "/admin/webhooks/event-catalog",
                     headers={"Cookie": "mp_session=forged-token-value"})
    check(r.status == 303, "%s: a forged session cookie is refused" % name)

    # Throttling and lockout (login_max_failures = 5 by default).
    email2 = make_user(name + "-lock")
    t0 = time.time()
    for i in range(5):
        r = login(base, email2, "wrong-%d" % i)
    slowed = time.time() - t0
    check(r.status == 401, "%s: five wrong passwords are each refused" % name, r)
    r = login(base, email2, PASSWORD)
    check(r.status == 429 and b"locked" in r.body and session_cookie(r) is None,
          "%s: after five wrong passwords even the right one is refused (locked)" % name, r)
    rows = sql("SELECT failures, locked_until > NOW(3) FROM login_throttle WHERE email = ?", email2)
    check(rows == [["5", "1"]], "%s: the lockout is recorded" % name, rows)
    sql("UPDATE login_throttle SET locked_until = NOW(3) - INTERVAL 1 SECOND WHERE email = ?", email2)
    r = login(base, email2, PASSWORD)
    check(r.status == 303 and session_cookie(r), "%s: after the lockout the right password works" % name, r)

r = http_request(SERVERS[0][1], "GET", "/admin/nosuch")
check(r.status in (303, 404), "an unknown admin page does not crash", r)
r = http_request(SERVERS[0][1], "GET", "/admin")
check(r.status == 303 and r.header("Location") == "/admin/webhooks", "/admin leads to Admin → Webhooks")
done()
