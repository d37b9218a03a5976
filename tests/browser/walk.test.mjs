// The help page's steps, walked in Debian's chromium as a new tenant admin
// would, three times: on a desktop (1366 px) and on a phone (390 px) with
// JavaScript, and on a desktop without it.  Each walk signs in, opens
// Admin → Webhooks → New endpoint, picks events, saves, copies the secret
// shown once, sends a test event to a receiver that fails, finds the
// failed delivery on the Deliveries page, opens it, mends the receiver and
// redelivers; the receiver then checks the signature with the copied
// secret (npm standardwebhooks, as a receiver would).  On the way: no page
// is wider than its viewport.  The desktop walk with JavaScript rewrites
// the two screenshots the README shows (tests/browser/screenshots).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BASE, BIN, SHOTS, check, ctl, finish, launch, reload, sleep } from './harness.mjs';

const require = createRequire(import.meta.url);
const { Webhook } = require('standardwebhooks');

const README_SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
mkdirSync(README_SHOTS, { recursive: true });

// A real receiver on loopback, one path per walk; a path answers 500
// until the walk mends it.
const mended = new Set();
const received = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const ok = mended.has(req.url);
    received.push({ path: req.url, headers: req.headers, body, status: ok ? 200 : 500 });
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain' });
    res.end(ok ? 'thanks' : 'receiver is down for maintenance');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const receiverBase = `http://127.0.0.1:${receiver.address().port}`;

const stamp = Date.now();
const tenant = JSON.parse(ctl(['tenant', 'create', 'Walk test ' + stamp]));
const email = `walk-${stamp}@acme.example`;
const password = 'walk-password-123';
ctl(['user', 'create', '--tenant', String(tenant.tenant_id), '--email', email], password + '\n');

const dispatcher = spawn(join(BIN, 'webhooks-dispatcher'), [],
  { stdio: 'ignore', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });

const browser = await launch();

