// Browser test of the admin pages in Debian's chromium, driven by
// playwright-core.  It follows the help page's "Adding a webhook" steps:
// log in, Admin → Webhooks → New endpoint, set URL, events and secret,
// Save; emit an event; see it on the Health dashboard; open the delivery;
// Redeliver.  JavaScript is off for that walk (the pages must work
// without it); a second context with JavaScript on checks that hostile
// values stay text.  Screenshots of each page go to $WH_RUN/out/screenshots.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { BASE, BIN, SHOTS, check, ctl, finish, launch, reload, axeViolations } from './harness.mjs';

// A real receiver on loopback.
const received = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => { received.push({ headers: req.headers, body }); res.writeHead(200); res.end('thanks'); });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${receiver.address().port}/hooks/momentumpro`;

const stamp = Date.now();
const tenant = JSON.parse(ctl(['tenant', 'create', 'Browser test ' + stamp]));
const email = `browser-${stamp}@acme.example`;
const password = 'browser-password-123';
ctl(['user', 'create', '--tenant', String(tenant.tenant_id), '--email', email], password + '\n');

let dispatcher = null;
const dispatcherBin = join(BIN, 'webhooks-dispatcher');
if (spawnSync('test', ['-x', dispatcherBin]).status === 0) {
  dispatcher = spawn(dispatcherBin, [], { stdio: 'ignore', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
}

const browser = await launch();
try {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const shot = (n) => page.screenshot({ path: join(SHOTS, n + '.png'), fullPage: true });

  // 1. Log in.
  await page.goto(BASE + '/admin/webhooks');
  check(page.url().endsWith('/admin/login'), 'an anonymous visit lands on the sign-in page', page.url());
  await shot('01-login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  check(page.url().endsWith('/admin/webhooks'), 'signing in opens Admin → Webhooks', page.url());
  const cookies = await context.cookies();
  check(cookies.length === 1 && cookies[0].name === 'mp_session' && cookies[0].httpOnly,
    'the only cookie is the HttpOnly session cookie', JSON.stringify(cookies));
  await shot('02-webhooks-empty');

  // 2. Admin → Webhooks → New endpoint.
  await page.getByRole('link', { name: 'New endpoint' }).click();
  check(page.url().endsWith('/admin/webhooks/new'), 'New endpoint opens the form', page.url());
  // A mistake first: the form comes back with the message at the field.
  await page.getByLabel(/^URL/).fill('ftp://example.com/x');
  await page.getByRole('button', { name: 'Save' }).click();
  check(await page.locator('#url-error').isVisible() && await page.locator('#events-error').isVisible(),
    'validation messages appear at the wrong fields');
  check(await page.getByLabel(/^URL/).inputValue() === 'ftp://example.com/x', 'the form keeps the typed URL');
  await shot('03-new-endpoint-errors');

  // 3. Set URL, events and secret; Save.
  await page.getByLabel(/^URL/).fill(receiverUrl);
  // The picker opened by itself for its message; categories and the
  // advanced part (which holds the secret choice) open with a click.
  await page.locator('details[data-category="leave"] > summary').click();
  await page.locator('details[data-category="incident"] > summary').click();
  await page.locator('#advanced > summary').click();
  await page.locator('input[name=events][value="leave.approved"]').check();
  await page.locator('input[name=events][value="incident.*"]').check();
  await page.getByLabel('Use my own secret').check();
  await page.getByLabel(/^Your secret/).fill('whsec_browser_test_secret_1234');
  await page.getByLabel(/^Description/).fill('"><script>alert(1)</script> HR integration');
  await shot('04-new-endpoint-filled');
  await page.getByRole('button', { name: 'Save' }).click();
  check(/\/admin\/webhooks\/\d+\?done=created$/.test(page.url()), 'Save creates the endpoint', page.url());
  const endpointUrl = page.url().replace(/\?.*$/, '');
  check(await page.getByText('Endpoint created').isVisible(), 'a confirmation is shown');
  check(await page.getByText('"><script>alert(1)</script> HR integration').isVisible(),
    'a hostile description is displayed as text');
  await shot('05-endpoint-created');

  // Reveal the secret (a POST).
  await page.getByRole('button', { name: 'Reveal' }).click();
  check((await page.locator('#secret-value').inputValue()) === 'whsec_browser_test_secret_1234',
    'Reveal shows the secret that was pasted');

  // 4. Emit an event; see it on the Health dashboard.
  const emitted = JSON.parse(ctl(['emit', '--tenant', String(tenant.tenant_id), 'leave.approved',
    '{"id":123,"employee_id":45,"leave_type":"Annual","from":"2026-05-10","to":"2026-05-14","days":5,"approved_by":12}']));
  check(emitted.deliveries === 1, 'the event creates one delivery', JSON.stringify(emitted));
  if (dispatcher) {
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    check(received.length >= 1 && received[0].headers['x-momentumpro-event'] === 'leave.approved',
      'the receiver got the event', JSON.stringify(received[0] && received[0].headers));
  }
  await page.goto(endpointUrl);
  const row = page.locator('table tbody tr').first();
  check(await row.isVisible() && (await row.textContent()).includes('leave.approved'),
    'the delivery appears on the Health dashboard');
  if (dispatcher) {
    for (let i = 0; i < 50; i++) {
      if ((await page.locator('table tbody tr').first().textContent()).includes('delivered')) break;
      await new Promise((r) => setTimeout(r, 200));
      await reload(page);
    }
    check((await page.locator('table tbody tr').first().textContent()).includes('delivered'),
      'the dashboard shows it delivered');
    check(await page.locator('svg .bar-ok').count() >= 1, 'the 24-hour chart shows the successful attempt');
  }
  await shot('06-health-dashboard');

  // 5. Open the delivery; Redeliver.
  await page.locator('table tbody tr a').first().click();
  check(/\/admin\/deliveries\/\d+$/.test(page.url()), 'the delivery page opens', page.url());
  const deliveryUrl = page.url();
  check(await page.getByText('"leave_type":"Annual"').first().isVisible(), 'the delivery page shows the body sent');
  await shot('07-delivery');
  const before = received.length;
  await page.getByRole('button', { name: 'Redeliver' }).click();
  check(page.url().includes('done=redelivered'), 'Redeliver is confirmed', page.url());
  if (dispatcher) {
    for (let i = 0; i < 100 && received.length === before; i++) await new Promise((r) => setTimeout(r, 100));
    check(received.length === before + 1, 'Redeliver sends it again');
    // The receiver answers before the dispatcher records the attempt.
    for (let i = 0; i < 50; i++) {
      await reload(page);
      if (await page.locator('h3', { hasText: 'Attempt 2' }).count() > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    check(await page.locator('h3', { hasText: 'Attempt 2' }).isVisible(), 'the second attempt is listed');
  }
  await shot('08-delivery-redelivered');

  // Event catalog with anchors.
  await page.goto(BASE + '/admin/webhooks/event-catalog#incident.reported');
  check(await page.locator('article#incident\\.reported').isVisible(), 'the event catalog has an anchor per event');
  await shot('09-event-catalog');

  // The list on a phone.
  const phone = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  await phone.addCookies(await context.cookies());
  const p2 = await phone.newPage();
  await p2.goto(BASE + '/admin/webhooks');
  const overflow = await p2.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1).catch(() => null);
  check(overflow !== true, 'Admin → Webhooks fits a phone screen without sideways scrolling');
  await p2.screenshot({ path: join(SHOTS, '10-webhooks-phone.png'), fullPage: true });
  await p2.goto(endpointUrl);
  await p2.screenshot({ path: join(SHOTS, '11-endpoint-phone.png'), fullPage: true });
  await phone.close();

  // With JavaScript on, hostile values still never run.
  const js = await browser.newContext();
  await js.addCookies(await context.cookies());
  const p3 = await js.newPage();
  let dialogs = 0;
  p3.on('dialog', (d) => { dialogs++; d.dismiss(); });
  await p3.goto(BASE + '/admin/webhooks');
  await p3.goto(endpointUrl);
  check(dialogs === 0, 'no injected script runs on the list or endpoint page');
  // Rotate with JavaScript: the Copy button appears and copies the secret.
  await js.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  await p3.getByRole('link', { name: 'Rotate secret' }).click();
  await p3.getByRole('button', { name: 'Rotate secret' }).click();
  const copy = p3.locator('button[data-copy="new-secret"]');
  check(await copy.isVisible(), 'with JavaScript, the new secret has a Copy button');
  await copy.click();
  const field = await p3.locator('#new-secret').inputValue();
  const clip = await p3.evaluate(() => navigator.clipboard.readText()).catch((e) => 'ERR ' + e);
  check(clip === field && field.startsWith('whsec_') && (await copy.textContent()) === 'Copied',
    'Copy puts the new secret on the clipboard', clip);
  await p3.screenshot({ path: join(SHOTS, '13-rotated-js.png'), fullPage: true });
  await js.close();

  // Accessibility and phones.  A second endpoint with a 300-character URL
  // and no description tests wrapping.
  const longUrl = receiverUrl + '/' + 'x'.repeat(300 - receiverUrl.length - 1);
  const made = await fetch(BASE + '/api/v1/endpoints', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + tenant.api_key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: longUrl, events: ['leave.approved'], enabled: false }),
  });
  const longEp = await made.json();
  check(made.status === 201 && longUrl.length === 300, 'an endpoint with a 300-character URL is made', JSON.stringify(longEp));
  const pages = [
    ['login', BASE + '/admin/login', false],
    ['webhooks list', BASE + '/admin/webhooks', true],
    ['new endpoint', BASE + '/admin/webhooks/new', true],
    ['endpoint', endpointUrl, true],
    ['endpoint with a 300-character URL', BASE + '/admin/webhooks/' + longEp.id, true],
    ['delivery', deliveryUrl, true],
    ['event catalog', BASE + '/admin/webhooks/event-catalog', true],
  ];

  // No page scrolls sideways on a 360 px phone.
  const narrow = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
  const anon = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
  await narrow.addCookies(await context.cookies());
  for (const [name, url, signedIn] of pages) {
    const pg = await (signedIn ? narrow : anon).newPage();
    await pg.goto(url);
    const w = await pg.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    check(w[0] <= w[1], `at 360 px the ${name} page does not scroll sideways`, w.join(' > '));
    await pg.screenshot({ path: join(SHOTS, `16-phone-${name.replace(/\W+/g, '-')}.png`), fullPage: true });
    await pg.close();
  }
  await narrow.close();
  await anon.close();

  // Keyboard: Tab from the top of every page reaches "Skip to content"
  // first, and following it puts the focus on <main id="content">.
  const kb = await browser.newContext({ javaScriptEnabled: false });
  await kb.addCookies(await context.cookies());
  for (const [name, url, signedIn] of pages) {
    const pg = await (signedIn ? kb : await browser.newContext({ javaScriptEnabled: false })).newPage();
    await pg.goto(url);
    const first = await pg.evaluate(() => {
      const el = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea, '
        + '[tabindex]:not([tabindex="-1"]), summary');
      return el && el.textContent;
    });
    const skip = pg.locator('a.skip');
    await skip.focus();
    const box = await skip.boundingBox();
    await pg.keyboard.press('Enter');
    const after = await pg.evaluate(() => document.activeElement && document.activeElement.id);
    check(first === 'Skip to content' && box && box.y >= 0 && after === 'content',
      `the ${name} page's first focusable element is Skip to content, seen when focused, which moves the focus to the content`,
      `${first} / ${JSON.stringify(box)} / ${after}`);
    await pg.close();
  }
  await kb.close();

  // Status badges: every .status-* rule of the stylesheet keeps its text
  // at 4.5:1 or more against its background (WCAG AA, normal text).
  const axeCtx = await browser.newContext({ bypassCSP: true });
  await axeCtx.addCookies(await context.cookies());
  const pa = await axeCtx.newPage();
  await pa.goto(BASE + '/admin/webhooks');
  const ratios = await pa.evaluate(() => {
    const names = new Set();
    for (const sheet of document.styleSheets) {
      for (const rule of sheet.cssRules) {
        for (const m of (rule.selectorText || '').matchAll(/\.status-([\w-]+)/g)) names.add(m[1]);
      }
    }
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = (c) => {
      const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const out = {};
    for (const n of ['', ...names]) {
      const el = document.createElement('span');
      el.className = 'status' + (n ? ' status-' + n : '');
      el.textContent = n || 'status';
      document.querySelector('main').append(el);
      const cs = getComputedStyle(el);
      const [a, b] = [lum(cs.color), lum(cs.backgroundColor)].sort((x, y) => y - x);
      out[n || 'status'] = { ratio: Math.round((a + 0.05) / (b + 0.05) * 100) / 100, fg: cs.color, bg: cs.backgroundColor };
      el.remove();
    }
    return out;
  });
  const low = Object.entries(ratios).filter(([, v]) => !(v.ratio >= 4.5));
  check(Object.keys(ratios).length >= 10 && ratios.pending && ratios.disabled && ratios['auto-disabled'] && low.length === 0,
    'every status badge has a contrast of at least 4.5:1', JSON.stringify(low.length ? low : ratios));
  const colourOf = (n) => ratios[n] && ratios[n].bg + ratios[n].fg;
  check(colourOf('disabled') !== colourOf('failing') && colourOf('auto-disabled') === colourOf('failing'),
    'disabled by hand looks different from failing; disabled automatically looks like failing');

  // axe-core finds no WCAG 2.x A/AA fault on the pages.
  const axePage = async (pg, name) => {
    const v = await axeViolations(pg);
    check(v.length === 0, `axe finds no accessibility violation on the ${name} page`, v.join('; '));
  };
  const anonAxe = await browser.newContext({ bypassCSP: true });
  for (const [name, url, signedIn] of pages) {
    const pg = await (signedIn ? axeCtx : anonAxe).newPage();
    await pg.goto(url);
    await axePage(pg, name);
    await pg.close();
  }
  // The form with its error summary, and the sign-in page after a wrong
  // password.
  const pf = await axeCtx.newPage();
  await pf.goto(BASE + '/admin/webhooks/new');
  await pf.getByLabel(/^URL/).fill('ftp://example.com/x');
  await pf.getByRole('button', { name: 'Save' }).click();
  // autofocus is applied at the next rendering after load: wait for it.
  const focused = (pg, id) => pg.waitForFunction((i) => document.activeElement && document.activeElement.id === i,
    id, { timeout: 5000 }).then(() => true, () => false);
  check(await focused(pf, 'error-summary')
    && await pf.locator('#error-summary a[href="#url"]').count() === 1,
  'a form that comes back has the focus on its error summary, with a link to each field');
  await pf.locator('#error-summary a[href="#url"]').click();
  check(pf.url().endsWith('#url'), 'an error summary link leads to its field', pf.url());
  await axePage(pf, 'new endpoint with errors');
  await pf.close();
  const pl = await anonAxe.newPage();
  await pl.goto(BASE + '/admin/login');
  await pl.getByLabel('Email').fill(email);
  await pl.getByLabel('Password').fill('not-the-password');
  await pl.getByRole('button', { name: 'Sign in' }).click();
  check(await focused(pl, 'password')
    && await pl.getByLabel('Email').inputValue() === email,
  'after a wrong password the email is kept and the password field has the focus');
  await axePage(pl, 'sign-in after a wrong password');
  await pl.close();
  await anonAxe.close();
  await axeCtx.close();
  await fetch(BASE + '/api/v1/endpoints/' + longEp.id, {
    method: 'DELETE', headers: { Authorization: 'Bearer ' + tenant.api_key },
  });

  // Rotate secret, without JavaScript: a confirmation step with the
  // overlap, then the new secret once, in a read-only field.
  await page.goto(endpointUrl);
  await page.getByRole('link', { name: 'Rotate secret' }).click();
  check(/\/rotate-secret$/.test(page.url()) && await page.getByLabel('Old secret keeps signing for').isVisible(),
    'Rotate secret asks for confirmation and the overlap', page.url());
  await page.getByLabel('Old secret keeps signing for').selectOption('1h');
  await shot('14-rotate-confirm');
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  const secretField = page.locator('#new-secret');
  const rotated = await secretField.inputValue();
  check(rotated.startsWith('whsec_') && rotated !== 'whsec_browser_test_secret_1234'
    && await secretField.getAttribute('readonly') !== null,
    'the new secret is shown in a read-only field', rotated);
  check(!(await page.getByRole('button', { name: 'Copy' }).isVisible()),
    'without JavaScript there is no Copy button that would do nothing');
  check(await page.locator('#overlap-end').textContent().then((t) => t.includes('keeps signing beside it until')),
    'the page says until when the old secret still signs');
  await shot('15-rotated');

  // Delete with confirmation.
  await page.goto(endpointUrl);
  await page.getByRole('link', { name: 'Delete' }).click();
  await shot('12-delete-confirm');
  await page.getByRole('button', { name: 'Delete endpoint' }).click();
  check(page.url().endsWith('/admin/webhooks') && await page.getByText('No endpoints yet').isVisible(),
    'deleting after confirmation removes the endpoint');

  // Sign out.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  check(page.url().endsWith('/admin/login'), 'Sign out returns to the sign-in page');
  await page.goto(BASE + '/admin/webhooks');
  check(page.url().endsWith('/admin/login'), 'after signing out the pages need a new sign-in');

  // Sign out everywhere: a sign-in in another browser ends too.
  const signIn = async (pg) => {
    await pg.goto(BASE + '/admin/login');
    await pg.getByLabel('Email').fill(email);
    await pg.getByLabel('Password').fill(password);
    await pg.getByRole('button', { name: 'Sign in' }).click();
  };
  const other = await browser.newContext({ javaScriptEnabled: false });
  const p4 = await other.newPage();
  await signIn(p4);
  await signIn(page);
  check(page.url().endsWith('/admin/webhooks') && p4.url().endsWith('/admin/webhooks'),
    'signed in in two browsers');
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  check(page.url().includes('/admin/login') &&
    await page.getByText('You are signed out on every device and browser.').isVisible(),
  'Sign out everywhere returns to the sign-in page and says so', page.url());
  await shot('13-signed-out-everywhere');
  await p4.goto(BASE + '/admin/webhooks');
  check(p4.url().endsWith('/admin/login'), 'after Sign out everywhere the other browser must sign in again');
  await other.close();

  // Embedding: Momentumpro's admin asks for a sign-in link and sends the
  // user there; opening it signs in nobody until the button is pressed.
  const linkRes = await fetch(BASE + '/api/v1/admin-links', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + tenant.api_key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, redirect: '/admin/webhooks/event-catalog' }),
  });
  const link = await linkRes.json();
  check(linkRes.status === 201 && typeof link.url === 'string', 'the API makes a sign-in link', JSON.stringify(link));
  const embedded = await browser.newContext({ javaScriptEnabled: false });
  const p5 = await embedded.newPage();
  await p5.goto(link.url);
  check((await embedded.cookies()).length === 0 &&
    await p5.getByRole('button', { name: 'Continue to Admin → Webhooks' }).isVisible(),
  'opening a sign-in link shows Continue to Admin → Webhooks and signs nobody in yet');
  await p5.screenshot({ path: join(SHOTS, '14-sign-in-link.png'), fullPage: true });
  await p5.getByRole('button', { name: 'Continue to Admin → Webhooks' }).click();
  check(p5.url() === BASE + '/admin/webhooks/event-catalog' &&
    await p5.getByRole('button', { name: 'Sign out', exact: true }).isVisible(),
  'Continue signs in (the browser\'s Origin is accepted) and opens the link\'s page', p5.url());
  const p6 = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  const again = await p6.goto(link.url);
  check(again.status() === 410 && await p6.getByText('This sign-in link has been used').first().isVisible(),
    'the link opened again in another browser says it has been used (410)');
  await embedded.close();
  await context.close();
} catch (e) {
  check(false, 'the browser walk completed', e && e.stack);
} finally {
  await browser.close();
  receiver.close();
  if (dispatcher) dispatcher.kill('SIGTERM');
}
finish();
