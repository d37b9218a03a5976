"""The OpenAPI document (www/openapi.json, served at GET
/api/v1/openapi.json) against the API as it really answers.

Named to run after every other integration test: whtest.py records each
/api/v1 exchange of the suite (WH_RUN/api-exchanges.jsonl), and this test
first adds a sweep over every operation, then has
tests/browser/openapi_check.mjs validate the document (a real OpenAPI 3.1
validator) and every recorded response (ajv, JSON Schema 2020-12) against
its operation's schema for that status.  It also proves the checker
fails on a document that is wrong, and generates a TypeScript client
from the document (openapi-typescript), compiles it and calls the API
with it."""
import json
import os
import shutil
import subprocess
import tempfile
import time

from whtest import API_LOG, SERVERS, TOP, api, check, done, http_request, new_tenant

DOC = os.path.join(TOP, "www", "openapi.json")
NODE_DIR = os.path.join(TOP, "tests", "browser")
CHECKER = os.path.join(NODE_DIR, "openapi_check.mjs")
# The sweep below records about 80; the whole suite several thousand.
MIN_RECORDED = 60

with open(DOC, "rb") as f:
    doc_bytes = f.read()

# ------------------------------------------------------------ the document is served
for name, base in SERVERS:
    r = http_request(base, "GET", "/api/v1/openapi.json")
    check(r.status == 200 and r.body == doc_bytes and (r.header("Content-Type") or "").startswith("application/json"),
          "%s: GET /api/v1/openapi.json serves www/openapi.json, without an API key" % name, r)

# ------------------------------------------------------------ a sweep over every operation
tid, key = new_tenant("OpenAPI sweep")
_, other_key = new_tenant("OpenAPI sweep, other tenant")
stamp = int(time.time() * 1000)
for name, base in SERVERS:
    api(base, "GET", "/api/v1/event-types", key)
    api(base, "GET", "/api/v1/event-types", None)
    api(base, "GET", "/api/v1/event-types", "mpk_not-a-key")
    api(base, "POST", "/api/v1/events", key, {"event": "leave.approved", "data": {"id": 1}})
    api(base, "POST", "/api/v1/events", key, [{"event": "leave.approved", "data": {"id": 2}},
                                              {"event": "leave.approved", "data": {"id": 3},
                                               "occurred_at": "2026-04-29T14:32:11Z"}])
    idem = {"Idempotency-Key": "sweep-%s-%d" % (name, stamp)}
    api(base, "POST", "/api/v1/events", key, {"event": "leave.approved", "data": {}}, idem)
    api(base, "POST", "/api/v1/events", key, {"event": "leave.approved", "data": {}}, idem)
    api(base, "POST", "/api/v1/events", key, {"event": "no.such_type", "data": {}})
    api(base, "POST", "/api/v1/events", key, {"event": "leave.approved"})
    api(base, "POST", "/api/v1/events", key, [])
    api(base, "POST", "/api/v1/events", key, "{", {"Content-Type": "application/json"})
    api(base, "POST", "/api/v1/events", key, "x", {"Content-Type": "text/plain"})
    api(base, "POST", "/api/v1/events", key, {"event": "leave.approved", "data": {}}, {"Idempotency-Key": "\u00e9"})
    api(base, "POST", "/api/v1/events", key, '{"event":"leave.approved","data":{"x":"' + "a" * (1100 * 1024) + '"}}',
        {"Content-Type": "application/json"})
    api(base, "GET", "/api/v1/events", key)
    api(base, "GET", "/api/v1/no-such-thing", key)

    r = api(base, "POST", "/api/v1/endpoints", key,
            {"url": "http://127.0.0.1:9/sweep", "events": ["leave.*"], "description": "sweep",
             "filters": [{"path": "data.id", "op": "gt", "value": 0}], "headers": {"X-Sweep": "yes"}})
    ep = (r.json() or {}).get("id", 1)
    api(base, "POST", "/api/v1/endpoints", key, {"url": "ftp://example.com", "events": ["*"]})
    api(base, "POST", "/api/v1/endpoints", key, {"url": "http://127.0.0.1:9/x"})
    api(base, "POST", "/api/v1/endpoints", key, {"url": "http://127.0.0.1:9/x", "events": ["*"], "colour": 1})
    api(base, "GET", "/api/v1/endpoints", key)
    api(base, "GET", "/api/v1/endpoints?limit=1", key)
    api(base, "GET", "/api/v1/endpoints?limit=0", key)
    api(base, "GET", "/api/v1/endpoints/%d" % ep, key)
    api(base, "GET", "/api/v1/endpoints/%d" % ep, other_key)
    api(base, "PATCH", "/api/v1/endpoints/%d" % ep, key, {"description": "swept", "enabled": False})
    api(base, "PATCH", "/api/v1/endpoints/%d" % ep, key, {"enabled": "yes"})
    api(base, "PATCH", "/api/v1/endpoints/%d" % ep, key, {"enabled": True})
    api(base, "POST", "/api/v1/endpoints/%d/rotate-secret" % ep, key, {"overlap": "1h"})
    api(base, "POST", "/api/v1/endpoints/%d/rotate-secret" % ep, key)
    api(base, "POST", "/api/v1/endpoints/%d/rotate-secret" % ep, key, {"overlap": "9d"})
    r = api(base, "POST", "/api/v1/endpoints/%d/test" % ep, key, {"event": "leave.approved"})
    dl = (r.json() or {}).get("delivery_id", 1)
    api(base, "POST", "/api/v1/endpoints/%d/test" % ep, key)
    api(base, "POST", "/api/v1/endpoints/%d/test" % ep, key, {"event": "no.such_type"})
    api(base, "POST", "/api/v1/endpoints/%d/recover" % ep, key, {"since": "2020-01-01T00:00:00Z"})
    api(base, "POST", "/api/v1/endpoints/%d/recover" % ep, key,
        {"since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600)), "statuses": ["dropped"]})
    api(base, "GET", "/api/v1/endpoints/%d/deliveries" % ep, key)
    api(base, "GET", "/api/v1/endpoints/%d/deliveries?status=pending&limit=1" % ep, key)
    api(base, "GET", "/api/v1/endpoints/%d/deliveries?status=lost" % ep, key)
    api(base, "GET", "/api/v1/endpoints/%d/deliveries" % ep, other_key)
    api(base, "GET", "/api/v1/deliveries/%d" % dl, key)
    api(base, "GET", "/api/v1/deliveries/%d" % dl, other_key)
    api(base, "POST", "/api/v1/deliveries/%d/redeliver" % dl, key)
    api(base, "POST", "/api/v1/deliveries/%d/redeliver" % dl, other_key)
    api(base, "POST", "/api/v1/admin-links", key, {"email": "sweep-%s-%d@acme.example" % (name, stamp)})
    api(base, "POST", "/api/v1/admin-links", key, {"email": "sweep@acme.example", "redirect": "//evil.example"})
    api(base, "DELETE", "/api/v1/endpoints/%d" % ep, key)
    api(base, "DELETE", "/api/v1/endpoints/%d" % ep, key)
    api(base, "GET", "/api/v1/openapi.json")

# ------------------------------------------------------------ validate
node = shutil.which("node")
if node is None or not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "ajv")):
    check(False, "the OpenAPI checks need node and: (cd tests/browser && npm ci)")
    done()

