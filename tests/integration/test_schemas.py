"""Event schemas: ajv (draft 2020-12 with ajv-formats) accepts every
catalog schema and validates every example against it, and refuses the
broken samples of tests/schema/samples.json; `webhooksctl catalog check`
(the C validator) agrees with ajv on every sample, from the catalog file
and from the database; migrate refuses a catalog without schemas; the API
serves each schema and the catalog page shows it, escaped."""
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse

from whtest import SERVERS, TOP, api, check, ctl, done, http_request, new_tenant, sql

CATALOG = os.path.join(TOP, "sql", "catalog.json")
SAMPLES = os.path.join(TOP, "tests", "schema", "samples.json")
SCRIPT = os.path.join(TOP, "tests", "browser", "schema_check.mjs")
AJV = os.path.join(TOP, "tests", "browser", "node_modules", "ajv")

with open(CATALOG, encoding="utf-8") as f:
    catalog = json.load(f)
with open(SAMPLES, encoding="utf-8") as f:
    samples = json.load(f)
tmp = tempfile.mkdtemp(prefix="wh-schemas-")


def write(name, obj):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        if isinstance(obj, str):
            f.write(obj)
        else:
            json.dump(obj, f)
    return path


# --------------------------------------------------------------- ajv
have_ajv = shutil.which("node") is not None and os.path.isdir(AJV)
check(have_ajv, "node and ajv are installed (cd tests/browser && npm ci)")
verdicts = {}
if have_ajv:
    p = subprocess.run(["node", SCRIPT, CATALOG, SAMPLES], capture_output=True, text=True)
    lines = p.stdout.splitlines()
    bad = [l for l in lines if l.startswith("not ok")]
    oks = [l for l in lines if l.startswith("ok - ")]
    check(p.returncode == 0 and not bad and len(oks) == 2 * len(catalog) + len(samples),
          "ajv: all %d schemas are valid draft 2020-12, every example validates, every sample "
          "gets its stated verdict (%d checks)" % (len(catalog), len(oks)),
          "\n".join(bad) or p.stdout[-1500:] + p.stderr[-500:])
    check(sum(1 for l in oks if "the example validates" in l) == len(catalog) == 102,
          "ajv: the examples of all 102 types were validated")

    # The checker must be able to fail: a catalog with a broken example,
    # and one with a schema that is not valid JSON Schema.
    broken = json.loads(json.dumps(catalog))
    broken[0]["example"]["id"] = "forty-five"
    p = subprocess.run(["node", SCRIPT, write("broken-example.json", broken), SAMPLES],
                       capture_output=True, text=True)
    check(p.returncode != 0 and "not ok - %s: the example validates" % broken[0]["name"] in p.stdout,
          "ajv: an example that does not match its schema fails the check", p.stdout[-800:])
    broken = json.loads(json.dumps(catalog))
    broken[1]["schema"]["properties"]["id"]["type"] = "int"
    p = subprocess.run(["node", SCRIPT, write("broken-schema.json", broken), SAMPLES],
                       capture_output=True, text=True)
    check(p.returncode != 0 and "not ok - %s: the schema is valid" % broken[1]["name"] in p.stdout,
          "ajv: a schema that is not valid draft 2020-12 fails the check", p.stdout[-800:])

    p = subprocess.run(["node", SCRIPT, CATALOG, SAMPLES, "--verdicts"], capture_output=True, text=True)
    for line in p.stdout.splitlines():
        d = json.loads(line)
        verdicts[d["index"]] = d["valid"]
    check(p.returncode == 0 and len(verdicts) == len(samples),
          "ajv gives a verdict on each of the %d samples" % len(samples), p.stdout[-500:])

# ------------------------------------------- webhooksctl catalog check
for source, extra in (("catalog file", ["--catalog", CATALOG]), ("database", [])):
    agree = []
    for i, s in enumerate(samples):
        path = write("sample-%d.json" % i, {"event": s["event"], "data": s["data"]})
        rc, out, err = ctl("catalog", "check", *extra, path)
        want = verdicts.get(i, s["valid"])
        if rc != (0 if want else 1) or want != s["valid"]:
            agree.append((i, s["why"], want, rc, out, err))
    check(not agree, "catalog check (%s) agrees with ajv on all %d samples" % (source, len(samples)),
          agree)
    everything = [{"event": t["name"], "data": t["example"]} for t in catalog]
    rc, out, err = ctl("catalog", "check", *extra, write("all.json", everything))
    check(rc == 0 and out.strip().endswith(": valid"),
          "catalog check (%s): a batch of every example is valid" % source, out + err)

catalog_ex = next(t["example"] for t in catalog if t["name"] == "leave.approved")
bad = {"event": "leave.approved", "data": dict(catalog_ex)}
bad["data"]["employee_id"] = "45"
bad["data"]["from"] = "10/05/2026"
del bad["data"]["id"]
rc, out, err = ctl("catalog", "check", "--catalog", CATALOG, write("bad.json", bad))
check(rc == 1 and "data.employee_id: expected integer, got string" in out
      and 'data.from: expected a date (YYYY-MM-DD), got "10/05/2026"' in out
      and "data.id: required, missing" in out and "3 violations" in err,
      "catalog check names each violation by its JSON path, exit 1", (rc, out, err))
rc, out, err = ctl("catalog", "check", "--catalog", CATALOG,
                   write("batch.json", [{"event": "leave.approved", "data": catalog_ex}, bad]))
check(rc == 1 and "[1].data.employee_id: expected integer, got string" in out
      and "[0]" not in out, "catalog check of a batch names the event's index", (rc, out, err))
