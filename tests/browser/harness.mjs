// What every browser test of the admin shares: where the servers and
// programs are, the TAP-style checks and their count, webhooksctl, a
// chromium from Debian's package, reloading a page, and axe-core.
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

export const BASE = process.env.WH_LIGHTTPD_URL || 'http://127.0.0.1:28080';
export const BIN = process.env.WH_BIN;
export const RUN = process.env.WH_RUN || '/tmp';
export const SHOTS = join(RUN, 'out', 'screenshots');
mkdirSync(SHOTS, { recursive: true });
// axe-core's script, injected into pages to check them for WCAG faults.
export const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let passed = 0, failed = 0;
export function check(cond, name, detail) {
  if (cond) { passed++; console.log(`ok - ${name}`); }
  else { failed++; console.log(`not ok - ${name}`); if (detail !== undefined) console.log(`#   ${String(detail).slice(0, 500)}`); }
}

// The count, and the exit status ./dev test reads with it.
export function finish() {
  console.log(`# ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

export function ctl(args, input) {
  const p = spawnSync(join(BIN, 'webhooksctl'), args, { input, encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`webhooksctl ${args.join(' ')}: ${p.stderr}`);
  return p.stdout;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Load the page again.  Right after a form's POST and redirect, Chromium
// now and then answers page.reload() with "Not attached to an active page"
// before sending any request (the server's access log shows none), so that
// one error is met with a plain navigation to the same address.
export async function reload(page) {
  try {
    return await page.reload();
  } catch (e) {
    if (!/Not attached to an active page/.test(String(e))) throw e;
    console.log('# page.reload() refused (Not attached to an active page); navigating instead');
    return page.goto(page.url());
  }
}

// axe-core's WCAG 2.x A/AA and best-practice violations on the page, one
// line each (the page's context must bypass CSP to take the script).
export async function axeViolations(pg) {
  await pg.addScriptTag({ path: AXE });
  const res = await pg.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }));
  return res.violations.map((x) => `${x.id}: ${x.nodes.length} × ${x.nodes[0].target.join(' ')}`);
}