p = subprocess.run([node, CHECKER, DOC, API_LOG, str(MIN_RECORDED)], capture_output=True, text=True,
                   cwd=NODE_DIR, timeout=600)
for line in p.stdout.splitlines():
    print(line, flush=True)
check(p.returncode == 0 and "not ok" not in p.stdout,
      "every recorded API response matches the OpenAPI document", p.stderr[-2000:])
with open(API_LOG, encoding="utf-8") as f:
    tests = {json.loads(line).get("test") for line in f}
print("# responses recorded from: %s" % ", ".join(sorted(t for t in tests if t)), flush=True)

# ------------------------------------------------------------ the checker can fail
tmp = tempfile.mkdtemp(prefix="openapi-", dir=os.environ.get("WH_RUN"))
wrong = json.loads(doc_bytes)
wrong["components"]["schemas"]["Endpoint"]["properties"]["id"] = {"type": "string"}
wrong_doc = os.path.join(tmp, "wrong.json")
with open(wrong_doc, "w") as f:
    json.dump(wrong, f)
p2 = subprocess.run([node, CHECKER, wrong_doc, API_LOG, "1"], capture_output=True, text=True, cwd=NODE_DIR)
check(p2.returncode != 0 and "body does not match the schema" in p2.stdout and "/id" in p2.stdout,
      "the checker fails on a document whose Endpoint id is a string, naming the request and the schema error",
      p2.stdout[-1500:])
del wrong["components"]["schemas"]["Endpoint"]["properties"]["id"]
wrong["paths"]["/api/v1/admin-links"]["post"]["responses"].pop("422")
wrong["info"] = 5
with open(wrong_doc, "w") as f:
    json.dump(wrong, f)
