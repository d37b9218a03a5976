"""Cluster: the deployment of cluster/ (three MariaDB Galera nodes, HAProxy
as a single writer in front of them, two web hosts with lighttpd and
webhooks.fcgi, two dispatcher hosts and a receiver), each host a Linux
network namespace on a private bridge of this machine, with addresses that
exist only inside the namespaces.

Steady ingest through both web hosts (single events and batches) while the
writer node is killed with SIGKILL, then restarted (it rejoins by IST or
SST), then another node is cut off by taking its link down and brought
back.  Checked: every event answered 202 is delivered at least once, with
its delivery id; repeats only of deliveries in flight at a failure; ingest
answers 503, never 500, while no writer is reachable and recovers by
itself; the cluster ends with three synced nodes; webhooksctl status shows
them.  A single server (one MariaDB without Galera, one web host, one
dispatcher) is measured first in the same run, beside the cluster's rates.
The last line is one summary.

Needs root, ip(8), mariadb-server, galera-4, rsync, haproxy and lighttpd.
./dev test runs a short version; ./dev cluster a longer one
(CLUSTER_SECONDS).
"""
import collections
import ctypes
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from whtest import BIN, TOP, check, done  # noqa: E402

SECONDS = float(os.environ.get("CLUSTER_SECONDS", "12"))
RUN_ID = os.environ.get("RUN_ID", "")
NET = int(os.environ.get("CLUSTER_NET") or (zlib.crc32(RUN_ID.encode()) % 200 + 20))
P = "whc%d" % NET
SUBNET = "10.%d.0" % NET
STATE = "/var/tmp/%s-cluster" % P
LEASE = 10
GALERA = "/usr/lib/galera/libgalera_smm.so"
HOSTS = {"db0": 10, "db1": 11, "db2": 12, "db3": 13, "proxy": 20, "web1": 31,
         "web2": 32, "disp1": 41, "disp2": 42, "recv": 50, "client": 60}
PW = "webhooks-cluster"
procs = {}		# name -> Popen
libc = ctypes.CDLL(None, use_errno=True)


def addr(h):
    return "%s.%d" % (SUBNET, HOSTS[h])


def ns(h):
    return "%s-%s" % (P, h)


def sh(*cmd, check_rc=True, **kw):
    p = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    if check_rc and p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), p.stderr.strip()))
    return p


def spawn(name, host, cmd, env=None, log=None):
    """Start cmd inside host's network namespace; its pid is the program's."""
    fd = os.open("/run/netns/" + ns(host), os.O_RDONLY)
    out = open(log or os.path.join(STATE, name + ".log"), "ab")

    def enter():
        if libc.setns(fd, 0x40000000) != 0:	# CLONE_NEWNET
            os._exit(111)
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.Popen(cmd, preexec_fn=enter, stdout=out, stderr=subprocess.STDOUT, env=e,
                         pass_fds=(fd,))
    os.close(fd)
    out.close()
    procs[name] = p
    with open(os.path.join(STATE, "pids"), "a") as f:
        f.write("%d\n" % p.pid)
    return p


def stop(name, sig=signal.SIGTERM, timeout=30):
    p = procs.pop(name, None)
    if p is None or p.poll() is not None:
        return
    p.send_signal(sig)
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def wait_until(fn, timeout=60, interval=0.2):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if fn():
                return True
        except Exception:
            pass
        time.sleep(interval)
    return False


# ------------------------------------------------------------ network

def net_down():
    """Remove this run's namespaces and bridge, and stop what a run that
    died left running (the pids it wrote down)."""
    try:
        with open(os.path.join(STATE, "pids")) as f:
            for line in f:
                try:
                    os.kill(int(line), signal.SIGKILL)
                except (ValueError, OSError):
                    pass
    except OSError:
        pass
    for h in HOSTS:
        sh("ip", "netns", "del", ns(h), check_rc=False)
    sh("ip", "link", "del", P + "br", check_rc=False)


