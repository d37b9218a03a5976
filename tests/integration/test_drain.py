"""Cron mode: webhooks-dispatcher --drain delivers what is due and exits
inside its time budget; two overlapping runs share the work through the
same leases, so each delivery arrives once."""
import collections
import http.server
import os
import subprocess
import time

from whtest import (BIN, LIGHTTPD, Receiver, api, check, done, new_tenant, sql, write_config)

# Many connections at once: the default listen backlog of 5 would make
# the receiver drop some, and a dropped request is rightly sent again.
http.server.ThreadingHTTPServer.request_queue_size = 1024

tid, key = new_tenant("Drain tenant")
recv = Receiver()
r = api(LIGHTTPD, "POST", "/api/v1/endpoints", key, {"url": recv.url + "/hook", "events": ["leave.*"]})
check(r.status == 201, "an endpoint for the drain test", r)
ep = (r.json() or {}).get("id")
BUDGET = 15
conf = write_config("[delivery]\ndrain_budget = %ds\nconcurrency = 128\nendpoint_concurrency = 128\n" % BUDGET)


def ingest(n):
    batch = [{"event": "leave.approved", "data": {"id": i}} for i in range(n)]
    r = api(LIGHTTPD, "POST", "/api/v1/events", key, batch)
    return r.status == 202


def drain():
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    return subprocess.Popen([os.path.join(BIN, "webhooks-dispatcher"), "-c", conf, "--drain"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def delivered():
    return int(sql("SELECT COUNT(*) FROM deliveries WHERE endpoint_id = ? AND status = 'delivered'", ep)[0][0])


try:
    check(ingest(1000), "1,000 events queued")
    t0 = time.time()
    p = drain()
    _, err = p.communicate(timeout=BUDGET + 30)
    took = time.time() - t0
    check(p.returncode == 0, "--drain exits 0", err[-500:])
    check(took <= BUDGET + 2, "--drain exits inside its %d s budget (%.1f s)" % (BUDGET, took))
    check(delivered() == 1000, "--drain delivered the whole queue (%d)" % delivered())
    failed_attempts = int(sql("SELECT COUNT(*) FROM attempts WHERE endpoint_id = ? AND "
                              "(status_code IS NULL OR status_code >= 300)", ep)[0][0])
    check(recv.count() == 1000 + failed_attempts,
          "the receiver got one request per delivery plus retries (%d, %d retried)" % (recv.count(), failed_attempts))
    check(int(sql("SELECT COUNT(*) FROM deliveries WHERE endpoint_id = ? AND claimed_by IS NOT NULL", ep)[0][0]) == 0,
          "--drain leaves no claim behind")

    check(ingest(1000), "1,000 more events queued")
    p1, p2 = drain(), drain()
    p1.communicate(timeout=BUDGET + 30)
    p2.communicate(timeout=BUDGET + 30)
    check(p1.returncode == 0 and p2.returncode == 0, "two overlapping --drain runs both exit 0")
    check(delivered() == 2000, "overlapping runs delivered everything (%d)" % delivered())
    ids = collections.Counter(req["headers"].get("x-momentumpro-delivery") for req in recv.requests)
    dup = [k for k, v in ids.items() if v > 1]
    # At-least-once: a delivery may arrive again only if an attempt of it
    # failed (the receiver dropped the connection); never because two
    # runs claimed it.
    retried = set(r[0] for r in sql("SELECT delivery_id FROM attempts WHERE endpoint_id = ? "
                                    "AND (status_code IS NULL OR status_code >= 300)", ep))
    check(len(ids) == 2000 and all(k in retried for k in dup),
          "each delivery arrived once, or again only after a failed attempt (%d ids, %d duplicated)"
          % (len(ids), len(dup)))
finally:
    recv.close()
    sql("UPDATE deliveries SET status = 'failed' WHERE endpoint_id = ? AND status = 'pending'", ep)
done()
