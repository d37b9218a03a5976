// Browser test of the New/Edit endpoint form and the secret field, in
// Debian's chromium driven by playwright-core: the compact event picker
// (categories closed with a count, "all of" a category, the chosen events
// summarised at the top, a filter box only with JavaScript), the advanced
// part that opens when it holds a value or a message, Save a few Tab
// presses from the top, the form's own address after a failed Save, the
// secret shown once after create in a field that selects whole, with
// Copy; no sideways scrolling at 360 px and no axe-core violation.
import { join } from 'node:path';
import { BASE, SHOTS, check, ctl, finish, launch, reload, axeViolations } from './harness.mjs';

const stamp = Date.now();
const tenant = JSON.parse(ctl(['tenant', 'create', 'Form test ' + stamp]));
const email = `form-${stamp}@acme.example`;
const password = 'form-password-123';
ctl(['user', 'create', '--tenant', String(tenant.tenant_id), '--email', email], password + '\n');
const api = async (method, path, body) => {
  const r = await fetch(BASE + path, {
    method,
    headers: { Authorization: 'Bearer ' + tenant.api_key, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, json: r.status === 204 ? null : await r.json() };
};
const eventsOf = async (id) => ((await api('GET', '/api/v1/endpoints/' + id)).json.events || []).slice().sort();
const endpointCount = async () => {
  const r = await api('GET', '/api/v1/endpoints');
  return (r.json.data || r.json.endpoints || r.json).length;
};
const idFrom = (url) => { const m = url.match(/\/admin\/webhooks\/(\d+)\?done=created$/); return m ? m[1] : null; };

async function signIn(context) {
  const page = await context.newPage();
  await page.goto(BASE + '/admin/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

// Tab presses from the top of the page until the focus is on Save.
async function tabsToSave(page) {
  await page.evaluate(() => { if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0); });
  for (let n = 1; n <= 60; n++) {
    await page.keyboard.press('Tab');
    const on = await page.evaluate(() => {
      const a = document.activeElement;
      return !!a && a.tagName === 'BUTTON' && a.type === 'submit' && a.textContent.trim() === 'Save';
    });
    if (on) return n;
  }
  return Infinity;
}

const selection = (page, sel) => page.locator(sel).evaluate((f) => [f.selectionStart, f.selectionEnd, f.value.length]);

const browser = await launch();
let cookies;
try {
  // --- JavaScript on, a laptop screen ------------------------------------
  const js = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  await js.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  const page = await signIn(js);
  cookies = await js.cookies();
  await page.goto(BASE + '/admin/webhooks/new');
  const shape = await page.evaluate(() => ({
    height: document.documentElement.scrollHeight,
    open: document.querySelectorAll('form details[open]').length,
    cats: document.querySelectorAll('details.category').length,
    boxes: document.querySelectorAll('input[name=events]').length,
  }));
  check(shape.open === 0 && shape.cats >= 20 && shape.boxes >= 90 && shape.height < 2500,
    'at 1366 px the New endpoint form, nothing expanded, is under 2,500 px tall', JSON.stringify(shape));
  await page.screenshot({ path: join(SHOTS, 'form-01-new.png'), fullPage: true });
  const tabs = await tabsToSave(page);
  console.log(`# New endpoint form: ${shape.height} px tall, Save after ${tabs} Tab presses`);
  check(tabs < 30, 'Save is reached in under 30 Tab presses from the top of the New endpoint page', tabs);

  const cat = page.locator('#events a[href="/admin/webhooks/event-catalog"]');
  check(await cat.getAttribute('target') === '_blank' && /noopener/.test(await cat.getAttribute('rel') || '')
    && /opens in a new tab/.test(await cat.textContent()),
  'the event catalog link opens in a new tab and says so');

  // The filter box: shown with JavaScript, narrows the list.
  await page.locator('#event-picker > summary').click();
  const filter = page.locator('#event-filter');
  check(await filter.isVisible(), 'with JavaScript, the picker has a filter box');
  await filter.fill('approved');
  const seen = await page.evaluate(() => {
    const vis = (el) => el.offsetParent !== null;
    const items = [...document.querySelectorAll('.event-list li')].filter(vis).map((li) => li.querySelector('input').value);
    const cats = [...document.querySelectorAll('details.category')].filter(vis).map((d) => d.dataset.category);
    return { items, cats, all: document.querySelectorAll('details.category').length };
  });
  check(seen.items.length > 0 && seen.items.includes('leave.approved') && seen.cats.includes('leave')
    && seen.cats.length < seen.all,
  'typing in the filter box shows the matching events in open categories and hides the rest',
  JSON.stringify(seen));
  const matchAll = await page.evaluate(() => [...document.querySelectorAll('.event-list li')]
    .filter((li) => li.offsetParent !== null).every((li) => /approved/i.test(li.textContent)));
  check(matchAll, 'every event the filter leaves in sight matches it');
  await filter.fill('');
  const back = await page.evaluate(() => [...document.querySelectorAll('details.category')]
    .filter((d) => !d.hidden && !d.open).length === document.querySelectorAll('details.category').length);
  check(back, 'clearing the filter brings every category back, closed');
  await filter.press('Enter');
  check(page.url().endsWith('/admin/webhooks/new'), 'Enter in the filter box does not submit the form', page.url());

  // Picking events in two categories updates the line and the counts.
  await page.locator('details[data-category="leave"] > summary').click();
  await page.locator('details[data-category="incident"] > summary').click();
  await page.locator('input[name=events][value="leave.approved"]').check();
  await page.locator('input[name=events][value="incident.reported"]').check();
  const chosen = await page.locator('#events-chosen').textContent();
  const leaveCount = await page.locator('details[data-category="leave"] .cat-count').textContent();
  check(/^2 chosen: leave\.approved, incident\.reported$|^2 chosen: incident\.reported, leave\.approved$/.test(chosen.trim())
    && /^1 of \d+ chosen$/.test(leaveCount),
  'ticking events in two categories updates the chosen line and the category counts', `${chosen} / ${leaveCount}`);
  // "All of" a category ticks and locks its events; unticking restores them.
  const allLeave = page.locator('input[name=events][value="leave.*"]');
  await allLeave.check();
  const locked = await page.evaluate(() => [...document.querySelectorAll('input[data-in="leave"]')]
    .every((i) => i.checked && i.disabled));
  const chosenAll = await page.locator('#events-chosen').textContent();
  check(locked && /all \d+ chosen/.test(await page.locator('details[data-category="leave"] .cat-count').textContent())
    && chosenAll.includes('leave.*') && !chosenAll.includes('leave.approved'),
  'with JavaScript, "All of leave" ticks and locks the category and the line shows leave.*', chosenAll);
  await allLeave.uncheck();
  const restored = await page.evaluate(() => [...document.querySelectorAll('input[data-in="leave"]')]
    .filter((i) => i.checked && !i.disabled).map((i) => i.value));
  check(restored.length === 1 && restored[0] === 'leave.approved', 'unticking "All of leave" restores what was ticked', restored);
  await page.getByLabel(/^URL/).fill('https://hooks.example.com/form-js');
  await page.screenshot({ path: join(SHOTS, 'form-02-picked.png'), fullPage: true });
  await page.getByRole('button', { name: 'Save' }).click();
  const id1 = idFrom(page.url());
  check(id1 !== null, 'Save creates the endpoint', page.url());
  const ev1 = id1 ? await eventsOf(id1) : [];
  check(JSON.stringify(ev1) === JSON.stringify(['incident.reported', 'leave.approved']),
    'the endpoint subscribes to exactly the events picked', JSON.stringify(ev1));

  // The secret once, in a field that selects whole, with Copy.
  const fresh = page.locator('#new-secret');
  check(await fresh.isVisible() && /^whsec_/.test(await fresh.inputValue()),
    'right after create the endpoint page shows the new secret');
  await fresh.dblclick();
  let sel = await selection(page, '#new-secret');
  check(sel[0] === 0 && sel[1] === sel[2] && sel[2] > 10, 'a double click selects the whole secret', sel.join(' '));
  await page.locator('button[data-copy="new-secret"]').click();
  const clip = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => 'ERR ' + e);
  check(clip === await fresh.inputValue(), 'Copy puts the whole secret on the clipboard', clip);
  await page.screenshot({ path: join(SHOTS, 'form-03-created-secret.png'), fullPage: true });
  await reload(page);
  check(await page.locator('#new-secret').count() === 0 && await page.getByText('whsec_••').isVisible(),
    'the next load shows the secret masked, not again');
  await page.getByRole('button', { name: 'Reveal' }).click();
  const revealed = page.locator('#secret-value');
  check(await revealed.inputValue() === clip && await revealed.getAttribute('readonly') !== null,
    'Reveal shows the same secret in a read-only field');
  await revealed.click();
  sel = await selection(page, '#secret-value');
  check(sel[0] === 0 && sel[1] === sel[2], 'a click on the revealed secret selects all of it', sel.join(' '));
  await page.getByRole('link', { name: 'Hide the secret' }).click();
  check(page.url() === BASE + `/admin/webhooks/${id1}` && await page.locator('#secret-value').count() === 0,
    'Hide the secret goes back to the page with the secret masked', page.url());

  // Edit: the chosen events in sight at the top, their categories open.
  await page.goto(BASE + `/admin/webhooks/${id1}/edit`);
  const edit = await page.evaluate(() => ({
    chosen: document.getElementById('events-chosen').textContent,
    top: document.getElementById('events-chosen').getBoundingClientRect().bottom,
    open: [...document.querySelectorAll('details.category[open]')].map((d) => d.dataset.category).sort(),
    advanced: document.getElementById('advanced').open,
    action: document.querySelector('form.endpoint-form').getAttribute('action'),
  }));
  check(/2 chosen/.test(edit.chosen) && edit.top < 900 && JSON.stringify(edit.open) === '["incident","leave"]'
    && !edit.advanced,
  'the Edit form shows the current events without scrolling; their categories start open', JSON.stringify(edit));
  check(await tabsToSave(page) < 30, 'Save is reached in under 30 Tab presses on the Edit form');

  // A failed Save stays at the form's own address; a reload is a GET.
  await page.getByLabel(/^URL/).fill('ftp://example.com/edit');
  await page.getByRole('button', { name: 'Save' }).click();
  check(page.url() === BASE + `/admin/webhooks/${id1}/edit` && await page.locator('#url-error').isVisible(),
    'a failed Edit comes back at the Edit form\'s own address', page.url());
  const before = await endpointCount();
  await page.goto(BASE + '/admin/webhooks/new');
  await page.getByLabel(/^URL/).fill('ftp://example.com/x');
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Save' }).click(),
  ]);
  check(resp.status() === 422 && page.url() === BASE + '/admin/webhooks/new',
    'a failed New endpoint Save answers 422 at the form\'s own address', `${resp.status()} ${page.url()}`);
  const again = await page.goto(page.url());
  check(again.request().method() === 'GET' && again.status() === 200
    && await page.locator('#error-summary').count() === 0 && await endpointCount() === before,
  'loading that address again shows the empty form and posts nothing');

  // The advanced part opens by itself when it holds a value or a message.
  await page.locator('#advanced > summary').click();
  await page.getByLabel('Field 1').fill('data.priority');
  await page.getByLabel('Value 1').fill('high');
  await page.getByRole('button', { name: 'Save' }).click();
  check(await page.locator('#advanced').evaluate((d) => d.open) && await page.getByLabel('Field 1').inputValue() === 'data.priority',
    'a form that comes back with a filter set has the advanced part open');
  await page.goto(BASE + '/admin/webhooks/new');
  await page.locator('#advanced > summary').click();
  await page.getByLabel(/^Header 1 value/).fill('token-without-a-name');
  await page.getByLabel(/^URL/).fill('https://hooks.example.com/x');
  await page.locator('#event-picker > summary').click();
  await page.locator('input[name=events][value="*"]').check();
  await page.getByRole('button', { name: 'Save' }).click();
  check(await page.locator('#advanced').evaluate((d) => d.open) && await page.locator('#header-1-error').isVisible(),
    'a form that comes back with a message in the advanced part has it open');
  const made = await api('POST', '/api/v1/endpoints', {
    url: 'https://hooks.example.com/filtered', events: ['leave.approved'],
    filters: [{ path: 'data.days', op: 'gt', value: 3 }],
  });
  await page.goto(BASE + `/admin/webhooks/${made.json.id}/edit`);
  check(made.status === 201 && await page.locator('#advanced').evaluate((d) => d.open),
    'the Edit form of an endpoint with a filter has the advanced part open', JSON.stringify(made.json));
  await js.close();

  // --- JavaScript off ------------------------------------------------------
  const nojs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1366, height: 900 } });
  await nojs.addCookies(cookies);
  const p2 = await nojs.newPage();
  await p2.goto(BASE + '/admin/webhooks/new');
  await p2.locator('#event-picker > summary').click();
  check(await p2.locator('.event-filter').isHidden() && await p2.locator('input[name=events][value="*"]').isVisible(),
    'without JavaScript there is no filter box, and the picker works');
  await p2.locator('details[data-category="leave"] > summary').click();
  await p2.locator('input[name=events][value="leave.*"]').check();
  await p2.getByLabel(/^URL/).fill('https://hooks.example.com/form-nojs');
  await p2.getByRole('button', { name: 'Save' }).click();
  const id2 = idFrom(p2.url());
  check(id2 !== null && JSON.stringify(await eventsOf(id2)) === '["leave.*"]',
    'without JavaScript, "All of leave" subscribes to leave.*', p2.url());
  check(await p2.locator('#new-secret').isVisible() && await p2.locator('button[data-copy]').isHidden(),
    'without JavaScript the new secret is shown once in its field (no Copy button)');
  await reload(p2);
  check(await p2.locator('#new-secret').count() === 0, 'without JavaScript too, the next load does not show it again');
  await nojs.close();

  // --- 360 px: no sideways scrolling, even with everything open ---------------
  const narrow = await browser.newContext({ viewport: { width: 360, height: 740 } });
  await narrow.addCookies(cookies);
  const p3 = await narrow.newPage();
  for (const [name, url] of [['new endpoint', '/admin/webhooks/new'], ['edit endpoint', `/admin/webhooks/${id1}/edit`]]) {
    await p3.goto(BASE + url);
    await p3.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
    const w = await p3.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    check(w[0] <= w[1], `at 360 px the ${name} form, all open, does not scroll sideways`, w.join(' > '));
    await p3.screenshot({ path: join(SHOTS, `form-phone-${name.replace(/\W+/g, '-')}.png`), fullPage: true });
  }
  // The endpoint page with its new secret shown, on the same phone: a
  // new endpoint saved there.
  await p3.goto(BASE + '/admin/webhooks/new');
  await p3.getByLabel(/^URL/).fill('https://hooks.example.com/form-phone');
  await p3.locator('#event-picker > summary').click();
  await p3.locator('details[data-category="leave"] > summary').click();
  await p3.locator('input[name=events][value="leave.approved"]').check();
  await p3.getByRole('button', { name: 'Save' }).click();
  const wide = await p3.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check(await p3.locator('#new-secret').isVisible() && await p3.locator('button[data-copy="new-secret"]').isVisible()
    && wide[0] <= wide[1], 'at 360 px the new secret and its Copy button fit without sideways scrolling', wide.join(' > '));
  await p3.screenshot({ path: join(SHOTS, 'form-phone-new-secret.png'), fullPage: true });
  await narrow.close();

  // --- axe-core (bypassCSP only to inject axe) -----------------------------
  const axeCtx = await browser.newContext({ bypassCSP: true, viewport: { width: 1366, height: 900 } });
  await axeCtx.addCookies(cookies);
  const axePage = async (pg, name) => {
    const v = await axeViolations(pg);
    check(v.length === 0, `axe finds no accessibility violation on the ${name}`, v.join('; '));
  };
  const pa = await axeCtx.newPage();
  await pa.goto(BASE + '/admin/webhooks/new');
  await axePage(pa, 'New endpoint form');
  await pa.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  await axePage(pa, 'New endpoint form with every part open');
  await pa.goto(BASE + `/admin/webhooks/${id1}/edit`);
  await axePage(pa, 'Edit form');
  await pa.goto(BASE + '/admin/webhooks/new');
  await pa.getByLabel(/^URL/).fill('ftp://example.com/x');
  await pa.getByRole('button', { name: 'Save' }).click();
  await pa.locator('#error-summary').waitFor();
  await axePage(pa, 'New endpoint form with errors');
  await axeCtx.close();
} catch (e) {
  failed++;
  console.log('not ok - the form test ran to its end');
  console.log('#   ' + String(e && e.stack || e).split('\n').join('\n#   '));
} finally {
  await browser.close();
}
finish();
