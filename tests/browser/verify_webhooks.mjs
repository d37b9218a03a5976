// Verifies deliveries the way receivers do, for tests/integration/
// test_secrets.py: with the Standard Webhooks libraries from npm
// (standardwebhooks, svix) and with the Node.js snippet the endpoint page
// shows.  Lives here for tests/browser's node_modules.
//
// stdin:  {"snippet": "<the page's Node.js code>",
//          "cases": [{"name", "secret", "body": base64, "headers": {...}}]}
// stdout: [{"name", "standardwebhooks": true | "error", "svix": ...,
//           "snippet": true | false}]
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Webhook: StandardWebhook } = require("standardwebhooks");
const { Webhook: SvixWebhook } = require("svix");

function attempt(fn) {
  try {
    fn();
    return true;
  } catch (e) {
    return String(e && e.message ? e.message : e);
  }
}

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const { snippet, cases } = JSON.parse(input);
// The snippet as a tenant would paste it: CommonJS, defines verify().
const verify = new Function("require", snippet + "\nreturn verify;")(require);

const out = cases.map((c) => {
  const body = Buffer.from(c.body, "base64");
  return {
    name: c.name,
    standardwebhooks: attempt(() => new StandardWebhook(c.secret).verify(body.toString("utf8"), c.headers)),
    svix: attempt(() => new SvixWebhook(c.secret).verify(body.toString("utf8"), c.headers)),
    snippet: verify(body, c.headers, c.secret) === true,
  };
});
process.stdout.write(JSON.stringify(out) + "\n");
