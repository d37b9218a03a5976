"""Secrets (issue 15), end to end through lighttpd, the dispatcher and a
receiver on loopback:

- a new endpoint gets Standard Webhooks headers, whose signature covers the
  timestamp: a delivery verifies with npm's standardwebhooks and svix and
  with the endpoint page's Python and Node.js snippets, and a replay of it
  with a new timestamp fails them all;
- rotation with an overlap: deliveries verify with the old and the new
  secret (Standard Webhooks libraries, snippets, and the documented
  X-Momentumpro-Signature / -Previous path), after it only with the new;
- a sealed secret copied into another tenant's row does not open;
- webhooksctl status warns about a master key others can read."""
import base64
import hashlib
import hmac
import html
import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse

from whtest import (CONFIG, LIGHTTPD, RUN, TOP, Admin, Dispatcher, Receiver, admin_user, api, check,
                    ctl, done, free_port, http_request, new_tenant, sql, wait_until, write_config)

EP = "/api/v1/endpoints"
VERIFIER = os.path.join(TOP, "tests", "browser", "verify_webhooks.mjs")


def seed_verify(body, header_sig, secret):
    """The help page's sample verify(), as published."""
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header_sig)


def seed_verify_rotating(body, headers, secret):
    """The documented path for the seed's header during a rotation: accept
    when X-Momentumpro-Signature or X-Momentumpro-Signature-Previous matches."""
    return any(seed_verify(body, headers.get(h, ""), secret)
               for h in ("x-momentumpro-signature", "x-momentumpro-signature-previous"))


tid, key = new_tenant("secrets")
tid_b, key_b = new_tenant("secrets B")
recv = Receiver()
disp = Dispatcher()
admin = Admin(LIGHTTPD, *admin_user(tid, "secrets"))


def create(tenant_key=key, **extra):
    body = {"url": recv.url + "/hook", "events": ["leave.approved"]}
    body.update(extra)
    r = api(LIGHTTPD, "POST", EP, tenant_key, body)
    if r.status != 201:
        raise RuntimeError("create failed: %r" % r)
    return r.json()


def deliver(eid, tenant_key=key):
    """A test delivery to eid; returns the request the receiver got."""
    n = recv.count()
    r = api(LIGHTTPD, "POST", "%s/%d/test" % (EP, eid), tenant_key, b"")
    if r.status != 202 or not recv.wait_for(n + 1, 30):
        raise RuntimeError("no delivery: %r" % r)
    with recv.lock:
        return recv.requests[n]


def node_verify(snippet, cases):
    p = subprocess.run(["node", VERIFIER], input=json.dumps({"snippet": snippet, "cases": cases}),
                       capture_output=True, text=True, timeout=60)
    try:
        return {c["name"]: c for c in json.loads(p.stdout)}
    except ValueError:
        raise RuntimeError("verifier failed: %s %s" % (p.stdout, p.stderr))


