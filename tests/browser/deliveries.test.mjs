// Browser test of the delivery page and the all-deliveries page in
// Debian's chromium, driven by playwright-core: attempts newest first with
// their request headers, response status, headers and body; long lines
// wrapped and every block reachable by Tab; <time> elements raw UTC
// without JavaScript and localised with it; the deliveries page's filters,
// cursor, refusal of a bad filter and tenant isolation; axe-core and
// 360 px phones on both pages.  A real receiver on loopback, a real
// dispatcher.  Screenshots go to $WH_RUN/out/screenshots.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { BASE, BIN, SHOTS, check, ctl, finish, launch, sleep, axeViolations } from './harness.mjs';

// The receiver: /fail answers 500 with a header of its own and a long
// unbroken line; anything else 200.
const LONG = 'z'.repeat(3000);
const receiver = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    if (req.url.endsWith('/fail')) {
      res.writeHead(500, { 'X-Request-Trace': 'trace-7f3a', 'Content-Type': 'text/plain' });
      res.end('upstream broke: ' + LONG);
    } else {
      res.writeHead(200, { 'X-Request-Trace': 'trace-ok' });
      res.end('thanks');
    }
  });
});
// Longer than the longest retry delay: a connection the dispatcher keeps
// for its next attempt is not closed under it meanwhile.
receiver.keepAliveTimeout = 60000;
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const recvBase = `http://127.0.0.1:${receiver.address().port}`;

const stamp = Date.now();
const password = 'browser-password-123';
function tenantWithUser(name, tag) {
  const t = JSON.parse(ctl(['tenant', 'create', name + ' ' + stamp]));
  t.email = `${tag}-${stamp}@acme.example`;
  ctl(['user', 'create', '--tenant', String(t.tenant_id), '--email', t.email], password + '\n');
  return t;
}
const ta = tenantWithUser('Deliveries browser', 'deliveries');
const tb = tenantWithUser('Deliveries browser other', 'deliveries-other');