def net_up():
    sh("ip", "link", "add", P + "br", "type", "bridge")
    sh("ip", "link", "set", P + "br", "up")
    for h in HOSTS:
        v = P + h
        sh("ip", "netns", "add", ns(h))
        sh("ip", "link", "add", v, "type", "veth", "peer", "name", v + "p")
        sh("ip", "link", "set", v + "p", "netns", ns(h))
        sh("ip", "link", "set", v, "master", P + "br", "up")
        x = ("ip", "netns", "exec", ns(h), "ip")
        sh(*x, "link", "set", v + "p", "name", "eth0")
        sh(*x, "addr", "add", addr(h) + "/24", "dev", "eth0")
        sh(*x, "link", "set", "eth0", "up")
        sh(*x, "link", "set", "lo", "up")


def link(h, state):
    sh("ip", "netns", "exec", ns(h), "ip", "link", "set", "eth0", state)


# ------------------------------------------------------------ database nodes

def node_dir(h):
    return os.path.join(STATE, h)


def node_sql(h, query, db="", timeout=20):
    p = sh("mariadb", "--no-defaults", "-uroot", "--socket=" + node_dir(h) + "/mysqld.sock",
           "--connect-timeout=5", "-N", "-B", *([db] if db else []), "-e", query,
           check_rc=False, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip())
    return [line.split("\t") for line in p.stdout.splitlines()]


def node_status(h):
    rows = node_sql(h, "SHOW GLOBAL STATUS LIKE 'wsrep_%'", timeout=5)
    return dict((r[0], r[1]) for r in rows if len(r) == 2)


def synced(h, size=None):
    st = node_status(h)
    return st.get("wsrep_local_state") == "4" and st.get("wsrep_cluster_status") == "Primary" and \
        (size is None or st.get("wsrep_cluster_size") == str(size))


def write_node_cnf(h):
    """cluster/galera.cnf for node h, with this machine's paths and a small
    memory footprint."""
    d = node_dir(h)
    with open(os.path.join(TOP, "cluster", "galera.cnf")) as f:
        cnf = f.read()
    cnf = cnf.replace("10.0.0.", SUBNET + ".").replace("10.0.0.11", addr(h))
    lines = []
    for line in cnf.splitlines():
        k = line.split("=")[0].strip()
        if k == "wsrep_node_address":
            line = "wsrep_node_address = " + addr(h)
        elif k == "wsrep_node_name":
            line = "wsrep_node_name = " + h
        elif k == "bind-address":
            line = "bind-address = " + addr(h)
        elif k == "wsrep_provider_options":
            line = 'wsrep_provider_options = "gcache.size=128M; pc.recovery=TRUE"'
        elif h == "db0" and k.startswith("wsrep_"):
            continue		# the single server: no Galera
        lines.append(line)
    lines += ["datadir = %s/data" % d, "socket = %s/mysqld.sock" % d, "pid-file = %s/mysqld.pid" % d,
              "log-error = %s/mysqld.err" % d, "port = 3306", "user = mysql",
              "innodb_buffer_pool_size = 128M", "innodb_log_file_size = 32M"]
    if h == "db0":
        lines.append("wsrep_on = OFF")
    with open(os.path.join(d, "my.cnf"), "w") as f:
        f.write("\n".join(lines) + "\n")


def start_node(h, new_cluster=False):
    write_node_cnf(h)
    sh("chown", "-R", "mysql:mysql", node_dir(h))
    cmd = ["mariadbd", "--defaults-file=" + node_dir(h) + "/my.cnf"]
    if new_cluster:
        cmd.append("--wsrep-new-cluster")
    spawn(h, h, cmd)


def init_datadir(h):
    d = node_dir(h)
    os.makedirs(d, exist_ok=True)
    sh("mariadb-install-db", "--no-defaults", "--datadir=" + d + "/data", "--user=mysql",
       "--auth-root-authentication-method=normal")