rc, out, err = ctl("catalog", "check", "--catalog", CATALOG, write("notobj.json", [1, bad]))
check(rc == 1 and out.startswith('[0]: expected an object {"event", "data"}\n')
      and "[1].data.id: required, missing" in out,
      "catalog check of a batch: an element that is not an object is named", (rc, out, err))
rc, out, err = ctl("catalog", "check", "--catalog", CATALOG,
                   write("unknown.json", {"event": "leave.unknown", "data": {}}))
check(rc == 1 and "event: 'leave.unknown' is not a type of the catalog" in out,
      "catalog check: an unknown type is invalid", (rc, out, err))
rc, out, err = ctl("catalog", "check", "--catalog", CATALOG, write("notjson.json", "{\"event\": "))
check(rc == 1 and "not JSON" in out, "catalog check: a file that is not JSON is invalid", (rc, out, err))
rc, out, err = ctl("catalog", "check", "--catalog", CATALOG, write("nodata.json", {"event": "leave.approved"}))
check(rc == 1 and "data: required, missing" in out, "catalog check: an event without data is invalid",
      (rc, out, err))
for args in ([], ["check"], ["check", "a", "b"], ["verify", "x"], ["check", "--bogus", "x"]):
    rc, out, err = ctl("catalog", *args)
    check(rc == 2 and "usage" in err, "catalog %s: usage, exit 2" % " ".join(args), (rc, out, err))
rc, out, err = ctl("catalog", "check", "--catalog", CATALOG, os.path.join(tmp, "missing.json"))
check(rc == 2 and "missing.json" in err, "catalog check: an unreadable file is exit 2", (rc, out, err))
nocat = json.loads(json.dumps(catalog))
del nocat[5]["schema"]
rc, out, err = ctl("catalog", "check", "--catalog", write("nocat.json", nocat), write("ok.json", bad))
check(rc == 2 and "schema object" in err, "catalog check: a catalog without schemas is refused", (rc, out, err))

# ---------------------------------------------------------- migrate
sqldir = os.path.join(tmp, "sql")
shutil.copytree(os.path.join(TOP, "sql"), sqldir)
with open(os.path.join(sqldir, "catalog.json"), "w", encoding="utf-8") as f:
    json.dump(nocat, f)
rc, out, err = ctl("migrate", "--dry-run", "--sql-dir", sqldir)
check(rc != 0 and "entry 6 needs" in err and "schema object" in err,
      "migrate refuses a catalog whose entry has no schema", (rc, out, err))
with open(os.path.join(sqldir, "catalog.json"), "w", encoding="utf-8") as f:
    json.dump(broken if have_ajv else nocat, f)
rc, out, err = ctl("migrate", "--dry-run", "--sql-dir", sqldir)
check(rc != 0 and "schema" in err, "migrate refuses a catalog with a schema it cannot check", (rc, out, err))
rows = sql("SELECT COUNT(*) FROM event_types WHERE data_schema IS NULL OR data_schema NOT LIKE '{%'")
check(rows == [["0"]], "migrate stored a schema for every type in event_types.data_schema", rows)

# ------------------------------------------------------ API and page
tid, key = new_tenant("Schemas tenant")
by_name = {t["name"]: t for t in catalog}
stamp = "%d-%d" % (os.getpid(), int(time.time() * 1000))
email = "schemas-%s@acme.example" % stamp
rc, out, err = ctl("user", "create", "--tenant", str(tid), "--email", email, input="correct-horse-battery\n")
check(rc == 0, "an admin user for the catalog page", err)
for name, base in SERVERS:
    r = api(base, "GET", "/api/v1/event-types", key)
    data = (r.json() or {}).get("data", [])
    same = [t["name"] for t in data if t.get("schema") != by_name.get(t["name"], {}).get("schema")]
    check(r.status == 200 and len(data) >= 102 and not same,
          "%s: GET /api/v1/event-types serves each type's schema as an object, as in catalog.json" % name,
          same or r)

    page = http_request(base, "GET", "/admin/login")
    m = re.search(rb'name="csrf" value="([^"]+)"', page.body)
    r = http_request(base, "POST", "/admin/login",
                     urllib.parse.urlencode({"email": email, "password": "correct-horse-battery",
                                             "csrf": m.group(1).decode() if m else ""}),
                     {"Content-Type": "application/x-www-form-urlencoded"})
    cookie = next((v for k, v in r.headers if k.lower() == "set-cookie"), "").split(";")[0]
    r = http_request(base, "GET", "/admin/webhooks/event-catalog", headers={"Cookie": cookie})
    body = r.body.decode("utf-8", "replace")
    n = body.count('<details class="schema"><summary>JSON Schema of <code>data</code></summary>')
    art = re.search(r'<article class="event-type" id="employee.probation_ended">(.*?)</article>', body, re.S)
    shown = re.findall(r'<details class="schema">.*?<pre[^>]*><code>(.*?)</code></pre>', art.group(1), re.S) \
        if art else []
    parsed = None
    try:
        parsed = json.loads(html.unescape(shown[0])) if shown else None
    except ValueError:
        pass
    check(r.status == 200 and n == body.count('<article class="event-type"') and n >= 102,
          "%s: the catalog page has a closed JSON Schema disclosure beside each example (%d)" % (name, n))
    check(parsed == by_name["employee.probation_ended"]["schema"] and "&quot;$schema&quot;" in shown[0]
          and '"' not in shown[0] and "\n    &quot;" in shown[0],
          "%s: the schema on the page is the catalog's, pretty-printed and escaped" % name,
          shown[:1])

shutil.rmtree(tmp, ignore_errors=True)
done()
