// Checks www/openapi.json against the API as it answered in the
// integration tests.  Prints TAP ("ok - ..." / "not ok - ...").
//
//   node openapi_check.mjs DOCUMENT RECORDS.jsonl MIN
//
// 1. The document itself is valid OpenAPI 3.1 (@seriousme/
//    openapi-schema-validator, the OpenAPI Initiative's JSON Schemas).
// 2. Every exchange recorded by tests/integration/whtest.py (one JSON
//    line each: method, path, status, content_type, body, request) is
//    matched to its operation, and its body validated with ajv in the
//    2020-12 dialect against that operation's response schema for the
//    status.  A status the operation does not document fails; so does a
//    404 or 405 outside the document that is not an error body.
// 3. At least MIN exchanges were recorded, and every operation was seen.
import fs from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [docPath, recPath, minArg] = process.argv.slice(2);
const min = Number(minArg || 1);
let failed = 0;
function check(ok, name, detail) {
	console.log(`${ok ? "ok" : "not ok"} - ${name}`);
	if (!ok) {
		failed++;
		if (detail)
			for (const line of String(detail).split("\n").slice(0, 40))
				console.log(`#   ${line}`);
	}
	return ok;
}

const text = fs.readFileSync(docPath, "utf8");
const doc = JSON.parse(text);
const v = new Validator();
const res = await v.validate(doc);
check(res.valid && v.version === "3.1", "the document is valid OpenAPI 3.1 " +
    "(@seriousme/openapi-schema-validator)", JSON.stringify(res.errors, null, 1));

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, "openapi.json");

const esc = (s) => s.replace(/~/g, "~0").replace(/\//g, "~1");
const deref = (o) => {
	while (o && o.$ref) {
		o = o.$ref.slice(2).split("/").reduce((a, k) =>
		    a[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
	}
	return o;
};

// Operations: regex over the path, method, and a validator per status.
const ops = [];
let compiled = true;
for (const [p, item] of Object.entries(doc.paths)) {
	const re = new RegExp("^" + p.replace(/[.?*+^$()|[\]\\]/g, "\\$&")
	    .replace(/\\?\{[^}]+\\?\}/g, "([^/]+)") + "$");
	for (const m of ["get", "post", "put", "patch", "delete"]) {
		if (!item[m]) continue;
		const op = { path: p, re, method: m.toUpperCase(), id: item[m].operationId,
		    responses: {}, seen: 0, statuses: new Set() };
		for (const [st, r0] of Object.entries(item[m].responses)) {
			const r = deref(r0);
			const entry = { media: null, validate: null };
			if (r.content) {
				entry.media = Object.keys(r.content)[0];
				// Point at the schema where it is written, so its
				// $refs resolve against the document.
				const base = r0.$ref ? r0.$ref : `#/paths/${esc(p)}/${m}/responses/${st}`;
				try {
					entry.validate = ajv.compile({ $ref: `openapi.json${base}/content/${esc(entry.media)}/schema` });
				} catch (e) {
					compiled = check(false, `${op.method} ${p} ${st}: the schema compiles`, e.message) && compiled;
				}
			}
			op.responses[st] = entry;
		}
		ops.push(op);
	}
}
check(compiled && ops.length > 0, `every response schema of the ${ops.length} operations compiles with ajv (JSON Schema 2020-12)`);
const errorValidate = ajv.compile({ $ref: "openapi.json#/components/schemas/Error" });

const lines = fs.existsSync(recPath) ? fs.readFileSync(recPath, "utf8").split("\n").filter(Boolean) : [];
check(lines.length >= min, `${lines.length} API responses were recorded (at least ${min})`);

const bad = new Map();	// key -> [count, first detail]
function fail(key, detail) {
	const b = bad.get(key);
	if (b) b[0]++;
	else bad.set(key, [1, detail]);
}
let outside = 0, byServer = 0;
for (const line of lines) {
	let x;
	try { x = JSON.parse(line); } catch (e) { fail("unreadable record", line.slice(0, 300)); continue; }
	const path = x.path.split("?")[0];
	const method = x.method === "HEAD" ? "GET" : x.method;
	const where = `request: ${x.method} ${x.path}${x.request ? " " + x.request : ""}\n` +
	    `response: ${x.status} ${x.content_type || "(no Content-Type)"} ${String(x.body).slice(0, 600)}`;
	let body;
	const parse = () => {
		try { body = JSON.parse(x.body); return true; } catch (e) { return false; }
	};
	const onPath = ops.filter((o) => o.re.test(path));
	const op = onPath.find((o) => o.method === method);
	if (!op) {
		// Outside the document: an unknown path (404) or method (405)
		// still answers with the error body.
		// A path the web server itself refuses (a raw newline or a
		// byte that is not UTF-8: lighttpd's HTML 400) never reached
		// the program, so the document has nothing to say about it.
		if (x.status === 400 && !/json/i.test(x.content_type || "")) {
			byServer++;
			continue;
		}
		outside++;
		const want = onPath.length ? 405 : 404;
		if (x.status !== want || (x.method !== "HEAD" && (!parse() || !errorValidate(body))))
			fail(`${x.method} ${path}: not in the document, answered ${x.status}`, where +
			    `\nexpected ${want} with an error body`);
		continue;
	}
	op.seen++;
	op.statuses.add(x.status);
	const key = `${op.method} ${op.path} ${x.status}`;
	const r = op.responses[String(x.status)];
	if (!r) {
		fail(`${key}: status not documented`, where);
		continue;
	}
	if (x.method === "HEAD") continue;
	if (!r.media) {
		if (x.body !== "")
			fail(`${key}: documented without a body, answered one`, where);
		continue;
	}
	if (!(x.content_type || "").toLowerCase().startsWith(r.media)) {
		fail(`${key}: Content-Type is not ${r.media}`, where);
		continue;
	}
	if (!parse()) {
		fail(`${key}: body is not JSON`, where);
		continue;
	}
	if (!r.validate(body))
		fail(`${key}: body does not match the schema`, where + "\nschema errors: " +
		    ajv.errorsText(r.validate.errors, { separator: "\n  " }).slice(0, 2000));
}
for (const op of ops) {
	const mine = [...bad.entries()].filter(([k]) => k.startsWith(`${op.method} ${op.path} `));
	check(mine.length === 0, `${op.method} ${op.path}: ${op.seen} responses (${[...op.statuses].sort().join(", ")}) match the document`,
	    mine.map(([k, [n, d]]) => `${k} (${n}x); first:\n${d}`).join("\n"));
	bad.forEach((_, k) => { if (k.startsWith(`${op.method} ${op.path} `)) bad.delete(k); });
}
check(bad.size === 0, `${outside} responses outside the document are 404 or 405 error bodies ` +
    `(${byServer} answered by the web server itself)`,
    [...bad.entries()].map(([k, [n, d]]) => `${k} (${n}x); first:\n${d}`).join("\n"));
const unseen = ops.filter((o) => o.seen === 0).map((o) => `${o.method} ${o.path}`);
check(unseen.length === 0, "every operation in the document was exercised by the tests", unseen.join("\n"));
process.exit(failed ? 1 : 0);