def create_app_db(h):
    node_sql(h, "CREATE DATABASE IF NOT EXISTS webhooks CHARACTER SET utf8mb4; "
             "CREATE USER IF NOT EXISTS 'webhooks'@'%%' IDENTIFIED BY '%s'; "
             "GRANT ALL ON webhooks.* TO 'webhooks'@'%%'" % PW)


# ------------------------------------------------------------ the programs

def write_config(name, db_host, wake_host):
    path = os.path.join(STATE, name + ".conf")
    with open(path, "w") as f:
        f.write("[database]\nhost = %s\nport = 3306\nuser = webhooks\npassword = %s\n"
                "name = webhooks\nconnect_timeout = 2s\n\n"
                "[delivery]\nallow_private_networks = yes\nwake_address = %s:8799\n"
                "retry_schedule = 1s 2s 3s 4s 5s\ntimeout = 2s\npoll_interval = 200ms\n"
                "lease = %ds\nconcurrency = 64\nendpoint_concurrency = 64\n"
                "tenant_concurrency = 64\n\n[ingest]\nmax_body = 1MiB\n\n"
                "[security]\nmaster_key_file = %s/webhooks.key\n"
                % (addr(db_host), PW, addr(wake_host), LEASE, STATE))
    return path


def ctl(host, conf, *args):
    fd = os.open("/run/netns/" + ns(host), os.O_RDONLY)
    try:
        p = subprocess.run([os.path.join(BIN, "webhooksctl"), "-c", conf] + list(args),
                           capture_output=True, text=True,
                           preexec_fn=lambda: libc.setns(fd, 0x40000000), pass_fds=(fd,),
                           env=dict(os.environ, WEBHOOKS_SQL_DIR=os.path.join(TOP, "sql"),
                                    ASAN_OPTIONS="detect_leaks=0"))
    finally:
        os.close(fd)
    return p.returncode, p.stdout, p.stderr


def start_web(name, host, conf, port=80):
    d = os.path.join(STATE, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "lighttpd.conf"), "w") as f:
        f.write('server.document-root = "%s/www"\nserver.bind = "%s"\nserver.port = %d\n'
                'server.pid-file = "%s/lighttpd.pid"\nserver.errorlog = "%s/error.log"\n'
                'server.modules = ( "mod_access" )\n'
                'var.webhooks_fcgi = "%s/webhooks.fcgi"\nvar.webhooks_www = "%s/www"\n'
                'var.webhooks_config = "%s"\nvar.webhooks_socket = "%s/fcgi.sock"\n'
                'var.webhooks_procs = 2\ninclude "%s/apache/lighttpd-webhooks.conf"\n'
                % (TOP, addr(host), port, d, d, BIN, TOP, conf, d, TOP))
    spawn(name, host, ["lighttpd", "-D", "-f", os.path.join(d, "lighttpd.conf")],
          env={"ASAN_OPTIONS": "detect_leaks=0"})
    return "http://%s:%d" % (addr(host), port)


def start_dispatcher(name, host, conf):
    spawn(name, host, [os.path.join(BIN, "webhooks-dispatcher")],
          env={"WEBHOOKS_CONFIG": conf, "ASAN_OPTIONS": "detect_leaks=0"})


def in_client(fn, *a):
    """Run fn in a thread inside the client host's namespace."""
    out = {}

    def run():
        fd = os.open("/run/netns/" + ns("client"), os.O_RDONLY)
        libc.setns(fd, 0x40000000)
        os.close(fd)
        out["r"] = fn(*a)
    t = threading.Thread(target=run)
    t.start()
    return t, out


def request(base, method, path, key=None, body=None, timeout=15):
    u = base.split("//")[1]
    h, port = u.split(":")
    c = http.client.HTTPConnection(h, int(port), timeout=timeout)
    hdrs = {"Content-Type": "application/json"}
    if key:
        hdrs["Authorization"] = "Bearer " + key
    try:
        c.request(method, path, body=json.dumps(body) if body is not None else None, headers=hdrs)
        r = c.getresponse()
        return r.status, r.read()
    except (OSError, http.client.HTTPException) as e:
        return 0, str(e).encode()
    finally:
        c.close()


