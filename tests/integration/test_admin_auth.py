"""Admin sign-in: sessions, the cookie, CSRF, throttling and lockout,
logout, and the event catalog page, through lighttpd and Apache."""
import os
import re
import threading
import time
import urllib.parse

from whtest import (CONFIG as CONFIG_PATH, RUN, SERVERS, Lighttpd, check, ctl, done, http_request, new_tenant, sql,
                    write_config)

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


def login(base, email, password, token=None, origin=None, source=None):
    if token is None:
        token = form_token(http_request(base, "GET", "/admin/login").body)
    fields = {"email": email, "password": password}
    if token != "":
        fields["csrf"] = token
    hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin:
        hdrs["Origin"] = origin
    return http_request(base, "POST", "/admin/login", urllib.parse.urlencode(fields), hdrs,
                        source=source)


def apache_log():
    try:
        with open(os.path.join(RUN, "apache.pub")) as f:
            return os.path.join(f.read().strip(), "log", "error.log")
    except OSError:
        return None


# Where each server's webhooks.fcgi writes its log.
LOGS = {"lighttpd": os.path.join(RUN, "lighttpd-error.log"), "apache": apache_log()}


def count_lines(path, needle):
    try:
        with open(path, "rb") as f:
            return sum(1 for line in f if needle in line)
    except OSError:
        return -1


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

    # Throttling and lockout (login_max_failures = 5 by default), per
    # (email, client address).
    email2 = make_user(name + "-lock")
    for i in range(5):
        r = login(base, email2, "wrong-%d" % i)
    check(r.status == 401, "%s: five wrong passwords are each refused" % name, r)
    r = login(base, email2, PASSWORD)
    check(r.status == 429 and b"locked" in r.body and session_cookie(r) is None
          and 800 <= int(r.header("Retry-After") or 0) <= 900,
          "%s: after five wrong passwords even the right one is refused (locked)" % name, r)
    rows = sql("SELECT failures, reset_at > NOW(3) FROM login_attempts WHERE email = ? AND addr = '127.0.0.1'",
               email2)
    check(rows == [["5", "1"]], "%s: the lockout is recorded for the email and address" % name, rows)
    r = login(base, email2, PASSWORD, source="127.0.0.2")
    check(r.status == 303 and session_cookie(r),
          "%s: a locked email still signs in from an address that has not failed" % name, r)
    r = login(base, email2, PASSWORD)
    check(r.status == 429, "%s: ... while the failing address stays locked for it" % name, r)
    sql("UPDATE login_attempts SET reset_at = NOW(3) - INTERVAL 1 SECOND WHERE email = ?", email2)
    r = login(base, email2, PASSWORD)
    check(r.status == 303 and session_cookie(r), "%s: after the lockout the right password works" % name, r)
    rows = sql("SELECT COUNT(*) FROM login_attempts WHERE email = ?", email2)
    check(rows == [["0"]], "%s: signing in clears the count and purges counts whose window is over" % name, rows)

    # 20 wrong passwords at once for one email: the attempt is claimed
    # before the password is checked, so at most login_max_failures are
    # checked.  A 401 is only ever sent after a check (the rest get 429
    # before any), and each check writes one log line.
    email3 = make_user(name + "-race")
    src = "127.0.0.%d" % (11 + SERVERS.index((name, base)))
    toks = [form_token(http_request(base, "GET", "/admin/login").body) for _ in range(20)]
    results = [None] * 20

    def guess(i):
        try:
            results[i] = login(base, email3, "wrong-%d" % i, token=toks[i], source=src).status
        except Exception as e:  # noqa: BLE001 (reported below)
            results[i] = repr(e)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked = results.count(401)
    check(checked == 5 and results.count(429) == 15,
          "%s: of 20 concurrent wrong passwords exactly login_max_failures (5) are checked, 15 refused as locked"
          % name, results)
    rows = sql("SELECT failures FROM login_attempts WHERE email = ? AND addr = ?", email3, src)
    check(rows == [["5"]], "%s: the throttle counted exactly the 5 checked attempts" % name, rows)
    logf = LOGS.get(name)
    if logf:
        n = count_lines(logf, ("wrong password for %s from %s" % (email3, src)).encode())
        check(n == checked, "%s: the log shows one password check per 401 (%d)" % (name, n), n)

