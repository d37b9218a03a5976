"""Shared helpers for the integration tests.

./dev test starts a private MariaDB, lighttpd and Apache (mod_fcgid) and
passes their addresses in WH_* variables.  Each check prints "ok - name"
or "not ok - name"; ./dev test counts those lines.  Python standard
library only.
"""
import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

TOP = os.environ.get("WH_TOP", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.environ.get("WH_BIN", TOP)
RUN = os.environ.get("WH_RUN", "/tmp")
CONFIG = os.environ.get("WEBHOOKS_CONFIG", "")
DB_SOCKET = os.environ.get("WH_DB_SOCKET", "")
LIGHTTPD = os.environ.get("WH_LIGHTTPD_URL", "http://127.0.0.1:28080")
APACHE = os.environ.get("WH_APACHE_URL", "http://127.0.0.1:28081")
SERVERS = [("lighttpd", LIGHTTPD), ("apache", APACHE)]

_passed = 0
_failed = 0


def check(cond, name, detail=None):
    """Record one check; detail is printed when it fails."""
    global _passed, _failed
    if cond:
        _passed += 1
        print("ok - %s" % name, flush=True)
    else:
        _failed += 1
        print("not ok - %s" % name, flush=True)
        if detail is not None:
            print("#   %s" % str(detail)[:2000], flush=True)
    return bool(cond)


def done():
    print("# %d passed, %d failed" % (_passed, _failed), flush=True)
    sys.exit(1 if _failed else 0)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except Exception:
            return None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


# Every /api/v1 exchange is appended to this file, one JSON object a
# line; test_zz_openapi.py, which runs last, validates each response
# against the OpenAPI document (www/openapi.json).
API_LOG = os.path.join(RUN, "api-exchanges.jsonl")
_api_log_lock = threading.Lock()


def record_exchange(method, path, req_body, status, ctype, data):
    if not path.startswith("/api/v1/"):
        return
    rb = req_body[:300].decode("utf-8", "replace") if isinstance(req_body, bytes) else ""
    line = json.dumps({"method": method, "path": path, "status": status,
                       "content_type": ctype, "body": data.decode("utf-8", "replace"),
                       "request": rb, "test": os.path.basename(sys.argv[0])}) + "\n"
    with _api_log_lock:
        with open(API_LOG, "a", encoding="utf-8") as f:
            f.write(line)


def http_request(base, method, path, body=None, headers=None, timeout=30, source=None):
    """One request; body may be bytes, str or a JSON-able object.  source:
    the client's address, another loopback address such as 127.0.0.2 (on
    Linux all of 127.0.0.0/8 is loopback), which the web server passes on
    as REMOTE_ADDR."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    hdrs = dict(headers or {})
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        hdrs.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        record_exchange(method, path, body, r.status, r.getheader("Content-Type"), data)
        return Response(r.status, r.getheaders(), data)
    finally:
        conn.close()


def api(base, method, path, key=None, body=None, headers=None):
    hdrs = dict(headers or {})
    if key is not None:
        hdrs["Authorization"] = "Bearer " + key
    return http_request(base, method, path, body, hdrs)


def sql(query, *params):
    """Run SQL as root on the private server; rows as lists of strings.
    params are substituted as quoted literals (test code only)."""
    def lit(v):
        if v is None:
            return "NULL"
        if isinstance(v, int):
            return str(v)
        return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"
    if params:
        query = query.replace("?", "%s") % tuple(lit(p) for p in params)
    # Tests set up rows side by side (run_parallel): an INSERT ... SELECT
    # may deadlock with another scenario's, and the server then asks for
    # the statement again, which rolled back whole.
    for attempt in range(5):
        out = subprocess.run(
            ["mariadb", "--no-defaults", "-uroot", "--socket=" + DB_SOCKET, "-N", "-B",
             "webhooks", "-e", query],
            capture_output=True, text=True)
        if out.returncode == 0:
            return [line.split("\t") for line in out.stdout.splitlines()]
        if attempt < 4 and ("ERROR 1213" in out.stderr or "ERROR 1205" in out.stderr):
            time.sleep(0.1 * (attempt + 1))
            continue
        raise subprocess.CalledProcessError(out.returncode, query, out.stdout, out.stderr.strip())


def ctl(*args, input=None, config=None):
    """Run webhooksctl; returns (rc, stdout, stderr)."""
    cmd = [os.path.join(BIN, "webhooksctl")]
    if config:
        cmd += ["-c", config]
    p = subprocess.run(cmd + list(args), input=input, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def new_tenant(name="Test tenant"):
    """A fresh tenant; returns (tenant_id, api_key)."""
    rc, out, err = ctl("tenant", "create", name)
    if rc != 0:
        raise RuntimeError("tenant create failed: " + err)
    d = json.loads(out)
    return d["tenant_id"], d["api_key"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Receiver:
    """A real HTTP receiver on loopback that records every request.

    behaviour(req) returns (status, headers, body) or the string "hang"
    to never answer.  req is a dict with method, path, headers, body, t.
    """

    def __init__(self, behaviour=None):
        self.requests = []
        self.lock = threading.Lock()
        self.behaviour = behaviour or (lambda req: (200, {}, b"ok"))
        self.stop_event = threading.Event()
        recv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                req = {"method": "POST", "path": self.path, "t": time.time(),
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "body": body}
                with recv.lock:
                    recv.requests.append(req)
                res = recv.behaviour(req)
                if res == "hang":
                    recv.stop_event.wait(120)
                    return
                status, headers, rbody = res
                if isinstance(rbody, str):
                    rbody = rbody.encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(rbody)))
                self.end_headers()
                self.wfile.write(rbody)

            do_PUT = do_POST

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def count(self):
        with self.lock:
            return len(self.requests)

    def wait_for(self, n, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if self.count() >= n:
                return True
            time.sleep(0.05)
        return self.count() >= n

    def close(self):
        self.stop_event.set()
        self.server.shutdown()
        self.server.server_close()


class Dispatcher:
    """A webhooks-dispatcher process with the test config (plus extra
    [delivery] lines written to a config of its own)."""

    def __init__(self, extra=None, args=()):
        self.config = CONFIG
        if extra:
            self.config = os.path.join(RUN, "dispatcher-%d.conf" % free_port())
            with open(CONFIG) as f:
                text = f.read()
            # A repeated section adds to it; later keys win.
            text += "\n[delivery]\n" + extra + "\n"
            with open(self.config, "w") as f:
                f.write(text)
        self.log = open(os.path.join(RUN, "out", "dispatcher-%d.log" % os.getpid()), "a")
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
        self.proc = subprocess.Popen(
            [os.path.join(BIN, "webhooks-dispatcher"), "-c", self.config] + list(args),
            stdout=self.log, stderr=self.log, env=env)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def wait_until(fn, timeout=30, interval=0.1):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(interval)
    return fn()


def write_config(extra_sections):
    """A copy of the test config with extra INI text appended (a repeated
    section adds to it and later keys win).  Returns its path."""
    path = os.path.join(RUN, "extra-%d.conf" % free_port())
    with open(CONFIG) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text + "\n" + extra_sections + "\n")
    return path


class Lighttpd:
    """An extra lighttpd serving webhooks.fcgi with its own config, for
    tests that need other settings (allow_private_networks = no, ...)."""

    def __init__(self, config, extra=""):
        """extra: lighttpd configuration placed before the include."""
        self.port = free_port()
        self.dir = os.path.join(RUN, "lighttpd-%d" % self.port)
        os.makedirs(self.dir, exist_ok=True)
        conf = os.path.join(self.dir, "lighttpd.conf")
        with open(conf, "w") as f:
            f.write("""server.document-root = "%(www)s"
server.bind = "127.0.0.1"
server.port = %(port)d
server.errorlog = "%(dir)s/error.log"
var.webhooks_fcgi = "%(fcgi)s"
var.webhooks_www = "%(www)s"
var.webhooks_config = "%(config)s"
var.webhooks_socket = "%(dir)s/fcgi.sock"
var.webhooks_procs = 1
%(extra)s
include "%(top)s/apache/lighttpd-webhooks.conf"
""" % {"extra": extra, "www": os.path.join(TOP, "www"), "port": self.port, "dir": self.dir,
       "fcgi": os.path.join(BIN, "webhooks.fcgi"), "config": config, "top": TOP})
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
        # webhooks.fcgi's log: lighttpd hands its processes its stderr.
        self.log = os.path.join(self.dir, "stderr.log")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(["lighttpd", "-D", "-f", conf], env=env,
                                         stdout=subprocess.DEVNULL, stderr=log)
        self.url = "http://127.0.0.1:%d" % self.port
        wait_until(lambda: self._up(), timeout=15)

    def _up(self):
        try:
            return http_request(self.url, "GET", "/healthz", timeout=2).status == 200
        except OSError:
            return False

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class Admin:
    """A signed-in admin browser session over plain HTTP (cookie and CSRF
    handled as a browser would)."""

    def __init__(self, base, email, password):
        import re as _re
        self._re = _re
        self.base = base
        page = http_request(base, "GET", "/admin/login")
        tok = self._token(page.body)
        r = http_request(base, "POST", "/admin/login",
                         urllib.parse.urlencode({"email": email, "password": password, "csrf": tok}),
                         {"Content-Type": "application/x-www-form-urlencoded"})
        self.cookie = None
        for k, v in r.headers:
            if k.lower() == "set-cookie" and v.startswith("mp_session="):
                self.cookie = v.split(";")[0]
        if self.cookie is None:
            raise RuntimeError("admin login failed: %r" % r)
        self.csrf = None

    def _token(self, body):
        m = self._re.search(rb'name="csrf" value="([^"]*)"', body)
        return m.group(1).decode() if m else None

    def get(self, path):
        r = http_request(self.base, "GET", path, headers={"Cookie": self.cookie})
        tok = self._token(r.body)
        if tok:
            self.csrf = tok
        return r

    def post(self, path, fields=(), csrf=True):
        """fields: dict or list of pairs (repeat a name for multi-values)."""
        if csrf is True:
            if self.csrf is None:
                self.get("/admin/webhooks")
            csrf = self.csrf
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        if csrf:
            pairs.append(("csrf", csrf))
        return http_request(self.base, "POST", path, urllib.parse.urlencode(pairs),
                            {"Cookie": self.cookie,
                             "Content-Type": "application/x-www-form-urlencoded"})


def admin_user(tenant_id, tag, password="correct-horse-battery"):
    """Create an admin user for tenant_id; returns (email, password)."""
    email = "%s-%d-%d@acme.example" % (tag, tenant_id, int(time.time() * 1000))
    rc, out, err = ctl("user", "create", "--tenant", str(tenant_id), "--email", email,
                       input=password + "\n")
    if rc != 0:
        raise RuntimeError(err)
    return email, password


# ---------------------------------------------------------------- MariaDB
# Killing and restarting the private server, for crash tests.
DB_DIR = os.path.join(RUN, "db")


def mariadb_pid():
    with open(os.path.join(DB_DIR, "mysqld.pid")) as f:
        return int(f.read().strip())


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def db_answers():
    try:
        sql("SELECT 1")
        return True
    except subprocess.CalledProcessError:
        return False


def mariadbd_cmd():
    """The command that starts the private MariaDB of ./dev test again:
    tests/mariadb-server, which ./dev starts it with, becomes mariadbd."""
    return [os.path.join(TOP, "tests", "mariadb-server"), "run", DB_DIR,
            os.environ["WH_DB_PORT"]]


def start_mariadb():
    """Start MariaDB as start_mariadb in ./dev does.  ./dev stops the
    server it started by its pid; this is a new process, so a watchdog
    stops it once ./dev (this test's parent) has exited."""
    cmd = mariadbd_cmd()
    watch = ('"$@" >/dev/null 2>&1 & m=$!; '
             'while kill -0 %d 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 0.2; done; '
             'kill $m 2>/dev/null; wait $m' % os.getppid())
    subprocess.Popen(["sh", "-c", watch, "sh"] + cmd, start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    return wait_until(db_answers, timeout=60, interval=0.2)