def proxy_answers():
    """A MariaDB greeting through HAProxy: it has a node to send us to."""
    import socket
    try:
        with socket.create_connection((addr("proxy"), 3306), timeout=2) as c:
            return len(c.recv(64)) > 4
    except OSError:
        return False


def client_call(fn, *a):
    t, out = in_client(fn, *a)
    t.join()
    return out.get("r")


class Load:
    """Steady ingest through the given web hosts: threads posting single
    events and batches of ten, each answer recorded with its time."""

    def __init__(self, urls, key, threads=4):
        self.urls, self.key = urls, key
        self.log = []			# (t, status, [event ids], n events, t sent)
        self.lock = threading.Lock()
        self.stopping = False
        self.pace = 0			# seconds between one thread's requests
        self.seq = 0
        self.threads = [in_client(self.run, i)[0] for i in range(threads)]

    def run(self, i):
        k = 0
        while not self.stopping:
            k += 1
            url = self.urls[(i + k) % len(self.urls)]
            n = 10 if k % 3 == 0 else 1
            with self.lock:
                base = self.seq
                self.seq += n
            evs = [{"event": "incident.reported", "data": {"n": base + j}} for j in range(n)]
            sent = time.time()
            st, body = request(url, "POST", "/api/v1/events", self.key, evs if n > 1 else evs[0])
            ids = []
            if st == 202:
                d = json.loads(body)
                ids = [e["id"] for e in d["events"]] if n > 1 else [d["id"]]
            elif st == 503:
                time.sleep(0.2)		# as Retry-After asks, a bit sooner
            if self.pace:
                time.sleep(self.pace)
            with self.lock:
                self.log.append((time.time(), st, ids, n, sent))

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join()


class ReceiverLog:
    def __init__(self, path):
        self.path = path

    def read(self, path):
        """(time, delivery id) of each request to path."""
        seen = []
        with open(self.path) as f:
            for line in f:
                t, p, did = line.split()
                if p == path:
                    seen.append((float(t), did))
        return seen


RECEIVER = r'''
import http.server, sys, threading, time
lock = threading.Lock()
out = open(sys.argv[3], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        with lock:
            out.write("%.3f %s %s\n" % (time.time(), self.path, self.headers.get("X-Momentumpro-Delivery")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer.request_queue_size = 1024
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
'''


# ------------------------------------------------------------ measurements

def rate(log, t0, t1):
    ev = sum(len(ids) for t, st, ids, n, *_ in log if t0 <= t < t1 and st == 202)
    return ev / max(t1 - t0, 0.001)


def delivered_rate(seen, ids, t0, t1):
    n = sum(1 for t, d in seen if t0 <= t < t1 and d in ids)
    return n / max(t1 - t0, 0.001)


def deliveries_of(host, tenant):
    rows = node_sql(host, "SELECT d.id, d.event_id, d.status FROM deliveries d WHERE d.tenant_id = %d"
                    % tenant, db="webhooks", timeout=60)
    return rows


def tenant_with_endpoint(host, conf, url, name, path):
    rc, out, err = ctl(host, conf, "tenant", "create", name)
    if rc != 0:
        raise RuntimeError("tenant create: " + err)
    d = json.loads(out)
    st, body = client_call(request, url, "POST", "/api/v1/endpoints", d["api_key"],
                           {"url": "http://%s:8000%s" % (addr("recv"), path), "events": ["*"]})
    if st != 201:
        raise RuntimeError("endpoint: %d %s" % (st, body[:300]))
    return d["tenant_id"], d["api_key"]


def wait_delivered(host, tenant, timeout):
    def settled():
        rows = node_sql(host, "SELECT COUNT(*) FROM deliveries WHERE tenant_id = %d AND status <> "
                        "'delivered'" % tenant, db="webhooks")
        return rows[0][0] == "0"
    return wait_until(settled, timeout=timeout, interval=1)