async function api(t, method, path, body) {
  const r = await fetch(BASE + path, {
    method,
    headers: { Authorization: 'Bearer ' + t.api_key, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, json: await r.json().catch(() => null) };
}
async function endpoint(t, url, events) {
  const r = await api(t, 'POST', '/api/v1/endpoints', { url, events });
  if (r.status !== 201) throw new Error('create endpoint: ' + JSON.stringify(r));
  return r.json.id;
}
const emit = (t, type, data) => JSON.parse(ctl(['emit', '--tenant', String(t.tenant_id), type, JSON.stringify(data)]));

const epOk = await endpoint(ta, recvBase + '/ok', ['leave.approved']);
const epFail = await endpoint(ta, recvBase + '/fail', ['incident.reported']);
const epB = await endpoint(tb, recvBase + '/ok', ['leave.approved']);

let dispatcher = null;
const dispatcherBin = join(BIN, 'webhooks-dispatcher');
if (spawnSync('test', ['-x', dispatcherBin]).status === 0) {
  dispatcher = spawn(dispatcherBin, [], { stdio: 'ignore', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
}

// 55 good deliveries (a second page), one of the other tenant's, then a
// failing one whose body is one long line.  The failing one last: while
// spawnSync runs webhooksctl, this process's receiver cannot answer, and
// an attempt made meanwhile would time out.
for (let i = 0; i < 55; i++) emit(ta, 'leave.approved', { id: i, employee_id: 45, days: 1 });
emit(tb, 'leave.approved', { id: 1, employee_id: 9, days: 2 });
const failEv = emit(ta, 'incident.reported', { id: 7, title: 'Disk full ' + LONG });
const listA = async (q) => (await api(ta, 'GET', `/api/v1/endpoints/${q}`)).json;
const failDel = (await listA(`${epFail}/deliveries`)).data?.[0] ?? (await listA(`${epFail}/deliveries`))[0];
const failId = failDel && failDel.id;
const theirs = (await api(tb, 'GET', `/api/v1/endpoints/${epB}/deliveries`)).json;
const theirIds = (theirs.data || theirs).map((d) => String(d.id));

// The failing delivery runs through its retries (the tests' schedule is
// 1 to 5 seconds) and is dropped.
let failStatus = null, attempts = 0;
for (let i = 0; i < 300 && failStatus !== 'dropped'; i++) {
  const d = await api(ta, 'GET', `/api/v1/deliveries/${failId}`);
  failStatus = d.json && d.json.status;
  attempts = d.json && Array.isArray(d.json.attempts) ? d.json.attempts.length : 0;
  if (failStatus !== 'dropped') await sleep(200);
}
check(failId && failStatus === 'dropped' && attempts >= 2, 'the failing delivery was tried several times, then dropped',
  `${failId} ${failStatus} ${attempts}`);
// The good ones delivered.
for (let i = 0; i < 150; i++) {
  const l = await listA(`${epOk}/deliveries?status=delivered`);
  if ((l.data || l).length >= 50) break;
  await sleep(200);
}

const browser = await launch();
async function signIn(ctx, t) {
  const p = await ctx.newPage();
  await p.goto(BASE + '/admin/login');
  await p.getByLabel('Email').fill(t.email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  return p;
}
const deliveryIds = (p) => p.locator('table tbody td[data-label="Delivery"] a').evaluateAll(
  (as) => as.map((a) => a.getAttribute('href').replace(/.*\//, '')));

try {
  // ------------------------------------------------ the delivery page, no JS, on a phone
  const phone = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
  const p = await signIn(phone, ta);
  await p.goto(`${BASE}/admin/deliveries/${failId}`);
  const heads = await p.locator('details.attempt summary h3').allTextContents();
  const nums = heads.map((h) => Number((h.match(/Attempt (\d+)/) || [])[1]));
  check(nums.length >= 2 && nums.every((n, i) => i === 0 || n < nums[i - 1]),
    'attempts are listed newest first', heads.join(' | '));
  const openFlags = await p.locator('details.attempt').evaluateAll((ds) => ds.map((d) => d.open));
  check(openFlags[0] === true && openFlags.slice(1).every((o) => !o), 'the newest attempt is open, the others closed', openFlags.join());
  // Every attempt that got an answer; one cut off on the network (none
  // expected here) would show its error instead of a response.
  const parts = await p.locator('details.attempt').evaluateAll((ds) => ds.map((d) => ({
    req: !!d.querySelector('pre[aria-label^="Request headers"]') && d.textContent.includes('X-Momentumpro-Signature'),
    status: d.querySelector('summary').textContent.includes('HTTP 500'),
    rh: (d.querySelector('pre[aria-label^="Response headers"]') || {}).textContent || '',
    body: (d.querySelector('pre[aria-label^="Response body"]') || {}).textContent || '',
  })));
  const answered = parts.filter((x) => x.status);
  check(parts.length >= 2 && answered.length >= 2 && parts.every((x) => x.req)
    && answered.every((x) => /x-request-trace: trace-7f3a/i.test(x.rh) && x.body.startsWith('upstream broke: zzz')),
  'each attempt shows its request headers, response status, response headers and body',
  JSON.stringify(parts.map((x) => [x.req, x.status, x.rh.slice(0, 30), x.body.slice(0, 20)])));
  const wide = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth,
    [...document.querySelectorAll('pre.wrap')].filter((e) => e.offsetParent && e.scrollWidth > e.clientWidth + 1).length]);
  check(wide[0] <= wide[1] && wide[2] === 0, 'at 360 px long lines wrap: neither the page nor a body block scrolls sideways', wide.join(' / '));
  const times = await p.locator('time[datetime]').evaluateAll((ts) => ts.map((t) => [t.getAttribute('datetime'), t.textContent]));
  check(times.length >= 3 && times.every(([d, t]) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(d) && t === d),
    'without JavaScript every <time> shows its raw UTC datetime', JSON.stringify(times.slice(0, 3)));
  // Tab from the top reaches the request body, then the newest attempt's blocks.
  let reached = null, reachedRh = null;
  for (let i = 0; i < 60 && !(reached && reachedRh); i++) {
    await p.keyboard.press('Tab');
    const label = await p.evaluate(() => document.activeElement && document.activeElement.getAttribute('aria-label'));
    if (label === 'Request body' && reached === null) reached = i + 1;
    if (label && label.startsWith('Response body, attempt ') && reachedRh === null) reachedRh = i + 1;
  }
  check(reached !== null && reachedRh !== null, 'Tab reaches the request body and the newest response body',
    `${reached} / ${reachedRh}`);
  await p.screenshot({ path: join(SHOTS, '20-delivery-attempts-phone.png'), fullPage: true });

  // ------------------------------------------------ the deliveries page, no JS
  await p.getByRole('link', { name: 'Deliveries', exact: true }).click();
  check(p.url() === BASE + '/admin/deliveries', 'the page header links to Deliveries', p.url());
  const w = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check(w[0] <= w[1], 'at 360 px the deliveries page does not scroll sideways', w.join(' > '));
  await p.screenshot({ path: join(SHOTS, '21-deliveries-phone.png'), fullPage: true });
  const first = await deliveryIds(p);
  check(first.length === 50 && first.every((id, i) => i === 0 || Number(id) < Number(first[i - 1])),
    'the page lists 50 deliveries, newest first', first.length);
  check(!first.some((id) => theirIds.includes(id)), 'another tenant\'s deliveries are not listed');
  await p.getByRole('link', { name: 'Older deliveries →' }).click();
  const second = await deliveryIds(p);
  check(second.length >= 6 && Number(second[0]) < Number(first[49]), 'Older deliveries pages on with the cursor', `${second.length} ${second[0]}`);

  await p.goto(BASE + '/admin/deliveries');
  await p.getByLabel('Status').selectOption('dropped');
  await p.getByRole('button', { name: 'Filter' }).click();
  let rows = await deliveryIds(p);
  check(rows.length === 1 && rows[0] === String(failId) && (await p.locator('tbody .status').first().textContent()) === 'dropped',
    'filter by status', rows.join());
  await p.goto(BASE + '/admin/deliveries');
  await p.getByLabel('Event type').selectOption('incident.reported');
  await p.getByRole('button', { name: 'Filter' }).click();
  rows = await deliveryIds(p);
  check(rows.length === 1 && rows[0] === String(failId), 'filter by event type', rows.join());
  await p.goto(BASE + '/admin/deliveries');
  await p.getByLabel('Endpoint').selectOption(String(epOk));
  await p.getByRole('button', { name: 'Filter' }).click();
  rows = await deliveryIds(p);
  const urls = await p.locator('tbody td[data-label="Endpoint"]').allTextContents();
  check(rows.length === 50 && urls.every((u) => u === recvBase + '/ok') && !rows.includes(String(failId)),
    'filter by endpoint', urls.slice(0, 2).join());
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  await p.goto(BASE + '/admin/deliveries?event=incident.reported');
  await p.getByLabel('From').fill(today);
  await p.getByLabel('Until').fill(today + 'T23:59');
  await p.getByRole('button', { name: 'Filter' }).click();
  rows = await deliveryIds(p);
  await p.getByLabel('Until').fill(yesterday);
  await p.getByLabel('From').fill('');
  await p.getByRole('button', { name: 'Filter' }).click();
  const none = await deliveryIds(p);
  check(rows.length === 1 && none.length === 0 && await p.getByText('No delivery matches these filters.').isVisible(),
    'filter by time range (a day, a minute)', `${rows.length} ${none.length}`);
  await p.goto(BASE + '/admin/deliveries');
  await p.getByLabel('Delivery or event id').fill(String(failId));
  await p.getByRole('button', { name: 'Filter' }).click();
  rows = await deliveryIds(p);
  check(rows.includes(String(failId)), 'find by delivery id', rows.join());
  await p.getByLabel('Delivery or event id').fill(String(failEv.event_id));
  await p.getByRole('button', { name: 'Filter' }).click();
  rows = await deliveryIds(p);
  check(rows.includes(String(failId)), 'find by event id', rows.join());

  // A bad filter: 400, a summary with the focus, the message at the field.
  await p.goto(BASE + '/admin/deliveries');
  await p.getByLabel('From').fill('last tuesday');
  const resp = await Promise.all([p.waitForNavigation(), p.getByRole('button', { name: 'Filter' }).click()]);
  await p.waitForFunction(() => document.activeElement && document.activeElement.id === 'error-summary').catch(() => {});
  check(resp[0].status() === 400 && await p.locator('#from-error').isVisible()
    && /Write the time as a date like 2026-11-30/.test(await p.locator('#from-error').textContent())
    && await p.evaluate(() => document.activeElement.id) === 'error-summary'
    && await p.getByLabel('From').inputValue() === 'last tuesday',
  'a bad filter is refused with a clear message at the field, the summary focused, the value kept');
  await p.screenshot({ path: join(SHOTS, '22-deliveries-bad-filter-phone.png'), fullPage: true });

  // Tenant isolation, from the other tenant's admin.
  const other = await browser.newContext({ javaScriptEnabled: false });
  const po = await signIn(other, tb);
  await po.goto(BASE + '/admin/deliveries');
  const theirsListed = await deliveryIds(po);
  check(theirsListed.length === theirIds.length && theirsListed.every((id) => theirIds.includes(id)),
    'the other tenant lists only its own deliveries', theirsListed.join());
  // The id is looked up as an event id too, and one of this tenant's
  // own events may have that number: only its own deliveries may show.
  await po.goto(`${BASE}/admin/deliveries?id=${failId}`);
  const found = await deliveryIds(po);
  check(!found.includes(String(failId)) && found.every((id) => theirIds.includes(id))
    && (found.length > 0 || await po.getByText('No delivery matches these filters.').isVisible()),
  'another tenant\'s delivery id finds nothing of that tenant', found.join());
  const direct = await po.goto(`${BASE}/admin/deliveries/${failId}`);
  check(direct.status() === 404, 'another tenant\'s delivery page is not found', direct.status());
  await other.close();
  await phone.close();

  // ------------------------------------------------ with JavaScript: times localised
  const js = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'Asia/Kolkata' });
  const pj = await signIn(js, ta);
  for (const [name, url] of [['delivery', `${BASE}/admin/deliveries/${failId}`], ['deliveries', BASE + '/admin/deliveries']]) {
    await pj.goto(url);
    await pj.waitForFunction(() => { const t = document.querySelector('time[datetime]'); return t && t.title; }).catch(() => {});
    const ts = await pj.locator('time[datetime]').evaluateAll((els) => els.map((t) => [t.getAttribute('datetime'), t.textContent, t.title]));
    check(ts.length >= 1 && ts.every(([d, text, title]) => text !== d && /ago|in |just now/.test(text)
      && title.includes(d) && /GMT\+5:30|IST/.test(title)),
    `with JavaScript the ${name} page's times are relative, with the time in the viewer's zone in the title`,
    JSON.stringify(ts.slice(0, 2)));
  }
  await pj.screenshot({ path: join(SHOTS, '23-deliveries-js.png'), fullPage: true });
  await js.close();

  // ------------------------------------------------ axe-core, JS on
  const axeCtx = await browser.newContext({ bypassCSP: true });
  const pa = await signIn(axeCtx, ta);
  for (const [name, url] of [['delivery', `${BASE}/admin/deliveries/${failId}`], ['deliveries', BASE + '/admin/deliveries'],
    ['deliveries with a bad filter', BASE + '/admin/deliveries?from=nope&id=x']]) {
    await pa.goto(url);
    const v = await axeViolations(pa);
    check(v.length === 0, `axe finds no accessibility violation on the ${name} page`, v.join('; '));
  }
  await axeCtx.close();
} catch (e) {
  check(false, 'the browser walk completed', e && e.stack);
} finally {
  await browser.close();
  receiver.close();
  if (dispatcher) dispatcher.kill('SIGTERM');
}
finish();
