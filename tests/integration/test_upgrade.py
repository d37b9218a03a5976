"""Upgrades: a database holding data under the first schema is migrated to
the latest; nothing is lost, --dry-run lists what would run, and a second
run is a no-op.  Secrets sealed in the old unbound format (v1) are
re-sealed bound to their row (v2), checked with Node's crypto, not ours."""
import base64
import os
import shutil
import subprocess

from whtest import CONFIG, RUN, TOP, check, ctl, done

DB = "webhooks_upgrade"
SOCK = os.environ["WH_DB_SOCKET"]


def q(sql_text, db=DB):
    p = subprocess.run(["mariadb", "--no-defaults", "-uroot", "--socket=" + SOCK, "-N", "-B", db,
                        "-e", sql_text], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr)
    return [line.split("\t") for line in p.stdout.splitlines()]


q("DROP DATABASE IF EXISTS %s; CREATE DATABASE %s; GRANT ALL ON %s.* TO 'webhooks'@'127.0.0.1'" % (DB, DB, DB),
  db="mysql")
conf = os.path.join(RUN, "upgrade.conf")
with open(CONFIG) as f:
    text = f.read().replace("name = webhooks", "name = " + DB)
with open(conf, "w") as f:
    f.write(text)

sqldir = os.path.join(TOP, "sql")
migrations = sorted(x for x in os.listdir(sqldir) if x[:3].isdigit() and x.endswith(".sql"))
first = os.path.join(RUN, "sql-first")
shutil.rmtree(first, ignore_errors=True)
os.makedirs(first)
for name in migrations[:2] + ["catalog.json"]:
    shutil.copy(os.path.join(sqldir, name), first)

rc, out, err = ctl("migrate", "--sql-dir", first, config=conf)
check(rc == 0, "the first schema applies on an empty database", (out, err))

# Data as a tenant would have it under the first schema.
q("INSERT INTO tenants (id, name) VALUES (1, 'Acme')")
q("INSERT INTO api_keys (tenant_id, key_hash, prefix) VALUES (1, UNHEX(SHA2('k', 256)), 'mpk_upgrade')")
KEY = os.path.join(os.path.dirname(conf), "webhooks.key")
SEALTOOL = os.path.join(TOP, "tests", "integration", "sealtool.js")
OLD_SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()


def sealtool(*args):
    p = subprocess.run(["node", SEALTOOL] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout.strip()


v1 = sealtool("seal-v1", KEY, OLD_SECRET)[1]
v1_headers = sealtool("seal-v1", KEY, "Authorization: Bearer old-token\n")[1]
check(v1.startswith("v1:"), "a secret sealed the old way (v1)", v1)
q("INSERT INTO endpoints (id, tenant_id, url, description, secret_sealed, standard_webhooks) "
  "VALUES (5, 1, 'https://hooks.example.com/a', 'kept', '%s', 1)" % v1)
q("INSERT INTO endpoint_events (endpoint_id, tenant_id, pattern) VALUES (5, 1, 'leave.*'), (5, 1, 'incident.reported')")
for i in range(200):
    q("INSERT INTO events (tenant_id, event_type, occurred_at, data) VALUES (1, 'leave.approved', "
      "'2026-04-29T14:32:11Z', '{\"id\": %d, \"name\": \"Zo\\\\u00eb\"}')" % i)
q("INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status, attempts) "
  "SELECT 1, id, 5, IF(id % 2, 'delivered', 'pending'), 1 FROM events")
q("INSERT INTO attempts (delivery_id, endpoint_id, started_at, duration_ms, status_code) "
  "SELECT id, 5, NOW(3), 12, 200 FROM deliveries WHERE status = 'delivered'")
before = {t: q("SELECT COUNT(*) FROM %s" % t)[0][0]
          for t in ("tenants", "api_keys", "endpoints", "endpoint_events", "events", "deliveries", "attempts")}
data_before = q("SELECT MD5(GROUP_CONCAT(data ORDER BY id SEPARATOR '|')) FROM events")

rc, out, err = ctl("migrate", "--dry-run", config=conf)
later = migrations[2:]
check(rc == 0 and all(("would apply " + m) in out for m in later) and migrations[0] not in out,
      "migrate --dry-run lists exactly the migrations still to apply (%d)" % len(later), out)
check(q("SELECT COUNT(*) FROM schema_migrations")[0][0] == "2", "--dry-run applies nothing")

rc, out, err = ctl("migrate", config=conf)
check(rc == 0 and all(("applied " + m) in out for m in later), "migrate upgrades to the latest schema", (out, err))
after = {t: q("SELECT COUNT(*) FROM %s" % t)[0][0] for t in before}
check(after == before, "no row was lost in the upgrade", (before, after))
check(q("SELECT MD5(GROUP_CONCAT(data ORDER BY id SEPARATOR '|')) FROM events") == data_before,
      "event data is byte for byte the same after the upgrade")
check(q("SELECT url, description, standard_webhooks FROM endpoints WHERE id = 5")
      == [["https://hooks.example.com/a", "kept", "1"]],
      "endpoint settings survive the upgrade (Standard Webhooks stays as it was)")
sealed = q("SELECT secret_sealed FROM endpoints WHERE id = 5")[0][0]
check(sealed.startswith("v2:") and "re-sealed 1 secret " in out,
      "migrate re-seals old v1 values bound to their row (v2)", (sealed, out))
check(sealtool("open", KEY, sealed, "momentumpro-webhooks/v2/endpoints/secret_sealed/5/1") == (0, OLD_SECRET),
      "the re-sealed secret opens with its row's associated data and is the same secret")
check(sealtool("open", KEY, sealed, "momentumpro-webhooks/v2/endpoints/secret_sealed/5/2")[0] == 1
      and sealtool("open", KEY, sealed, "momentumpro-webhooks/v2/endpoints/secret_sealed/6/1")[0] == 1,
      "the re-sealed secret does not open as another tenant's or another row's")
check(sorted(r[0] for r in q("SELECT pattern FROM endpoint_events WHERE endpoint_id = 5"))
      == ["incident.reported", "leave.*"], "subscriptions survive the upgrade")
n = int(q("SELECT COUNT(*) FROM schema_migrations WHERE state = 'done'")[0][0])
check(n == len(migrations), "every migration is recorded once (%d)" % n)
rc, out, err = ctl("migrate", config=conf)
check(rc == 0 and "(0 applied now)" in out and "re-sealed" not in out, "a second run is a no-op", out)
q("UPDATE endpoints SET headers_sealed = '%s' WHERE id = 5" % v1_headers)
rc, out, err = ctl("migrate", config=conf)
hdrs = q("SELECT headers_sealed FROM endpoints WHERE id = 5")[0][0]
check(rc == 0 and "re-sealed 1 secret " in out
      and sealtool("open", KEY, hdrs, "momentumpro-webhooks/v2/endpoints/headers_sealed/5/1")
      == (0, "Authorization: Bearer old-token"),
      "custom headers sealed the old way are re-sealed too, the same headers", (out, err))
q("UPDATE endpoints SET secret_sealed = 'v1:bm90IGEgc2VhbGVkIHZhbHVlIGF0IGFsbA==' WHERE id = 5")
rc, out, err = ctl("migrate", config=conf)
check(rc == 1 and "endpoint 5: secret_sealed does not open" in err and "did not open" in err,
      "a v1 value that does not open with the master key fails migrate, saying which", (out, err))
q("DROP DATABASE %s" % DB, db="mysql")
done()
