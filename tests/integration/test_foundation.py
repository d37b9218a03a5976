"""Foundation: /healthz through both servers, migrations, webhooksctl."""
import json
import subprocess
import threading

from whtest import (SERVERS, check, ctl, done, http_request, new_tenant, sql)

for name, base in SERVERS:
    r = http_request(base, "GET", "/healthz")
    check(r.status == 200 and r.json() == {"status": "ok", "database": "reachable"},
          "healthz through %s says the database is reachable" % name, r)

# Migrations: already applied by ./dev test; running again changes nothing.
rc, out, err = ctl("migrate")
check(rc == 0 and "applied 0" in out or "(0 applied now)" in out,
      "migrate a second time applies nothing", (rc, out, err))
rows = sql("SELECT version, state FROM schema_migrations ORDER BY version")
check(len(rows) >= 2 and all(r[1] == "done" for r in rows),
      "every migration is recorded as done", rows)
rc, out, err = ctl("migrate", "--dry-run")
check(rc == 0 and "would apply" not in out and "would load" in out,
      "migrate --dry-run on an up-to-date schema lists nothing to apply", out)

# Two migrators at once on a fresh database agree.
sql("DROP DATABASE IF EXISTS webhooks_race")
sql("CREATE DATABASE webhooks_race")
sql("GRANT ALL ON webhooks_race.* TO 'webhooks'@'127.0.0.1'")
import os
from whtest import CONFIG, RUN
race_conf = os.path.join(RUN, "race.conf")
with open(CONFIG) as f:
    text = f.read().replace("name = webhooks", "name = webhooks_race")
with open(race_conf, "w") as f:
    f.write(text)
results = []


def run():
    results.append(ctl("migrate", config=race_conf))