async function walk(label, viewport, js, shots) {
  const context = await browser.newContext({ javaScriptEnabled: js, viewport });
  if (js) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  const page = await context.newPage();
  const fits = async (what) => {
    const w = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    check(w[0] <= w[1], `${label}: the ${what} is no wider than the screen`, w.join(' > '));
  };
  const path = `/hooks/${label.replace(/\W+/g, '-')}`;
  try {
    // Sign in.
    await page.goto(BASE + '/admin/webhooks');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    check(page.url().endsWith('/admin/webhooks'), `${label}: signing in opens Admin → Webhooks`, page.url());
    await fits('webhooks list');

    // Admin → Webhooks → New endpoint; URL, events; Save.
    await page.getByRole('link', { name: 'New endpoint' }).click();
    check(page.url().endsWith('/admin/webhooks/new'), `${label}: New endpoint opens the form`, page.url());
    await fits('New endpoint form');
    if (shots) await page.screenshot({ path: join(README_SHOTS, 'new-endpoint.png'), fullPage: true });
    await page.getByLabel(/^URL/).fill(receiverBase + path);
    await page.getByLabel(/^Description/).fill(`Walk ${label}`);
    await page.locator('#event-picker > summary').click();
    await page.locator('details[data-category="leave"] > summary').click();
    await page.locator('input[name=events][value="leave.approved"]').check();
    await page.locator('details[data-category="expense"] > summary').click();
    await page.locator('input[name=events][value="expense.submitted"]').check();
    if (js) {
      const chosen = await page.locator('#events-chosen').textContent();
      check(chosen.includes('leave.approved') && chosen.includes('expense.submitted'),
        `${label}: the chosen events are summarised at the top`, chosen);
    }
    await fits('New endpoint form with two categories open');
    await page.getByRole('button', { name: 'Save' }).click();
    check(/\/admin\/webhooks\/\d+\?done=created$/.test(page.url()), `${label}: Save creates the endpoint`, page.url());
    const endpointUrl = page.url().replace(/\?.*$/, '');
    await fits('endpoint page with its new secret');

    // Copy the secret shown once.
    const field = page.locator('#new-secret');
    const secret = await field.inputValue();
    check(secret.startsWith('whsec_') && await field.getAttribute('readonly') !== null,
      `${label}: the new secret is shown once in a read-only field`, secret);
    let copied = secret;
    if (js) {
      await page.locator('button[data-copy="new-secret"]').click();
      copied = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => 'ERR ' + e);
      check(copied === secret, `${label}: Copy puts the whole secret on the clipboard`, copied);
      await field.dblclick();
      const sel = await field.evaluate((el) => [el.selectionStart, el.selectionEnd, el.value.length]);
      check(sel[0] === 0 && sel[1] === sel[2], `${label}: a double click selects the whole secret`, sel.join(' '));
    } else {
      check(!(await page.locator('button[data-copy="new-secret"]').isVisible()),
        `${label}: without JavaScript there is no Copy button that would do nothing`);
    }

    // Send a test event; the receiver answers 500.
    await page.locator('#test-event').selectOption('leave.approved');
    await page.getByRole('button', { name: 'Send test event' }).click();
    check(page.url().includes('done=test'), `${label}: Send test event is confirmed`, page.url());
    for (let i = 0; i < 100 && !received.some((r) => r.path === path); i++) await sleep(100);
    check(received.some((r) => r.path === path && r.status === 500), `${label}: the receiver got the test event (and failed it)`);

    // Find the failed delivery on the Deliveries page: a test event has a
    // single attempt, so the 500 drops it at once.
    await page.getByRole('link', { name: 'Deliveries', exact: true }).first().click();
    check(/\/admin\/deliveries$/.test(page.url()), `${label}: Deliveries opens the tenant's delivery log`, page.url());
    await page.locator('#status').selectOption('dropped');
    await page.locator('#endpoint').selectOption({ label: new RegExp(path.replace(/[-/]/g, '\\$&')) }).catch(async () => {
      const opts = await page.locator('#endpoint option').allTextContents();
      const want = opts.find((o) => o.includes(path));
      await page.locator('#endpoint').selectOption({ label: want });
    });
    let row = null;
    for (let i = 0; i < 50; i++) {
      await page.getByRole('button', { name: /Filter|Show|Apply/ }).first().click();
      row = page.locator('table tbody tr', { hasText: 'leave.approved' }).first();
      if (await row.count() > 0) break;
      await sleep(200);
    }
    check(row && await row.count() === 1 && (await row.textContent()).includes('dropped'),
      `${label}: the dropped test delivery is found by status and endpoint`, row && await row.textContent().catch(() => ''));
    await fits('Deliveries page');

    // Open it: the attempt and the receiver's answer.
    await row.locator('a[href^="/admin/deliveries/"]').first().click();
    check(/\/admin\/deliveries\/\d+$/.test(page.url()), `${label}: the delivery page opens`, page.url());
    const first = page.locator('details.attempt').first();
    check((await first.textContent()).includes('500') && (await first.textContent()).includes('maintenance'),
      `${label}: the attempt shows the receiver's 500 and its body`);
    await fits('delivery page');

    // Mend the receiver; Redeliver.
    mended.add(path);
    const before = received.filter((r) => r.path === path).length;
    await page.getByRole('button', { name: 'Redeliver' }).click();
    check(page.url().includes('done=redelivered'), `${label}: Redeliver is confirmed`, page.url());
    for (let i = 0; i < 100 && received.filter((r) => r.path === path).length === before; i++) await sleep(100);
    const got = received.filter((r) => r.path === path && r.status === 200);
    check(got.length === 1, `${label}: Redeliver sends it again and the mended receiver takes it`, got.length);
    if (got.length) {
      let verified;
      try { new Webhook(copied).verify(got[0].body, got[0].headers); verified = true; } catch (e) { verified = String(e); }
      check(verified === true, `${label}: the copied secret verifies the signature (standardwebhooks)`, verified);
    }
    for (let i = 0; i < 50; i++) {
      await reload(page);
      if (await page.locator('details.attempt').count() >= 2) break;
      await sleep(100);
    }
    const attempts = page.locator('details.attempt');
    check(await attempts.count() === 2 && (await attempts.first().textContent()).includes('200'),
      `${label}: the new attempt is listed first, with its 200`);
    await page.goto(endpointUrl);
    await fits('endpoint page');
    // The README's second picture: the endpoint's Health dashboard after
    // the walk, as far as the first screen shows it.
    if (shots) await page.screenshot({ path: join(README_SHOTS, 'endpoint.png') });
  } catch (e) {
    check(false, `${label}: the walk completed`, e && e.stack);
    await page.screenshot({ path: join(SHOTS, `walk-failed-${label.replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => {});
  }
  await context.close();
}

try {
  await walk('desktop', { width: 1366, height: 900 }, true, true);
  await walk('phone', { width: 390, height: 844 }, true, false);
  await walk('desktop without JavaScript', { width: 1366, height: 900 }, false, false);
} finally {
  await browser.close();
  receiver.close();
  dispatcher.kill('SIGTERM');
}
finish();