# ------------------------------------------------------------ scenario

def missing_parts():
    miss = []
    if os.geteuid() != 0:
        miss.append("root")
    for prog in ("ip", "mariadbd", "mariadb-install-db", "haproxy", "lighttpd", "rsync",
                 "wsrep_sst_rsync"):
        if shutil.which(prog) is None:
            miss.append(prog)
    if not os.path.exists(GALERA):
        miss.append("galera-4")
    return miss


def main():
    miss = missing_parts()
    if miss:
        if os.environ.get("CI") == "true":
            check(False, "the cluster test has what it needs (missing: %s)" % " ".join(miss))
            done()
        print("# skipped: the cluster test needs %s" % " ".join(miss))
        return
    net_down()
    shutil.rmtree(STATE, ignore_errors=True)
    os.makedirs(STATE)
    os.chmod(STATE, 0o755)
    summary = {}
    try:
        net_up()
        scenario(summary)
    finally:
        for name in list(procs):
            if name.startswith(("web", "disp", "single")):
                stop(name)
        for name in list(procs):
            stop(name)
        net_down()
        if os.environ.get("CLUSTER_KEEP") != "1":
            shutil.rmtree(STATE, ignore_errors=True)
    print("cluster: writer SIGKILLed: ingest accepting again after %(down).1f s, %(n503)d answers 503 "
          "over %(s503).1f s, no 500; %(acked)d events acknowledged, "
          "%(delivered)d delivered, %(dups)d duplicates; ingest %(c_in).0f events/s and delivery "
          "%(c_out).0f/s through the cluster (2 web hosts, 2 dispatchers, 3 Galera nodes) beside "
          "%(s_in).0f and %(s_out).0f/s on a single server" % summary, flush=True)
    done()