class PhpReceiver:
    """The page's PHP snippet as a receiver would deploy it, under PHP's
    built-in web server; $secret comes from the query string."""

    def __init__(self, snippet):
        self.dir = os.path.join(RUN, "php-%d" % os.getpid())
        os.makedirs(self.dir, exist_ok=True)
        with open(os.path.join(self.dir, "verify.php"), "w") as f:
            f.write("<?php $secret = $_GET['secret']; ?>\n" + snippet + "echo 'verified';\n")
        self.port = free_port()
        self.proc = subprocess.Popen(["php", "-S", "127.0.0.1:%d" % self.port, "-t", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = "http://127.0.0.1:%d" % self.port
        wait_until(lambda: self._up(), timeout=15)

    def _up(self):
        try:
            http_request(self.url, "GET", "/", timeout=2)
            return True
        except OSError:
            return False

    def verify(self, req, secret, **override):
        headers = dict(req["headers"])
        headers.update(override)
        headers = {k: v for k, v in headers.items() if k in ("webhook-id", "webhook-timestamp",
                                                               "webhook-signature", "content-type")}
        r = http_request(self.url, "POST", "/verify.php?" + urllib.parse.urlencode({"secret": secret}),
                         req["body"], headers)
        return r.status == 200 and r.body.endswith(b"verified")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def case(name, req, secret, **override):
    headers = dict(req["headers"])
    headers.update(override)
    return {"name": name, "secret": secret, "body": base64.b64encode(req["body"]).decode(),
            "headers": headers}


# ---------------------------------------------------------------- defaults
ep = create()
eid, secret = ep["id"], ep["secret"]
check(ep["standard_webhooks"] is True and secret.startswith("whsec_"),
      "a new endpoint has Standard Webhooks on and a generated whsec_ secret", ep)
page = admin.get("/admin/webhooks/%d" % eid).body.decode()
snippets = {}
for lang in ("python", "node", "php"):
    m = re.search(r'<code id="snippet-%s">(.*?)</code>' % lang, page, re.S)
    snippets[lang] = html.unescape(m.group(1)) if m else ""
check(all(snippets.values()) and 'id="standard-off"' not in page,
      "the endpoint page shows the Python, Node.js and PHP verifiers", page[-3000:])
check("HTTP_WEBHOOK_TIMESTAMP" in snippets["php"] and "hash_equals" in snippets["php"]
      and "HTTP_WEBHOOK_SIGNATURE" in snippets["php"] and "300" in snippets["php"],
      "the PHP snippet checks the signature over the timestamp and its age", snippets["php"])
ns = {}
exec(snippets["python"], ns)
py_verify = ns.get("verify")
php = PhpReceiver(snippets["php"]) if shutil.which("php") else None


def php_check(cond, name, detail=None):
    if php is None:
        print("ok - %s # SKIP php not installed (.ci/run installs php-cli)" % name)
        return
    check(cond(), name, detail)

req = deliver(eid)
h = req["headers"]
check(h.get("webhook-id") == h.get("x-momentumpro-delivery") and h.get("webhook-timestamp")
      and h.get("webhook-signature", "").startswith("v1,") and " " not in h.get("webhook-signature", "")
      and "x-momentumpro-signature-previous" not in h,
      "a delivery to a new endpoint carries the Standard Webhooks headers, one signature", h)
check(seed_verify(req["body"], h.get("x-momentumpro-signature", ""), secret),
      "the seed's X-Momentumpro-Signature is still there and verifies with the help page's verify()")

now = int(time.time())
fresh = {"webhook-timestamp": str(now + 5), "x-momentumpro-timestamp": str(now + 5)}
stale = {"webhook-timestamp": str(now - 400), "x-momentumpro-timestamp": str(now - 400)}
res = node_verify(snippets["node"], [case("orig", req, secret), case("replay", req, secret, **fresh),
                                     case("late", req, secret, **stale)])
check(res["orig"]["standardwebhooks"] is True and res["orig"]["svix"] is True,
      "npm standardwebhooks and svix verify a delivery to a new endpoint", res["orig"])
check(res["orig"]["snippet"] is True and py_verify and py_verify(req["body"], h, secret) is True,
      "the page's Node.js and Python snippets verify it", res["orig"])
rh = dict(h, **fresh)
check(res["replay"]["standardwebhooks"] is not True and res["replay"]["svix"] is not True
      and res["replay"]["snippet"] is False and py_verify and py_verify(req["body"], rh, secret) is False,
      "a replay with a new timestamp fails standardwebhooks, svix and the snippets", res["replay"])
php_check(lambda: php.verify(req, secret) and not php.verify(req, secret, **fresh)
          and not php.verify(req, secret, **stale),
          "the page's PHP snippet, run by PHP, accepts the delivery and refuses both replays")
check(seed_verify(req["body"], rh["x-momentumpro-signature"], secret),
      "(why: the body-only X-Momentumpro-Signature would accept that replay)")
lh = dict(h, **stale)
check(res["late"]["standardwebhooks"] is not True and res["late"]["svix"] is not True
      and res["late"]["snippet"] is False and py_verify and py_verify(req["body"], lh, secret) is False,
      "a replay with its own, old timestamp fails them too (more than 5 minutes)", res["late"])

# An endpoint that asked for no Standard Webhooks headers keeps that, also
# across migrate: no receiver sees its headers change under it.
off = create(standard_webhooks=False)
rc, out, err = ctl("migrate")
r = api(LIGHTTPD, "GET", "%s/%d" % (EP, off["id"]), key)
check(rc == 0 and r.json()["standard_webhooks"] is False,
      "an endpoint without Standard Webhooks keeps its setting (also after migrate)", (out, err, r))
oreq = deliver(off["id"])
check("webhook-signature" not in oreq["headers"]
      and seed_verify(oreq["body"], oreq["headers"]["x-momentumpro-signature"], off["secret"]),
      "it gets the seed header only, as before", oreq["headers"])
check('id="standard-off"' in admin.get("/admin/webhooks/%d" % off["id"]).body.decode(),
      "its page says how to turn the signed timestamp on")

# ---------------------------------------------------------------- rotation API
for body, what in ((b'{"overlap": "8d"}', "more than 7d"), (b'{"overlap": "soon"}', "not a duration"),
                   (b'{"overlap": "1500ms"}', "not whole seconds"), (b'{"overlap": -5}', "negative"),
                   (b'{"overlap": true}', "not a duration")):
    r = http_request(LIGHTTPD, "POST", "%s/%d/rotate-secret" % (EP, off["id"]), body,
                     {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    err = (r.json() or {}).get("error", {})
    check(r.status == 400 and err.get("code") == "invalid_overlap" and "overlap" in err.get("message", ""),
          "rotate-secret refuses an overlap %s with 400 naming the field" % what, r)
r = http_request(LIGHTTPD, "POST", "%s/%d/rotate-secret" % (EP, off["id"]), b'{"overlap": "1h", "x": 1}',
                 {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
check(r.status == 400 and (r.json() or {}).get("error", {}).get("code") == "invalid_body",
      "rotate-secret refuses other fields with 400", r)
check(sql("SELECT prev_secret_sealed IS NULL FROM endpoints WHERE id = ?", off["id"]) == [["1"]],
      "a refused rotation changes nothing")
r = http_request(LIGHTTPD, "POST", "%s/%d/rotate-secret" % (EP, off["id"]), b"",
                 {"Authorization": "Bearer " + key, "Content-Length": "0"})
left = sql("SELECT TIMESTAMPDIFF(SECOND, NOW(3), prev_secret_expires_at) FROM endpoints WHERE id = ?", off["id"])
check(r.status == 200 and (r.json() or {}).get("previous_secret_expires_at") and 86390 <= int(left[0][0]) <= 86400,
      "an empty body (Content-Length: 0) rotates with the default overlap, 24h", (r, left))
r = api(LIGHTTPD, "POST", "%s/%d/rotate-secret" % (EP, off["id"]), key, {"overlap": "7d"})
left = sql("SELECT TIMESTAMPDIFF(SECOND, NOW(3), prev_secret_expires_at) FROM endpoints WHERE id = ?", off["id"])
check(r.status == 200 and 7 * 86400 - 10 <= int(left[0][0]) <= 7 * 86400, "an overlap of 7d is allowed", r)
r = api(LIGHTTPD, "POST", "%s/%d/rotate-secret" % (EP, off["id"]), key, {"overlap": 0})
check(r.status == 200 and "previous_secret_expires_at" in (r.json() or {})
      and r.json()["previous_secret_expires_at"] is None
      and sql("SELECT prev_secret_sealed IS NULL FROM endpoints WHERE id = ?", off["id"]) == [["1"]],
      "overlap 0 stops the old secret at once (previous_secret_expires_at null)", r)

# ---------------------------------------------------------------- rotation overlap
OVERLAP = 4
r = api(LIGHTTPD, "POST", "%s/%d/rotate-secret" % (EP, eid), key, {"overlap": "%ds" % OVERLAP})
rotated_at = time.time()
new = (r.json() or {}).get("secret", "")
check(r.status == 200 and new.startswith("whsec_") and new != secret
      and (r.json() or {}).get("previous_secret_expires_at"),
      "rotate-secret with a %ds overlap returns the new secret and when the overlap ends" % OVERLAP, r)
g = api(LIGHTTPD, "GET", "%s/%d" % (EP, eid), key).json() or {}
check(g.get("previous_secret_expires_at") == (r.json() or {}).get("previous_secret_expires_at")
      and 'id="prev-secret"' in admin.get("/admin/webhooks/%d" % eid).body.decode(),
      "during the overlap the endpoint (API and page) says until when the old secret signs", g)
req = deliver(eid)
during = time.time() - rotated_at < OVERLAP - 0.5
h = req["headers"]
sigs = h.get("webhook-signature", "").split(" ")
check(during and len(sigs) == 2 and all(s.startswith("v1,") for s in sigs)
      and re.fullmatch(r"[0-9a-f]{64}", h.get("x-momentumpro-signature-previous", "")),
      "during the overlap: two signatures in webhook-signature, and X-Momentumpro-Signature-Previous", h)
res = node_verify(snippets["node"], [case("old", req, secret), case("new", req, new)])
for who, s in (("old", secret), ("new", new)):
    check(res[who]["standardwebhooks"] is True and res[who]["svix"] is True and res[who]["snippet"] is True
          and py_verify(req["body"], h, s) is True,
          "during the overlap a receiver with the %s secret verifies (standardwebhooks, svix, snippets)" % who,
          res[who])
    php_check(lambda: php.verify(req, s),
              "during the overlap the PHP snippet verifies with the %s secret" % who)
    check(seed_verify_rotating(req["body"], h, s),
          "during the overlap the documented X-Momentumpro-Signature path verifies with the %s secret" % who)
check(seed_verify(req["body"], h["x-momentumpro-signature"], new)
      and not seed_verify(req["body"], h["x-momentumpro-signature"], secret),
      "X-Momentumpro-Signature is the new secret's; the old one's is in -Previous")

wait_until(lambda: time.time() - rotated_at > OVERLAP + 1, timeout=OVERLAP + 5)
req = deliver(eid)
h = req["headers"]
res = node_verify(snippets["node"], [case("old", req, secret), case("new", req, new)])
check(" " not in h.get("webhook-signature", "") and "x-momentumpro-signature-previous" not in h,
      "after the overlap: one signature, no -Previous header", h)
check(res["new"]["standardwebhooks"] is True and res["new"]["svix"] is True and res["new"]["snippet"] is True
      and seed_verify_rotating(req["body"], h, new),
      "after the overlap the new secret verifies", res["new"])
check(res["old"]["standardwebhooks"] is not True and res["old"]["svix"] is not True
      and res["old"]["snippet"] is False and not py_verify(req["body"], h, secret)
      and not seed_verify_rotating(req["body"], h, secret),
      "after the overlap the old secret no longer verifies, in either scheme", res["old"])
g = api(LIGHTTPD, "GET", "%s/%d" % (EP, eid), key).json() or {}
check("previous_secret_expires_at" in g and g["previous_secret_expires_at"] is None
      and 'id="prev-secret"' not in admin.get("/admin/webhooks/%d" % eid).body.decode(),
      "after the overlap the endpoint no longer mentions the old secret", g)
php_check(lambda: php.verify(req, new) and not php.verify(req, secret),
          "after the overlap the PHP snippet verifies with the new secret only")

# ---------------------------------------------------------------- sealed values bound to their row
other = create(tenant_key=key_b)
sealed_a = sql("SELECT secret_sealed FROM endpoints WHERE id = ?", eid)[0][0]
sql("UPDATE endpoints SET secret_sealed = ? WHERE id = ?", sealed_a, other["id"])
n = recv.count()
r = api(LIGHTTPD, "POST", "%s/%d/test" % (EP, other["id"]), key_b, b"")
did = (r.json() or {}).get("delivery_id")
att = wait_until(lambda: sql("SELECT error FROM attempts WHERE delivery_id = ?", did), timeout=30)
check(att and "does not open" in att[0][0] and recv.count() == n,
      "a sealed secret copied into another tenant's endpoint does not open: nothing is sent", att)
b_admin = Admin(LIGHTTPD, *admin_user(tid_b, "secrets-b"))
r = b_admin.post("/admin/webhooks/%d/reveal-secret" % other["id"])
check(r.status == 500 and new.encode() not in r.body,
      "Reveal of the copied value fails instead of showing the other tenant's secret", r.status)

# ---------------------------------------------------------------- master key permissions
keyfile = os.path.join(os.path.dirname(CONFIG), "webhooks.key")
check(os.stat(keyfile).st_mode & 0o077 == 0, "the test master key, created by migrate, is 0600",
      oct(os.stat(keyfile).st_mode))
loose = os.path.join(RUN, "loose.key")
shutil.copy(keyfile, loose)
os.chmod(loose, 0o644)
conf = write_config("[security]\nmaster_key_file = %s\n" % loose)
rc, out, err = ctl("status", config=conf)
check("warning: master key %s" % loose in err and "other users read it" in err,
      "webhooksctl status warns about a world-readable master key", err)
os.chmod(loose, 0o600)
rc, out, err = ctl("status", config=conf)
check("warning" not in err, "and says nothing once it is 0600", err)
os.chmod(loose, 0o644)
rc, out, err = ctl("seal", "--endpoint", str(eid), input="whsec_x\n", config=conf)
check(rc == 0 and "other users read it" in err,
      "programs loading a world-readable key log a warning", err)
os.unlink(loose)

disp.stop()
recv.close()
if php is not None:
    php.stop()
done()