# Session lifetime and idle timeout, and sign out everywhere.
base = SERVERS[0][1]
email4 = make_user("idle")
c1 = session_cookie(login(base, email4, PASSWORD)).split(";")[0]
c2 = session_cookie(login(base, email4, PASSWORD)).split(";")[0]
raw1 = c1.split("=", 1)[1]
sql("UPDATE sessions SET last_seen_at = NOW(3) - INTERVAL 50 MINUTE WHERE token_hash = UNHEX(SHA2(?, 256))", raw1)
r = http_request(base, "GET", "/admin/webhooks", headers={"Cookie": c1})
check(r.status == 200, "a session used 50 minutes ago still works (session_idle = 1h)", r)
rows = sql("SELECT last_seen_at > NOW(3) - INTERVAL 1 MINUTE FROM sessions WHERE token_hash = UNHEX(SHA2(?, 256))", raw1)
check(rows == [["1"]], "using a session marks it as seen", rows)
sql("UPDATE sessions SET last_seen_at = NOW(3) - INTERVAL 61 MINUTE WHERE token_hash = UNHEX(SHA2(?, 256))", raw1)
r = http_request(base, "GET", "/admin/webhooks", headers={"Cookie": c1})
check(r.status == 303 and r.header("Location") == "/admin/login",
      "a session unused for more than session_idle (1h) has ended", r)
r = http_request(base, "GET", "/admin/webhooks", headers={"Cookie": c2})
check(r.status == 200 and b'action="/admin/logout-everywhere"' in r.body and b"Sign out everywhere" in r.body,
      "every admin page has a Sign out everywhere button", r)
tok = form_token(r.body)
r = http_request(base, "POST", "/admin/logout-everywhere", "",
                 {"Cookie": c2, "Content-Type": "application/x-www-form-urlencoded"})
check(r.status == 403, "sign out everywhere without the CSRF token is refused", r)
c3 = session_cookie(login(base, email4, PASSWORD)).split(";")[0]
uid = sql("SELECT id FROM users WHERE email = ?", email4)[0][0]
rows = sql("SELECT COUNT(*) FROM sessions WHERE user_id = ?", uid)
r = http_request(base, "POST", "/admin/logout-everywhere", "csrf=" + urllib.parse.quote(tok),
                 {"Cookie": c2, "Content-Type": "application/x-www-form-urlencoded"})
check(r.status == 303 and r.header("Location", ) == "/admin/login?done=signed-out-everywhere"
      and rows != [["0"]], "sign out everywhere with the token signs out", r)
rows = sql("SELECT COUNT(*) FROM sessions WHERE user_id = ?", uid)
check(rows == [["0"]], "sign out everywhere ends every session of the user", rows)
r = http_request(base, "GET", "/admin/webhooks", headers={"Cookie": c3})
check(r.status == 303, "a session in another browser no longer works after sign out everywhere", r)
r = http_request(base, "GET", "/admin/login?done=signed-out-everywhere")
check(b"signed out on every device" in r.body, "the login page says so")

# Cookies: Secure, with the __Host- prefix, when secure_cookies = always
# (behind a TLS-terminating proxy the FastCGI HTTPS parameter is unset).
email5 = make_user("cookie")
srv = Lighttpd(write_config("[security]\nsecure_cookies = always\n"
                            "login_max_failures_per_address = 3\n"))