def scenario(summary):
    summary.update(s503=-1, n503=0, down=-1, acked=0, delivered=0, dups=0, c_in=0, c_out=0, s_in=0, s_out=0)
    t_start = time.time()
    # The nodes: db1 starts the cluster, db2 and db3 join it by SST.
    # db0 is the single server measured first.
    init_datadir("db1")
    shutil.copytree(node_dir("db1") + "/data", node_dir("db0") + "/data", symlinks=True)
    os.makedirs(node_dir("db2") + "/data")
    os.makedirs(node_dir("db3") + "/data")
    start_node("db0")
    start_node("db1", new_cluster=True)
    if not check(wait_until(lambda: synced("db1"), 60), "db1 starts a new cluster"):
        return
    create_app_db("db1")
    check(wait_until(lambda: node_sql("db0", "SELECT 1"), 60), "the single server starts")
    create_app_db("db0")
    for h in ("db2", "db3"):
        start_node(h)
        check(wait_until(lambda: synced(h), 120), "%s joins the cluster by a state transfer" % h)
    check(synced("db1", 3), "three nodes in the primary component")
    for h in ("db1", "db2", "db3"):
        spawn("check-" + h, h, [os.path.join(TOP, "cluster", "webhooks-clustercheck"), "--listen",
                                addr(h) + ":9200", "--socket", node_dir(h) + "/mysqld.sock",
                                "--user", "root"])
    with open(os.path.join(TOP, "cluster", "haproxy.cfg")) as f:
        cfg = f.read().replace("10.0.0.", SUBNET + ".")
    cfg = cfg.replace("log /dev/log local0 notice", "log stderr format raw local0 notice")
    with open(os.path.join(STATE, "haproxy.cfg"), "w") as f:
        f.write(cfg)
    spawn("haproxy", "proxy", ["haproxy", "-db", "-f", os.path.join(STATE, "haproxy.cfg")])
    spawn("receiver", "recv", [sys.executable, "-c", RECEIVER, addr("recv"), "8000",
                               os.path.join(STATE, "received")])
    open(os.path.join(STATE, "received"), "a").close()

    check(wait_until(lambda: client_call(proxy_answers), 30), "HAProxy finds a synced node")
    # Both databases get the schema; the cluster's through the proxy.
    single_conf = write_config("single", "db0", "disp1")
    web_conf = write_config("web", "proxy", "disp1")
    disp_conf = [write_config("disp1", "proxy", "disp1"), write_config("disp2", "proxy", "disp2")]
    rc, out, err = ctl("web1", web_conf, "migrate")
    if not check(rc == 0, "webhooksctl migrate through HAProxy", err):
        return
    rc, out, err = ctl("web1", single_conf, "migrate")
    check(rc == 0, "webhooksctl migrate on the single server", err)
    nopk = node_sql("db2", "SELECT t.table_name FROM information_schema.tables t WHERE "
                    "t.table_schema = 'webhooks' AND t.table_type = 'BASE TABLE' AND NOT EXISTS "
                    "(SELECT 1 FROM information_schema.table_constraints c WHERE c.table_schema = "
                    "t.table_schema AND c.table_name = t.table_name AND c.constraint_type = "
                    "'PRIMARY KEY')")
    check(not nopk, "every table has a primary key (Galera replicates rows by key)", nopk)
    n1 = node_sql("db1", "SELECT COUNT(*) FROM webhooks.schema_migrations")[0][0]
    n3 = node_sql("db3", "SELECT COUNT(*) FROM webhooks.schema_migrations")[0][0]
    check(n1 == n3 and n1 != "0", "the migrations replicated to every node (%s, %s)" % (n1, n3))

    # The single server: one web host, one dispatcher, one MariaDB.
    su = start_web("single-web", "web1", single_conf, port=81)
    start_dispatcher("single-disp", "disp1", single_conf)
    stid, skey = tenant_with_endpoint("web1", single_conf, su, "Single", "/single")
    load = Load([su], skey)
    t0 = time.time()
    time.sleep(SECONDS / 2)
    load.stop()
    t1 = time.time()
    sacked = set(str(i) for t, st, ids, n, *_ in load.log for i in ids)
    wait_delivered("db0", stid, 60)
    sdel = set(r[0] for r in deliveries_of("db0", stid))
    summary["s_in"] = rate(load.log, t0, t1)
    summary["s_out"] = delivered_rate(ReceiverLog(os.path.join(STATE, "received")).read("/single"), sdel, t0, t1)
    check(len(sacked) > 0, "the single server acknowledged events (%d)" % len(sacked))
    stop("single-disp")
    stop("single-web")
    stop("db0")

    # The cluster.
    urls = [start_web("web1", "web1", web_conf), start_web("web2", "web2", web_conf)]
    start_dispatcher("disp1", "disp1", disp_conf[0])
    start_dispatcher("disp2", "disp2", disp_conf[1])
    tid, key = tenant_with_endpoint("web1", web_conf, urls[0], "Cluster", "/cluster")
    load = Load(urls, key)
    c0 = time.time()
    time.sleep(SECONDS / 2)
    c1 = time.time()
    # Through the failures, a steady trickle the dispatchers keep up with.
    load.pace = 0.1
    failures = []
    # SIGKILL of the writer: HAProxy fails over to db2.
    t_kill = time.time()
    procs["db1"].kill()
    procs.pop("db1").wait()
    check(wait_until(lambda: any(st == 202 for t, st, ids, n, sent in load.log if sent > t_kill) and
                     synced("db2"), 60, 0.2), "ingest recovers by itself after the writer's SIGKILL")
    time.sleep(max(2, SECONDS / 4))
    # The killed node rejoins (IST, from db2's gcache) and becomes the
    # writer again once synced.
    start_node("db1")
    check(wait_until(lambda: synced("db1", 3), 120), "the killed node rejoins and is synced")
    t_back = time.time()
    failures.append((t_kill, t_back))
    time.sleep(max(2, SECONDS / 4))
    # A partition: db3 cut off from the others.
    t_cut = time.time()
    link("db3", "down")
    check(wait_until(lambda: not synced("db3"), 60), "the node cut off leaves the primary component")
    check(wait_until(lambda: synced("db1", 2), 60), "the other two go on as the primary component")
    time.sleep(max(2, SECONDS / 4))
    link("db3", "up")
    check(wait_until(lambda: synced("db3", 3), 120), "the node cut off rejoins and is synced")
    failures.append((t_cut, time.time()))
    time.sleep(max(2, SECONDS / 4))
    load.stop()
    t_end = time.time()

    statuses = collections.Counter(st for t, st, ids, n, *_ in load.log)
    print("# ingest answers: %s" % dict(statuses))
    check(statuses.get(500, 0) == 0, "ingest never answered 500 (%d times)" % statuses.get(500, 0))
    check(all(st in (202, 503) for st in statuses), "ingest answered only 202 or 503", dict(statuses))
    # Recovered: the first 202 to a request sent after the SIGKILL (one
    # sent before may have committed just in time).
    oks = [t for t, st, ids, n, sent in load.log if st == 202 and sent > t_kill]
    first_ok = min(oks) if oks else None
    until = first_ok or t_end
    n503 = [t for t, st, ids, n, sent in load.log if st == 503 and t_kill <= t <= until + 1]
    summary["n503"] = len(n503)
    summary["s503"] = (max(n503) - t_kill) if n503 else 0.0
    summary["down"] = until - t_kill
    check(first_ok is not None and first_ok - t_kill < 60,
          "ingest accepts events again %.1f s after the writer's SIGKILL" % ((first_ok or t_end) - t_kill))

    acked = set(str(i) for t, st, ids, n, *_ in load.log for i in ids)
    summary["acked"] = len(acked)
    ok = wait_delivered("db1", tid, 180)
    rows = deliveries_of("db1", tid)
    ev_of = dict((r[0], r[1]) for r in rows)
    events_stored = set(r[1] for r in rows)
    check(acked <= events_stored, "every event answered 202 is stored (%d of %d)"
          % (len(acked & events_stored), len(acked)), sorted(acked - events_stored)[:20])
    check(ok, "every delivery of the cluster's tenant is delivered",
          collections.Counter(r[2] for r in rows))
    seen = ReceiverLog(os.path.join(STATE, "received")).read("/cluster")
    count = collections.Counter(d for t, d in seen if d in ev_of)
    first = {}
    for t, d in seen:
        first.setdefault(d, t)
    got_events = set(ev_of[d] for d in count)
    summary["delivered"] = len(acked & got_events)
    check(acked <= got_events, "every event answered 202 reached the receiver with its delivery id "
          "(%d of %d)" % (len(acked & got_events), len(acked)), sorted(acked - got_events)[:20])
    dups = [d for d, n in count.items() if n > 1]
    summary["dups"] = sum(count[d] - 1 for d in dups)
    stray = [d for d in dups if not any(a - LEASE - 2 <= first[d] <= b + LEASE + 2 for a, b in failures)]
    check(not stray, "repeats (%d) only of deliveries in flight at a failure" % summary["dups"], stray[:20])
    check(set(d for t, d in seen) <= set(ev_of),
          "the receiver saw no delivery id that was never recorded")
    summary["c_in"] = rate(load.log, c0, c1)
    summary["c_out"] = delivered_rate(seen, set(ev_of), c0, c1)

    check(all(synced(h, 3) for h in ("db1", "db2", "db3")), "the cluster is back to three synced nodes")
    rc, out, err = ctl("web1", web_conf, "status")
    print("# webhooksctl status:\n" + "".join("#   " + line + "\n" for line in out.splitlines()))
    check(rc == 0 and all(h in out for h in ("db1", "db2", "db3")) and out.count("Synced") >= 3,
          "webhooksctl status shows the three nodes synced", out + err)
    check(out.count(" live, heartbeat") >= 2, "webhooksctl status shows both dispatchers live")
    print("# %.0f s in all" % (time.time() - t_start))


if __name__ == "__main__":
    def interrupted(sig, frame):
        raise SystemExit(130)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    main()