p2 = subprocess.run([node, CHECKER, wrong_doc, API_LOG, "1"], capture_output=True, text=True, cwd=NODE_DIR)
check("not ok - the document is valid OpenAPI 3.1" in p2.stdout,
      "the checker finds a document that is not valid OpenAPI 3.1", p2.stdout[:800])
check("POST /api/v1/admin-links 422: status not documented" in p2.stdout,
      "the checker fails on a status the document does not list", p2.stdout[-1500:])
records = os.path.join(tmp, "few.jsonl")
with open(records, "w") as f:
    f.write(json.dumps({"method": "GET", "path": "/api/v1/openapi.json", "status": 200,
                        "content_type": "application/json", "body": "{}"}) + "\n")
p2 = subprocess.run([node, CHECKER, DOC, records, str(MIN_RECORDED)], capture_output=True, text=True, cwd=NODE_DIR)
check(p2.returncode != 0 and "not ok - 1 API responses were recorded" in p2.stdout
      and "not ok - every operation in the document was exercised" in p2.stdout,
      "the checker fails when too few responses were recorded or an operation was never exercised", p2.stdout[-800:])

# ------------------------------------------------------------ a client generated from the document
gen = os.path.join(NODE_DIR, "node_modules", "openapi-typescript", "bin", "cli.js")
tsc = os.path.join(NODE_DIR, "node_modules", "typescript", "bin", "tsc")
p3 = subprocess.run([node, gen, DOC, "-o", os.path.join(tmp, "api.d.ts")], capture_output=True, text=True,
                    cwd=NODE_DIR, timeout=300)
ok = p3.returncode == 0 and os.path.exists(os.path.join(tmp, "api.d.ts"))
types = open(os.path.join(tmp, "api.d.ts")).read() if ok else ""
check(ok and '"/api/v1/admin-links"' in types and "createAdminLink" in types,
      "openapi-typescript generates the client's types from the document", p3.stderr[-1500:])
with open(os.path.join(tmp, "client.ts"), "w") as f:
    f.write("""// The README's example: a typed client from openapi-typescript's output.
import type { paths } from "./api";

type LinkBody = paths["/api/v1/admin-links"]["post"]["requestBody"]["content"]["application/json"];
type Link = paths["/api/v1/admin-links"]["post"]["responses"][201]["content"]["application/json"];
type Endpoints = paths["/api/v1/endpoints"]["get"]["responses"][200]["content"]["application/json"];

export async function adminLink(base: string, key: string, body: LinkBody): Promise<Link> {
  const r = await fetch(base + "/api/v1/admin-links", {
    method: "POST",
    headers: { Authorization: "Bearer " + key, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (r.status !== 201) throw new Error("admin-links answered " + r.status);
  return (await r.json()) as Link;
}

export async function endpointUrls(base: string, key: string): Promise<string[]> {
  const r = await fetch(base + "/api/v1/endpoints", { headers: { Authorization: "Bearer " + key } });
  const page = (await r.json()) as Endpoints;
  return page.data.map((e) => e.url);
}

const [base, key, email] = process.argv.slice(2);
const link = await adminLink(base, key, { email, redirect: "/admin/webhooks" });
console.log(JSON.stringify({ url: link.url, expires_at: link.expires_at, endpoints: await endpointUrls(base, key) }));
""")
with open(os.path.join(tmp, "package.json"), "w") as f:
    f.write('{"type": "module"}\n')
with open(os.path.join(tmp, "node.d.ts"), "w") as f:
    f.write("declare const process: { argv: string[] };\n")
p4 = subprocess.run([node, tsc, "--strict", "--target", "es2022", "--module", "es2022", "--lib", "es2022,dom",
                     "--outDir", os.path.join(tmp, "out"), os.path.join(tmp, "client.ts"),
                     os.path.join(tmp, "node.d.ts")], capture_output=True, text=True, cwd=NODE_DIR, timeout=300)
check(p4.returncode == 0, "the client written against the generated types compiles (tsc --strict)",
      (p4.stdout + p4.stderr)[-1500:])
with open(os.path.join(tmp, "out", "package.json"), "w") as f:
    f.write('{"type": "module"}\n')
email = "client-%d@acme.example" % stamp
p5 = subprocess.run([node, os.path.join(tmp, "out", "client.js"), SERVERS[0][1], key, email],
                    capture_output=True, text=True, timeout=60) if p4.returncode == 0 else None
out = json.loads(p5.stdout) if p5 is not None and p5.returncode == 0 else {}
check(out.get("url", "").startswith(SERVERS[0][1] + "/admin/link?token=") and isinstance(out.get("endpoints"), list),
      "the generated client makes a sign-in link and lists endpoints", p5 and (p5.stdout + p5.stderr)[-800:])

done()