try:
    # From an address of its own: this server allows 3 failures per
    # address, and 127.0.0.1 has had more in this test.
    r = login(srv.url, email5, PASSWORD, source="127.0.0.23")
    cookie = None
    for k, v in r.headers:
        if k.lower() == "set-cookie":
            cookie = v
    attrs = [a.strip().lower() for a in (cookie or "").split(";")]
    check(r.status == 303 and cookie and cookie.startswith("__Host-mp_session=") and "secure" in attrs
          and "path=/" in attrs and "httponly" in attrs and "samesite=lax" in attrs
          and not any(a.startswith("domain") for a in attrs),
          "secure_cookies = always: the cookie is __Host-mp_session, Secure, HttpOnly, SameSite=Lax, Path=/",
          r.headers)
    sess = (cookie or "").split(";")[0]
    r = http_request(srv.url, "GET", "/admin/webhooks", headers={"Cookie": sess})
    check(r.status == 200, "secure_cookies = always: the __Host- cookie is the session", r)
    r = http_request(srv.url, "GET", "/admin/webhooks",
                     headers={"Cookie": "mp_session=" + sess.split("=", 1)[1]})
    check(r.status == 303, "secure_cookies = always: the plain-http cookie name is not accepted", r)

    # Per address: login_max_failures_per_address = 3 here.  Spraying
    # one password over many emails from one address stops there, and
    # even the right password waits at that address, not at another.
    src = "127.0.0.21"
    res = [login(srv.url, "spray-%d-%s@acme.example" % (i, stamp), "Winter2026!", source=src).status
           for i in range(4)]
    check(res == [401, 401, 401, 429], "a 4th wrong password from one address, for any email, is refused", res)
    r = login(srv.url, email5, PASSWORD, source=src)
    check(r.status == 429 and b"from your network" in r.body,
          "a locked address cannot sign in, even with the right password", r)
    r = login(srv.url, email5, PASSWORD, source="127.0.0.22")
    check(r.status == 303, "another address signs in with the same account", r)
finally:
    srv.stop()
srv = Lighttpd(write_config("[security]\nsecure_cookies = never\n"))
try:
    r = login(srv.url, email5, PASSWORD)
    check(r.status == 303 and session_cookie(r) and "secure" not in session_cookie(r).lower(),
          "secure_cookies = never: a plain mp_session cookie", r)
finally:
    srv.stop()
r = login(SERVERS[0][1], email5, PASSWORD)
check(session_cookie(r) and "secure" not in session_cookie(r).lower(),
      "secure_cookies = auto over plain http: not Secure", r)
# A web server that says HTTPS (the FastCGI HTTPS parameter, set here by
# mod_setenv as lighttpd's TLS socket would) gets the Secure cookie.
srv = Lighttpd(CONFIG_PATH, extra='server.modules += ( "mod_setenv" )\n'
               'setenv.add-environment = ( "HTTPS" => "on" )')
try:
    r = login(srv.url, email5, PASSWORD)
    cookie = [v for k, v in r.headers if k.lower() == "set-cookie"]
    check(r.status == 303 and len(cookie) == 1 and cookie[0].startswith("__Host-mp_session=")
          and "; Secure" in cookie[0] and "; Path=/;" in cookie[0],
          "secure_cookies = auto over HTTPS: __Host-mp_session, Secure", (r, cookie))
finally:
    srv.stop()

# Throttle rows do not stay forever: counts whose window is over go.
for i in range(3):
    login(base, "gone-%d-%s@acme.example" % (i, stamp), "whatever-password", source="127.0.0.31")
n = int(sql("SELECT COUNT(*) FROM login_attempts WHERE addr = '127.0.0.31'")[0][0])
sql("UPDATE login_attempts SET reset_at = NOW(3) - INTERVAL 1 SECOND WHERE addr = '127.0.0.31'")
login(base, email5, PASSWORD, source="127.0.0.32")
rows = sql("SELECT COUNT(*) FROM login_attempts WHERE addr = '127.0.0.31'")
check(n == 4 and rows == [["0"]], "counts whose window is over are purged (%d rows before)" % n, rows)

r = http_request(SERVERS[0][1], "GET", "/admin/nosuch")
check(r.status in (303, 404), "an unknown admin page does not crash", r)
r = http_request(SERVERS[0][1], "GET", "/admin")
check(r.status == 303 and r.header("Location") == "/admin/webhooks", "/admin leads to Admin → Webhooks")
done()