threads = [threading.Thread(target=run) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
check(all(r[0] == 0 for r in results), "three concurrent migrates all succeed",
      results)
applied = sum(int(r[1].split("(")[1].split()[0]) for r in results if "(" in r[1])
nmig = len([f for f in os.listdir(os.path.join(os.environ["WH_TOP"], "sql"))
            if f[:3].isdigit() and f.endswith(".sql")])
check(applied == nmig, "each migration was applied exactly once across them",
      [r[1] for r in results])
n = subprocess.run(["mariadb", "--no-defaults", "-uroot", "--socket=" + os.environ["WH_DB_SOCKET"],
                    "-N", "-B", "webhooks_race", "-e", "SELECT COUNT(*) FROM event_types"],
                   capture_output=True, text=True).stdout.strip()
check(int(n or 0) >= 60, "the catalog is loaded by migrate (%s types)" % n)
sql("DROP DATABASE webhooks_race")

# The catalog survives and subscriptions are untouched by a re-run.
n = int(sql("SELECT COUNT(*) FROM event_types")[0][0])
check(n >= 60, "event_types holds the catalog (%d)" % n)

# webhooksctl tenant / apikey / user.
rc, out, err = ctl("tenant", "create", "Acme HR")
d = json.loads(out) if rc == 0 else {}
check(rc == 0 and isinstance(d.get("tenant_id"), int) and d.get("api_key", "").startswith("mpk_"),
      "tenant create prints tenant_id and api_key", (rc, out, err))
tid = d.get("tenant_id", 0)
key = d.get("api_key", "")
rows = sql("SELECT HEX(key_hash), prefix FROM api_keys WHERE tenant_id = ?", tid)
check(len(rows) == 1 and key not in rows[0][0] and len(rows[0][1]) == 12,
      "only a hash and a short prefix of the key are stored", rows)
rc, out, err = ctl("tenant", "create", "")
check(rc != 0 and "1 to 200" in err, "tenant create refuses an empty name", err)

rc, out, err = ctl("apikey", "create", "--tenant", str(tid), "--name", "ci")
check(rc == 0 and json.loads(out)["api_key"].startswith("mpk_"), "apikey create", out)
kid = json.loads(out)["id"] if rc == 0 else 0
rc, out, err = ctl("apikey", "revoke", "--tenant", str(tid), "--id", str(kid))
check(rc == 0 and sql("SELECT revoked_at IS NOT NULL FROM api_keys WHERE id = ?", kid) == [["1"]],
      "apikey revoke marks the key revoked", (out, err))
rc, out, err = ctl("apikey", "revoke", "--tenant", str(tid), "--id", str(kid))
check(rc != 0 and "no active API key" in err, "revoking twice is an error", err)
rc, out, err = ctl("apikey", "create", "--tenant", "999999")
check(rc != 0 and "no tenant with id 999999" in err, "apikey create for an unknown tenant", err)
rc, out, err = ctl("apikey", "create", "--tenant", "abc")
check(rc == 2 and "positive number" in err, "a non-numeric tenant id is refused", err)

rc, out, err = ctl("user", "create", "--tenant", str(tid), "--email", "hr@acme.example",
                   input="a-long-password\n")
check(rc == 0 and "user_id" in out, "user create reads the password from stdin", (out, err))
rows = sql("SELECT password_hash FROM users WHERE email = 'hr@acme.example'")
check(rows and rows[0][0].startswith("$scrypt$") and "a-long-password" not in rows[0][0],
      "the password is stored only as an scrypt hash", rows)
rc, out, err = ctl("user", "create", "--tenant", str(tid), "--email", "hr@acme.example",
                   input="a-long-password\n")
check(rc != 0 and "already exists" in err, "a duplicate email is refused", err)
rc, out, err = ctl("user", "create", "--tenant", str(tid), "--email", "x@acme.example",
                   input="short\n")
check(rc != 0 and "at least 10" in err, "a short password is refused", err)
rc, out, err = ctl("user", "create", "--tenant", str(tid), "--email", "not-an-email",
                   input="a-long-password\n")
check(rc != 0 and "not an email" in err, "a malformed email is refused", err)

rc, out, err = ctl("nosuch")
check(rc == 2 and "unknown command" in err, "an unknown command is an error", err)
rc, out, err = ctl("-c", "/nonexistent.conf", "migrate")
check(rc == 2 and "/nonexistent.conf" in err, "a missing config file is named", err)

# emit: same validation as the API.
rc, out, err = ctl("emit", "--tenant", str(tid), "leave.approved", '{"id":1}')
check(rc == 0 and json.loads(out)["deliveries"] == 0, "emit stores an event", (out, err))
rc, out, err = ctl("emit", "--tenant", str(tid), "leave.nosuch", '{"id":1}')
check(rc != 0 and "unknown event type" in err, "emit refuses an unknown type", err)
rc, out, err = ctl("emit", "--tenant", str(tid), "leave.approved", '[1]')
check(rc != 0 and "must be a JSON object" in err, "emit refuses data that is not an object", err)
rc, out, err = ctl("emit", "--tenant", str(tid), "leave.approved", '{"id":')
check(rc != 0 and "line 1" in err, "emit reports where the JSON is malformed", err)

# The outbox procedure commits and rolls back with the caller.
import subprocess as sp


def mysql(q):
    return sp.run(["mariadb", "--no-defaults", "-uroot", "--socket=" + os.environ["WH_DB_SOCKET"],
                   "-N", "-B", "webhooks", "-e", q], capture_output=True, text=True)


before = int(sql("SELECT COUNT(*) FROM events WHERE tenant_id = ?", tid)[0][0])
mysql("START TRANSACTION; CALL webhooks_emit(%d, 'leave.approved', NULL, '{\"id\":7}', @e, @d); ROLLBACK;" % tid)
after = int(sql("SELECT COUNT(*) FROM events WHERE tenant_id = ?", tid)[0][0])
check(after == before, "webhooks_emit disappears with the caller's rollback")
p = mysql("START TRANSACTION; CALL webhooks_emit(%d, 'leave.approved', '2026-04-29T14:32:11Z', '{\"id\":7}', @e, @d); COMMIT; SELECT @e, @d;" % tid)
after = int(sql("SELECT COUNT(*) FROM events WHERE tenant_id = ?", tid)[0][0])
check(after == before + 1 and p.stdout.strip().split("\t")[1] == "0",
      "webhooks_emit commits with the caller's transaction", p.stdout + p.stderr)
p = mysql("CALL webhooks_emit(%d, 'nope.nope', NULL, '{}', @e, @d)" % tid)
check(p.returncode != 0 and "unknown event type" in p.stderr, "webhooks_emit refuses an unknown type", p.stderr)
p = mysql("CALL webhooks_emit(%d, 'leave.approved', NULL, '[1]', @e, @d)" % tid)
check(p.returncode != 0 and "JSON object" in p.stderr, "webhooks_emit refuses non-object data", p.stderr)
p = mysql("CALL webhooks_emit(%d, 'leave.approved', 'yesterday', '{}', @e, @d)" % tid)
check(p.returncode != 0 and "RFC 3339" in p.stderr, "webhooks_emit refuses a bad occurred_at", p.stderr)

done()
