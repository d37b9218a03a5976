"""Chaos: deliveries while dispatchers are killed with SIGKILL and
restarted, MariaDB is killed and restarted once, and receivers flap
between 200, 500 and hanging.  At the end every delivery has arrived or is
in its documented final state, the receivers saw no delivery id that was
never recorded, and duplicates are bounded by what was in flight at each
kill.  ./dev test runs a short version; CHAOS_EVENTS and CHAOS_SECONDS
make it longer (./dev chaos)."""
import collections
import http.server
import os
import random
import signal
import time

from whtest import (LIGHTTPD, Dispatcher, Receiver, alive, api, check, done, mariadb_pid,
                    new_tenant, sql, start_mariadb, wait_until)

EVENTS = int(os.environ.get("CHAOS_EVENTS", "700"))
SECONDS = float(os.environ.get("CHAOS_SECONDS", "20"))
http.server.ThreadingHTTPServer.request_queue_size = 1024
rng = random.Random(7)


def flapping(req):
    r = rng.random()
    if r < 0.6:
        return 200, {}, "ok"
    if r < 0.85:
        return 500, {}, "flap"
    time.sleep(3)			# longer than the 2 s timeout
    return 200, {}, "late"


tid, key = new_tenant("Chaos")
receivers = [Receiver(flapping) for _ in range(3)]
eps = []
for rcv in receivers:
    r = api(LIGHTTPD, "POST", "/api/v1/endpoints", key, {"url": rcv.url + "/chaos", "events": ["*"]})
    eps.append((r.json() or {}).get("id"))
check(all(eps), "three flapping endpoints")
for start in range(0, EVENTS, 500):
    n = min(500, EVENTS - start)
    r = api(LIGHTTPD, "POST", "/api/v1/events", key,
            [{"event": "incident.reported", "data": {"n": start + i}} for i in range(n)])
    check(r.status == 202, "events %d..%d accepted" % (start, start + n - 1), r)
total = EVENTS * 3

extra = "lease = 5s\nconcurrency = 64\nendpoint_concurrency = 32"
disp = [Dispatcher(extra=extra), Dispatcher(extra=extra)]
held_at_kills = 0
kills = 0
db_killed = False
t0 = time.time()
try:
    while time.time() - t0 < SECONDS:
        time.sleep(2)
        i = kills % 2
        # What this dispatcher holds at the kill bounds what it may send
        # twice.  Freeze it first, so it cannot claim more between the
        # count and the SIGKILL (and let a COMMIT already sent land).
        os.kill(disp[i].proc.pid, signal.SIGSTOP)
        time.sleep(0.2)
        held_at_kills += int(sql("SELECT COUNT(*) FROM deliveries WHERE tenant_id = ? AND claimed_by "
                                 "LIKE ?", tid, "%%:%d" % disp[i].proc.pid)[0][0])
        disp[i].kill()
        disp[i] = Dispatcher(extra=extra)
        kills += 1
        if not db_killed and time.time() - t0 > SECONDS / 2:
            pid = mariadb_pid()
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not alive(pid), timeout=10)
            db_killed = True
            time.sleep(1)
            check(start_mariadb(), "MariaDB is back after its SIGKILL")
    check(all(d.proc.poll() is None for d in disp), "the dispatchers survived the MariaDB kill")

    def settled():
        return int(sql("SELECT COUNT(*) FROM deliveries WHERE tenant_id = ? AND status IN ('pending', 'retrying')",
                       tid)[0][0]) == 0
    ok = wait_until(settled, timeout=max(120, EVENTS // 10), interval=1)
finally:
    for d in disp:
        d.stop()
    for rcv in receivers:
        rcv.close()

states = dict((r[0], int(r[1])) for r in sql("SELECT status, COUNT(*) FROM deliveries WHERE tenant_id = ? "
                                             "GROUP BY status", tid))
print("# %d deliveries, %d dispatcher kills, MariaDB killed: %s; final states %s"
      % (total, kills, db_killed, states))
check(ok and sum(states.values()) == total and set(states) <= {"delivered", "dropped"},
      "every delivery is delivered or dropped after its retries", states)
recorded = set(r[0] for r in sql("SELECT id FROM deliveries WHERE tenant_id = ?", tid))
seen = collections.Counter()
for rcv in receivers:
    for req in rcv.requests:
        seen[req["headers"].get("x-momentumpro-delivery")] += 1
check(set(seen) <= recorded, "the receivers saw no delivery id that was never recorded")
delivered = set(r[0] for r in sql("SELECT id FROM deliveries WHERE tenant_id = ? AND status = 'delivered'", tid))
check(delivered <= set(seen), "every delivered delivery reached its receiver")
# A repeat is expected after a failed attempt (500, timeout); beyond those,
# repeats may come only from what a killed dispatcher held.
attempts = dict((r[0], int(r[1])) for r in sql("SELECT d.id, COUNT(a.id) FROM deliveries d LEFT JOIN attempts a "
                                               "ON a.delivery_id = d.id WHERE d.tenant_id = ? GROUP BY d.id", tid))
extra_sends = sum(max(0, n - attempts.get(k, 0)) for k, n in seen.items())
print("# %d requests beyond recorded attempts; %d deliveries held at the kills" % (extra_sends, held_at_kills))
check(extra_sends <= held_at_kills,
      "requests beyond recorded attempts (%d) are bounded by what was held at the kills (%d)"
      % (extra_sends, held_at_kills))
done()
