// The event catalog's schemas checked with ajv (JSON Schema draft 2020-12
// with ajv-formats): every schema compiles in strict mode, every example
// validates against its own schema, and each sample of
// tests/schema/samples.json gets the verdict it states ("valid": true or
// false).  Prints TAP lines; with --verdicts prints instead one JSON line
// per sample, {"index", "valid"}, for a cross-check with webhooksctl.
//
//   node tests/browser/schema_check.mjs [CATALOG [SAMPLES]] [--verdicts]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const verdicts = process.argv.includes('--verdicts');
const catalogPath = args[0] || join(here, '../../sql/catalog.json');
const samplesPath = args[1] || join(here, '../schema/samples.json');

let passed = 0;
let failed = 0;
function check(cond, name, detail) {
  if (cond) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}`);
    if (detail !== undefined)
      console.log(`#   ${JSON.stringify(detail).slice(0, 2000)}`);
  }
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const catalog = JSON.parse(readFileSync(catalogPath, 'utf8'));
const samples = JSON.parse(readFileSync(samplesPath, 'utf8'));
const validators = new Map();
const out = [];

for (const t of catalog) {
  let v = null;
  try {
    v = t.schema && typeof t.schema === 'object' ? ajv.compile(t.schema) : null;
  } catch (e) {
    if (!verdicts)
      check(false, `${t.name}: the schema is valid draft 2020-12`, e.message);
    failed += verdicts ? 1 : 0;
    continue;
  }
  if (v === null) {
    check(false, `${t.name}: has a schema object`);
    continue;
  }
  validators.set(t.name, v);
  const ok = v(t.example);
  if (!verdicts || !ok)
    check(ok, `${t.name}: the example validates against its schema`, v.errors);
  if (!verdicts)
    check(t.schema.$schema === 'https://json-schema.org/draft/2020-12/schema' &&
      ajv.validateSchema(t.schema), `${t.name}: the schema declares and meets draft 2020-12`);
}
samples.forEach((s, i) => {
  const v = validators.get(s.event);
  const ok = v ? v(s.data) : false;
  if (verdicts)
    out.push(JSON.stringify({ index: i, valid: ok }));
  else
    check(ok === s.valid, `sample ${i} (${s.event}, ${s.why}) is ${s.valid ? 'valid' : 'invalid'}`,
      v ? v.errors : 'no such type');
});
if (verdicts) {
  console.log(out.join('\n'));
  process.exit(failed ? 1 : 0);
}
console.log(`# ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
