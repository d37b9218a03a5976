/* /admin/webhooks/{id}: one endpoint, its Health dashboard (counts by
 * status, success rate, latency, a 24-hour chart drawn here as inline
 * SVG), its recent deliveries, and the actions on it.  A fixed number of
 * queries per page, whatever the number of deliveries shown. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "buf.h"
#include "catalog.h"
#include "crypto.h"
#include "db.h"
#include "delivery.h"
#include "emit.h"
#include "endpoint.h"
#include "html.h"
#include "quotas.h"
#include "req.h"
#include "session.h"
#include "util.h"
#include "wake.h"

#define DELIVERIES_PAGE	25

/* The subject of an endpoint's page title: its description, else its
 * URL's host and path (no scheme, credentials or query, which may hold a
 * token), on one line and cut at a character boundary.  The caller
 * escapes it like any value (html_begin). */
static void
endpoint_subject(const struct endpoint *ep, char *out, size_t outsz)
{
	const char	*s, *at, *end;
	size_t		 n, i, lim;

	if (ep->ep_description[0] != '\0') {
		s = ep->ep_description;
		end = s + strlen(s);
	} else {
		s = ep->ep_url;
		if ((at = strstr(s, "://")) != NULL)
			s = at + 3;
		end = s + strcspn(s, "?#");
		/* user:password@ before the host is not for a title. */
		at = memchr(s, '@', (size_t)(end - s));
		if (at != NULL && at < s + strcspn(s, "/"))
			s = at + 1;
	}
	n = (size_t)(end - s);
	if (outsz < 8) {
		out[0] = '\0';
		return;
	}
	/* Room for "…" (3 bytes) and the NUL. */
	lim = outsz - 4 < 60 ? outsz - 4 : 60;
	if (n > lim) {
		n = lim;
		/* Back off to the first byte of a UTF-8 character. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20)
			out[i] = ' ';
	if (n < (size_t)(end - s))
		memcpy(out + n, "…", sizeof("…"));
	else
		out[n] = '\0';
}

static const char *
done_notice(const char *done)
{
	static const struct { const char *k, *msg; } notes[] = {
		{ "created", "Endpoint created. Configure your receiver to "
		    "verify signatures with its secret (Reveal shows it)." },
		{ "saved", "Changes saved." },
		{ "test", "A test event is on its way (one attempt, marked "
		    "X-Momentumpro-Test: true); it appears in Recent "
		    "deliveries below." },
		{ "recovered", "The failed and dropped deliveries in that "
		    "range are due again now, each with a fresh retry "
		    "schedule." },
		{ "enabled", "Endpoint enabled; waiting deliveries resume now." },
		{ "disabled", "Endpoint disabled; new events are not sent to "
		    "it and waiting deliveries are paused." },
		{ "redelivered", "The delivery will be sent again now." },
	};
	size_t	 i;

	for (i = 0; done != NULL && i < sizeof(notes) / sizeof(notes[0]); i++)
		if (strcmp(done, notes[i].k) == 0)
			return notes[i].msg;
	return NULL;
}

static void
chart(struct buf *b, const struct dl_health *hh)
{
	const long long	*ok = hh->dh_hour_ok, *bad = hh->dh_hour_bad;
	long long	 max = 1;
	int		 x, hok, hbad;

	for (x = 0; x < 24; x++)
		if (ok[x] + bad[x] > max)
			max = ok[x] + bad[x];
	buf_puts(b, "<figure class=\"chart\"><svg viewBox=\"0 0 480 140\" "
	    "role=\"img\" aria-labelledby=\"chart-title\"><title id=\"chart-"
	    "title\">Attempts per hour over the last 24 hours: green "
	    "succeeded, red failed</title>\n");
	for (x = 0; x < 24; x++) {
		hok = (int)(ok[x] * 110 / max);
		hbad = (int)(bad[x] * 110 / max);
		if (ok[x] > 0 && hok == 0)
			hok = 1;
		if (bad[x] > 0 && hbad == 0)
			hbad = 1;
		html_printf(b, "<g><title>%lld succeeded, %lld failed</title>",
		    ok[x], bad[x]);
		if (hok > 0)
			html_printf(b, "<rect class=\"bar-ok\" x=\"%d\" y=\"%d\" "
			    "width=\"16\" height=\"%d\"/>", 20 * x + 2,
			    120 - hok, hok);
		if (hbad > 0)
			html_printf(b, "<rect class=\"bar-bad\" x=\"%d\" y=\"%d\""
			    " width=\"16\" height=\"%d\"/>", 20 * x + 2,
			    120 - hok - hbad, hbad);
		buf_puts(b, "</g>");
	}
	html_printf(b, "<line class=\"axis\" x1=\"0\" y1=\"120\" x2=\"480\" "
	    "y2=\"120\"/><text x=\"0\" y=\"135\">24 h ago</text><text "
	    "x=\"440\" y=\"135\">now</text><text x=\"0\" y=\"10\">max %lld/h"
	    "</text></svg><figcaption>Attempts per hour, last 24 hours"
	    "</figcaption></figure>\n", max);
}

/* How to verify, with code to copy.  The code checks the Standard
 * Webhooks signature, which covers the timestamp; tests/integration/
 * test_secrets.py runs the Python and Node.js versions as shown here. */
static void
snippets(struct buf *b, unsigned long long id, int standard)
{
	buf_puts(b, "<section id=\"verify\"><h2>Verifying signatures</h2>\n"
	    "<p>Verify <code>webhook-signature</code> and reject any webhook "
	    "whose <code>webhook-timestamp</code> is more than 5 minutes old. "
	    "Why that header: <code>X-Momentumpro-Signature</code> is the "
	    "HMAC of the body alone, so someone who captured a delivery (from "
	    "a log or a proxy) could send it again later with a fresh "
	    "<code>X-Momentumpro-Timestamp</code> and pass the 5-minute check. "
	    "<code>webhook-signature</code> signs <code>webhook-id</code>, "
	    "<code>webhook-timestamp</code> and the body together: a replay "
	    "with a new timestamp no longer matches, and one with the old "
	    "timestamp is too old. To refuse a replay within the 5 minutes "
	    "too, remember the <code>webhook-id</code> values you accepted. "
	    "Compute the HMAC over the raw body bytes, before any JSON "
	    "parsing; Standard Webhooks libraries (<code>standardwebhooks"
	    "</code>, <code>svix</code>) do all of this with this secret.</p>"
	    "\n");
	if (!standard)
		html_printf(b, "<p class=\"error\" id=\"standard-off\">This "
		    "endpoint does not send the Standard Webhooks headers yet "
		    "(it was created before they were the default). <a href=\""
		    "/admin/webhooks/%llu/edit\">Edit</a> it and tick them, then "
		    "deploy this code: the other headers stay as they are."
		    "</p>\n", id);
	buf_puts(b, "<h3>Python</h3>\n<pre tabindex=\"0\"><code id=\""
	    "snippet-python\">");
	html_esc(b,
	    "import base64, hashlib, hmac, time\n\n"
	    "def verify(body: bytes, headers, secret: str) -> bool:\n"
	    "    \"\"\"headers: the request's, by lower-case name.\"\"\"\n"
	    "    msg_id = headers.get(\"webhook-id\", \"\")\n"
	    "    ts = headers.get(\"webhook-timestamp\", \"\")\n"
	    "    if not ts.isdigit() or abs(time.time() - int(ts)) > 300:\n"
	    "        return False  # too old: a replay\n"
	    "    key = (base64.b64decode(secret[6:]) if "
	    "secret.startswith(\"whsec_\")\n"
	    "           else secret.encode())\n"
	    "    signed = (msg_id + \".\" + ts + \".\").encode() + body\n"
	    "    expected = base64.b64encode(hmac.new(key, signed, "
	    "hashlib.sha256).digest())\n"
	    "    # During a secret rotation there are two signatures: "
	    "either will do.\n"
	    "    return any(hmac.compare_digest(expected, "
	    "sig.partition(\",\")[2].encode())\n"
	    "               for sig in headers.get(\"webhook-signature\", "
	    "\"\").split())\n");
	buf_puts(b, "</code></pre>\n<h3>Node.js</h3>\n<pre tabindex=\"0\">"
	    "<code id=\""
	    "snippet-node\">");
	html_esc(b,
	    "const crypto = require('crypto');\n\n"
	    "// body: the raw Buffer; headers: by lower-case name\n"
	    "function verify(body, headers, secret) {\n"
	    "  const id = headers['webhook-id'] || '';\n"
	    "  const ts = headers['webhook-timestamp'] || '';\n"
	    "  if (!/^[0-9]+$/.test(ts) || Math.abs(Date.now() / 1000 - "
	    "Number(ts)) > 300)\n"
	    "    return false; // too old: a replay\n"
	    "  const key = secret.startsWith('whsec_') ?\n"
	    "    Buffer.from(secret.slice(6), 'base64') : "
	    "Buffer.from(secret);\n"
	    "  const expected = Buffer.from(crypto.createHmac('sha256', key)\n"
	    "    .update(id + '.' + ts + '.').update(body).digest('base64'));\n"
	    "  // During a secret rotation there are two signatures: either "
	    "will do.\n"
	    "  return (headers['webhook-signature'] || '').split(' ').some("
	    "(s) => {\n"
	    "    const sig = Buffer.from(s.slice(s.indexOf(',') + 1));\n"
	    "    return sig.length === expected.length &&\n"
	    "      crypto.timingSafeEqual(sig, expected);\n"
	    "  });\n"
	    "}\n");
	buf_puts(b, "</code></pre>\n<h3>PHP</h3>\n<pre tabindex=\"0\">"
	    "<code id=\""
	    "snippet-php\">");
	html_esc(b,
	    "<?php\n"
	    "$body = file_get_contents('php://input');\n"
	    "$id = $_SERVER['HTTP_WEBHOOK_ID'] ?? '';\n"
	    "$ts = $_SERVER['HTTP_WEBHOOK_TIMESTAMP'] ?? '';\n"
	    "$key = strncmp($secret, 'whsec_', 6) === 0 ?\n"
	    "    base64_decode(substr($secret, 6)) : $secret;\n"
	    "$expected = base64_encode(hash_hmac('sha256', \"$id.$ts.$body\", "
	    "$key, true));\n"
	    "$ok = false;\n"
	    "// During a secret rotation there are two signatures: either will "
	    "do.\n"
	    "foreach (explode(' ', $_SERVER['HTTP_WEBHOOK_SIGNATURE'] ?? '') "
	    "as $s) {\n"
	    "    $ok = $ok || hash_equals($expected, (string)substr($s, "
	    "strpos($s, ',') + 1));\n"
	    "}\n"
	    "if (!$ok || !ctype_digit($ts) || abs(time() - (int)$ts) > 300) {\n"
	    "    http_response_code(401); // bad signature, or too old: a "
	    "replay\n"
	    "    exit;\n"
	    "}\n");
	buf_puts(b, "</code></pre>\n<h3>With <code>X-Momentumpro-Signature"
	    "</code> only</h3>\n<p>A receiver that checks only <code>"
	    "X-Momentumpro-Signature</code> (HMAC-SHA256 of the body with the "
	    "secret, lowercase hex) should also refuse an <code>"
	    "X-Momentumpro-Delivery</code> it has already accepted, since the "
	    "timestamp is not signed there. During a secret rotation's "
	    "overlap, <code>X-Momentumpro-Signature-Previous</code> carries the "
	    "body's HMAC with the previous secret: accept the delivery when "
	    "either header matches its secret, so deliveries keep verifying "
	    "while you deploy the new secret.</p></section>\n");
}

/* Format, filters and custom headers, as <dt>/<dd> pairs; the routing
 * key and header values masked as stored. */
static void
integrations(struct buf *b, const struct endpoint *ep, long long filtered)
{
	static const struct { const char *k, *label; } ops[] = {
		{ "eq", "equals" }, { "ne", "does not equal" },
		{ "in", "is one of" }, { "exists", "is present" },
		{ "gt", "is greater than" }, { "lt", "is less than" },
	};
	const char	*ol;
	size_t		 i, k;

	html_printf(b, "<dt>Payload format</dt><dd>%s</dd>\n",
	    admin_format_label(ep->ep_format));
	if (ep->ep_routing_key != NULL)
		html_printf(b, "<dt>PagerDuty routing key</dt><dd><code>%s"
		    "</code></dd>\n", ep->ep_routing_key);
	buf_puts(b, "<dt>Filters</dt><dd>");
	if (ep->ep_nfilters == 0)
		buf_puts(b, "none: every subscribed event is sent");
	else {
		buf_puts(b, "all of:<ul class=\"plain\">");
		for (i = 0; i < ep->ep_nfilters; i++) {
			ol = ep->ep_filters[i].ef_op;
			for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
				if (strcmp(ops[k].k, ol) == 0)
					ol = ops[k].label;
			html_printf(b, "<li><code>%s</code> %s", ep->ep_filters[i]
			    .ef_path, ol);
			if (ep->ep_filters[i].ef_value != NULL)
				html_printf(b, " <code>%s</code>",
				    ep->ep_filters[i].ef_value);
			buf_puts(b, "</li>");
		}
		buf_puts(b, "</ul>");
	}
	/* Counted since the endpoint had filters; kept when they change. */
	if (filtered > 0 || ep->ep_nfilters > 0)
		html_printf(b, "<p class=\"hint\" id=\"filtered\">%lld event%s "
		    "filtered out (not sent)</p>", filtered, filtered == 1 ?
		    "" : "s");
	buf_puts(b, "</dd>\n<dt>Custom headers</dt><dd>");
	if (ep->ep_nheaders == 0)
		buf_puts(b, "none");
	for (i = 0; i < ep->ep_nheaders; i++) {
		if (i > 0)
			buf_puts(b, "<br>");
		html_printf(b, "<code>%s: %s</code>", ep->ep_headers[i].eh_name,
		    ep->ep_headers[i].eh_value);
	}
	buf_puts(b, "</dd>\n");
}

/* "in 4 min" for a time to come, "due now" for one past. */
static void
next_retry(struct buf *b, const char *status, const char *at)
{
	int64_t	 ms;
	char	 span[32];

	if (at == NULL || util_rfc3339_parse(at, strlen(at), span, &ms) == -1) {
		buf_puts(b, "—");
		return;
	}
	ms -= util_now_ms();
	util_span_text(ms, span, sizeof(span));
	html_printf(b, "<time datetime=\"%s\">%s%s</time>", at,
	    strcmp(status, "retrying") == 0 ? "next retry " : "",
	    ms > 0 ? "in " : "due now");
	if (ms > 0)
		html_esc(b, span);
}

/* A failing endpoint says so first: since when, its last error, what
 * happens next; a disabled one why. */
static void
failing_banner(struct buf *b, const struct endpoint *ep,
    const struct dl_health *h)
{
	if (!ep->ep_enabled || !h->dh_failing)
		return;
	html_printf(b, "<div class=\"alert\" role=\"alert\" id=\"failing\">"
	    "<strong>Failing.</strong> Every delivery attempt since <time "
	    "datetime=\"%s\">%s</time> has failed (%lld in a row). Last "
	    "error: ", h->dh_failing_since, h->dh_failing_since,
	    h->dh_fail_streak);
	if (h->dh_last_code > 0)
		html_printf(b, "HTTP %lld", h->dh_last_code);
	if (h->dh_last_error[0] != '\0')
		html_printf(b, "%s%s", h->dh_last_code > 0 ? ": " : "",
		    h->dh_last_error);
	if (h->dh_oldest_retrying[0] != '\0')
		html_printf(b, ". The oldest delivery waiting for a retry was "
		    "created <time datetime=\"%s\">%s</time>",
		    h->dh_oldest_retrying, h->dh_oldest_retrying);
	buf_puts(b, ". Deliveries are retried on their schedule; an endpoint with no successful delivery for too long "
	    "is disabled. Once the receiver works, recover what failed "
	    "meanwhile below.</div>\n");
}

/* Send test event: a type from the catalog, the endpoint's first
 * exact subscription preselected. */
static void
test_form(struct buf *b, struct req *r, const struct endpoint *ep)
{
	struct dbres	*names = NULL;
	const char	*def = NULL;
	size_t		 i;

	for (i = 0; i < ep->ep_nevents && def == NULL; i++)
		if (strchr(ep->ep_events[i], '*') == NULL)
			def = ep->ep_events[i];
	html_printf(b, "<form method=\"post\" class=\"inline\" action=\""
	    "/admin/webhooks/%llu/test\">", ep->ep_id);
	html_csrf(b, r);
	if (catalog_names(r->r_db, &names) == 0) {
		buf_puts(b, "<label for=\"test-event\" class=\"visually-"
		    "hidden\">Test event type</label><select id=\"test-event\""
		    " name=\"event\">");
		for (i = 0; i < names->r_nrow; i++)
			html_printf(b, "<option%s>%s</option>", def != NULL &&
			    strcmp(def, dbres_get(names, i, CAT_NAME)) == 0 ?
			    " selected" : "", dbres_get(names, i, CAT_NAME));
		buf_puts(b, "</select> ");
		dbres_free(names);
	}
	buf_puts(b, "<button type=\"submit\" class=\"secondary\">Send test "
	    "event</button></form>\n");
}

/* Recover failed deliveries since ...: the last day by default. */
static void
recover_form(struct buf *b, struct req *r, const struct dl_health *h)
{
	char	 since[32];

	util_rfc3339_fmt(util_now_ms() - 86400000LL, 0, since);
	html_printf(b, "<form method=\"post\" class=\"recover\" action=\""
	    "/admin/webhooks/%llu/recover\"><p><strong>Recover failed "
	    "deliveries</strong>: %lld failed and %lld dropped here. Send "
	    "again every failed and dropped delivery created since</p>",
	    r->r_ids[0], h->dh_count[4], h->dh_count[5]);
	html_csrf(b, r);
	html_printf(b, "<label for=\"recover-since\">Since (UTC, at most 14 "
	    "days back)</label> <input id=\"recover-since\" name=\"since\" "
	    "value=\"%s\" size=\"22\" pattern=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T"
	    "[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z\"> <button type=\"submit\""
	    " class=\"secondary\">Recover</button></form>\n", since);
}

/* A secret in a read-only field: one value, selected whole on focus by
 * admin.js, with a Copy button that admin.js shows. */
static void
secret_field(struct buf *b, const char *id, const char *secret)
{
	html_printf(b, "<div class=\"copy-row\"><input type=\"text\" id=\"%s\""
	    " class=\"secret\" readonly value=\"%s\" aria-label=\"Secret\" "
	    "autocomplete=\"off\" spellcheck=\"false\"> <button type=\"button"
	    "\" class=\"secondary\" data-copy=\"%s\" hidden>Copy</button>"
	    "</div>", id, secret, id);
}

/* The endpoint page; revealed is the secret in clear after a Reveal. */
static void
endpoint_page(struct req *r, const char *revealed)
{
	struct endpoint		 ep;
	struct dbres		*rows = NULL;
	struct dl_health	 health;
	struct buf		 b;
	char			*status = NULL, *before_s = NULL, *done = NULL;
	char			*sent = NULL, *fresh = NULL;
	char			 subject[80], title[112];
	const char		*errstr, *note, *st;
	unsigned long long	 id = r->r_ids[0], before = 0;
	size_t			 i, k;
	int			 more = 0;
	enum ep_err		 e;

	if ((e = endpoint_get(r->r_db, r->r_tenant, id, &ep)) != EP_OK) {
		if (e == EP_NOTFOUND)
			html_error(r, 404, "There is no such endpoint.");
		else
			html_error(r, 503, "The database is unreachable; try "
			    "again in a moment.");
		return;
	}
	status = req_form_get(r->r_query, strlen(r->r_query), "status");
	if (status != NULL && (status[0] == '\0' ||
	    !delivery_status_ok(status))) {
		free(status);
		status = NULL;
	}
	if ((before_s = req_form_get(r->r_query, strlen(r->r_query),
	    "before")) != NULL) {
		before = (unsigned long long)util_strtonum(before_s, 1,
		    INT64_MAX, &errstr);
		if (errstr != NULL)
			before = 0;
	}
	done = req_form_get(r->r_query, strlen(r->r_query), "done");
	sent = req_form_get(r->r_query, strlen(r->r_query), "sent");
	/* Right after create, once: the cookie is cleared as it is read. */
	if (revealed == NULL && done != NULL && strcmp(done, "created") == 0 &&
	    session_once_take(r, id) && endpoint_secret_get(r->r_db,
	    r->r_tenant, id, &fresh) != EP_OK)
		endpoint_secret_free(&fresh);

	if (delivery_health(r->r_db, id, &health) == -1)
		goto dberr;
	if (delivery_list(r->r_db, r->r_tenant, id, status, before,
	    DELIVERIES_PAGE, &rows, &more) != DL_OK)
		goto dberr;

	buf_init(&b);
	endpoint_subject(&ep, subject, sizeof(subject));
	snprintf(title, sizeof(title), "%s · Endpoint", subject);
	html_begin(&b, r, title);
	buf_puts(&b, "<p><a href=\"/admin/webhooks\">← Webhooks</a></p>\n");
	if ((note = done_notice(done)) != NULL)
		html_printf(&b, "<p class=\"notice\" role=\"status\">%s</p>\n",
		    note);
	if (note != NULL && strcmp(done, "test") == 0 && sent != NULL)
		html_printf(&b, "<p class=\"notice\" role=\"status\">Type sent: "
		    "<code>%s</code></p>\n", sent);
	html_printf(&b, "<h1 class=\"url\">%s</h1>\n", ep.ep_url);
	if (fresh != NULL) {
		buf_puts(&b, "<section class=\"card new-secret\" aria-labelledby"
		    "=\"new-secret-heading\"><h2 id=\"new-secret-heading\">Your "
		    "endpoint's secret</h2>\n<p>Copy it now and configure your "
		    "receiver to verify signatures with it. It is shown here "
		    "this once; Reveal below shows it again to admins.</p>\n");
		secret_field(&b, "new-secret", fresh);
		buf_puts(&b, "</section>\n");
	}
	if (ep.ep_description[0] != '\0')
		html_printf(&b, "<p>%s</p>\n", ep.ep_description);
	failing_banner(&b, &ep, &health);
	buf_puts(&b, "<div class=\"card\"><dl>\n<dt>Status</dt><dd>");
	/* Grey for a disable by hand, red for the dispatcher's. */
	if (ep.ep_enabled)
		buf_puts(&b, "<span class=\"status status-enabled\">enabled"
		    "</span>");
	else if (ep.ep_disabled_reason != NULL)
		html_printf(&b, "<span class=\"status status-auto-disabled\">"
		    "disabled automatically</span> — %s",
		    ep.ep_disabled_reason);
	else
		buf_puts(&b, "<span class=\"status status-disabled\">disabled"
		    "</span> — by hand; enable it to send new events again");
	buf_puts(&b, "</dd>\n<dt>Events</dt><dd>");
	for (k = 0; k < ep.ep_nevents; k++)
		html_printf(&b, "%s<code>%s</code>", k ? ", " : "",
		    ep.ep_events[k]);
	buf_puts(&b, "</dd>\n");
	integrations(&b, &ep, health.dh_filtered);
	html_printf(&b, "<dt>Standard Webhooks headers</dt><dd>%s</dd>\n"
	    "<dt>Secret</dt><dd>", ep.ep_standard_webhooks ? "yes" : "no");
	if (revealed != NULL) {
		secret_field(&b, "secret-value", revealed);
		/* This page is a POST's answer: Hide is the plain page. */
		html_printf(&b, "<p class=\"hint\"><a href=\"/admin/webhooks/"
		    "%llu\">Hide the secret</a></p>", id);
	} else {
		html_printf(&b, "<code class=\"secret\">whsec_••••••••••••</code>"
		    " <form class=\"inline\" method=\"post\" action=\"/admin/"
		    "webhooks/%llu/reveal-secret\">", id);
		html_csrf(&b, r);
		buf_puts(&b, "<button type=\"submit\" class=\"secondary\">Reveal"
		    "</button></form>");
	}
	if (ep.ep_prev_until[0] != '\0')
		html_printf(&b, "<p class=\"hint\" id=\"prev-secret\">The "
		    "previous secret also signs until <time datetime=\"%s\">%s"
		    "</time> (UTC), after a rotation.</p>", ep.ep_prev_until,
		    ep.ep_prev_until);
	buf_puts(&b, "</dd>\n</dl></div>\n");

	/* Actions */
	html_printf(&b, "<div class=\"actions\">\n<a class=\"button secondary\""
	    " href=\"/admin/webhooks/%llu/edit\">Edit</a>\n", id);
	test_form(&b, r, &ep);
	html_printf(&b, "<a class=\"button secondary\" href=\"/admin/webhooks/"
	    "%llu/rotate-secret\">Rotate secret</a>\n", id);
	html_printf(&b, "<form method=\"post\" action=\"/admin/webhooks/%llu/"
	    "%s\">", id, ep.ep_enabled ? "disable" : "enable");
	html_csrf(&b, r);
	html_printf(&b, "<button type=\"submit\" class=\"secondary\">%s"
	    "</button></form>\n", ep.ep_enabled ? "Disable" : "Enable");
	html_printf(&b, "<a class=\"button danger\" href=\"/admin/webhooks/"
	    "%llu/delete\">Delete</a>\n</div>\n", id);

	/* Health */
	buf_puts(&b, "<section><h2>Health</h2>\n<dl class=\"stats\">\n");
	for (k = 0; k < DL_STATUSES; k++)
		html_printf(&b, "<div class=\"%s\"><dt>%s</dt><dd>%lld</dd>"
		    "</div>\n", health.dh_count[k] > 0 &&
		    (strcmp(delivery_statuses[k], "retrying") == 0 ||
		    strcmp(delivery_statuses[k], "failed") == 0 ||
		    strcmp(delivery_statuses[k], "dropped") == 0) ? "stat-bad" :
		    "stat", delivery_statuses[k], health.dh_count[k]);
	if (health.dh_attempts > 0)
		html_printf(&b, "<div><dt>Success rate (24 h)</dt><dd>%lld%%"
		    "</dd></div>\n<div><dt>Latency avg / p95</dt><dd>%lld / "
		    "%lld ms</dd></div>\n", health.dh_ok * 100 /
		    health.dh_attempts, health.dh_avg_ms, health.dh_p95_ms);
	else
		buf_puts(&b, "<div><dt>Success rate (24 h)</dt><dd>—</dd></div>"
		    "\n<div><dt>Latency avg / p95</dt><dd>—</dd></div>\n");
	buf_puts(&b, "</dl>\n");
	chart(&b, &health);
	recover_form(&b, r, &health);
	buf_puts(&b, "</section>\n");

	/* Recent deliveries */
	html_printf(&b, "<section><h2 id=\"deliveries\">Recent deliveries</h2>"
	    "\n<form class=\"filters\" method=\"get\" action=\"/admin/"
	    "webhooks/%llu#deliveries\"><label for=\"status\">Status</label>"
	    "<select id=\"status\" name=\"status\"><option value=\"\">all"
	    "</option>", id);
	for (k = 0; k < DL_STATUSES; k++)
		html_printf(&b, "<option%s>%s</option>", status != NULL &&
		    strcmp(status, delivery_statuses[k]) == 0 ? " selected" :
		    "", delivery_statuses[k]);
	buf_puts(&b, "</select><button type=\"submit\" class=\"secondary\">"
	    "Filter</button></form>\n");
	if (rows->r_nrow == 0)
		buf_puts(&b, "<p>No deliveries yet.</p>\n");
	else {
		buf_puts(&b, "<table>\n<thead><tr><th scope=\"col\">Delivery"
		    "</th><th scope=\"col\">Time</th>"
		    "<th scope=\"col\">Event</th><th scope=\"col\">Status</th>"
		    "<th scope=\"col\" class=\"num\">HTTP</th><th scope=\"col\""
		    " class=\"num\">Attempts</th><th scope=\"col\" class=\"num\">"
		    "Duration</th><th scope=\"col\">Next retry</th></tr></thead>"
		    "\n<tbody>\n");
		for (i = 0; i < rows->r_nrow; i++) {
			st = dbres_get(rows, i, DC_STATUS);
			/* The delivery's own latest time: its last attempt,
			 * else its creation (the next retry has a column). */
			html_printf(&b, "<tr><td data-label=\"Delivery\"><a "
			    "href=\"/admin/deliveries/%s\">#%s</a></td><td "
			    "data-label=\"Time\">", dbres_get(rows, i, DC_ID),
			    dbres_get(rows, i, DC_ID));
			html_time(&b, dbres_get(rows, i, DC_LAST_ATTEMPT_AT) ?
			    dbres_get(rows, i, DC_LAST_ATTEMPT_AT) :
			    dbres_get(rows, i, DC_CREATED_AT));
			html_printf(&b, "</td><td data-label="
			    "\"Event\"><code>%s</code> <span class=\"muted\">"
			    "event %s</span></td><td data-label=\""
			    "Status\"><span class=\"status status-%s\">%s</span>"
			    "</td><td data-label=\"HTTP\" class=\"num\">%s</td>"
			    "<td data-label=\"Attempts\" class=\"num\">%s</td>"
			    "<td data-label=\"Duration\" class=\"num\">",
			    dbres_get(rows, i, DC_EVENT) ? dbres_get(rows, i,
			    DC_EVENT) : "(purged)",
			    dbres_get(rows, i, DC_EVENT_ID), st, st,
			    dbres_get(rows, i, DC_LAST_STATUS_CODE) ?
			    dbres_get(rows, i, DC_LAST_STATUS_CODE) : "—",
			    dbres_get(rows, i, DC_ATTEMPTS));
			if (dbres_get(rows, i, DC_LAST_DURATION_MS) != NULL)
				html_printf(&b, "%s ms", dbres_get(rows, i,
				    DC_LAST_DURATION_MS));
			else
				buf_puts(&b, "—");
			buf_puts(&b, "</td><td data-label=\"Next retry\">");
			next_retry(&b, st, dbres_get(rows, i,
			    DC_NEXT_ATTEMPT_AT));
			buf_puts(&b, "</td></tr>\n");
		}
		buf_puts(&b, "</tbody></table>\n");
		if (more) {
			html_printf(&b, "<nav class=\"pager\"><a href=\"/admin/"
			    "webhooks/%llu?before=%s", id, dbres_get(rows,
			    rows->r_nrow - 1, DC_ID));
			if (status != NULL)
				html_printf(&b, "&amp;status=%s", status);
			buf_puts(&b, "#deliveries\">Older deliveries →</a></nav>"
			    "\n");
		}
	}
	buf_puts(&b, "</section>\n");
	snippets(&b, id, ep.ep_standard_webhooks);
	html_end(&b);
	/* A revealed secret must not linger in caches or history. */
	html_send(r, 200, &b);
	if (revealed != NULL || fresh != NULL)
		cr_wipe(&b);
	buf_free(&b);
	goto out;
dberr:
	html_error(r, 503, "The database is unreachable; try again in a "
	    "moment.");
out:
	endpoint_free(&ep);
	dbres_free(rows);
	free(status);
	free(before_s);
	free(done);
	free(sent);
	endpoint_secret_free(&fresh);
}

void
admin_endpoint_get(struct req *r)
{
	endpoint_page(r, NULL);
}

void
admin_endpoint_reveal_post(struct req *r)
{
	char		*s;
	enum ep_err	 e;

	e = endpoint_secret_get(r->r_db, r->r_tenant, r->r_ids[0], &s);
	if (e == EP_OK)
		endpoint_page(r, s);
	else if (e == EP_NOTFOUND)
		html_error(r, 404, "There is no such endpoint.");
	else if (e == EP_SEAL)
		html_error(r, 500, "This endpoint's secret cannot be opened "
		    "with this server's master key.");
	else
		html_error(r, 503, "The database is unreachable; try again in "
		    "a moment.");
	endpoint_secret_free(&s);
}

static void
after_action(struct req *r, enum ep_err e, const char *done)
{
	char	 loc[128];

	if (e == EP_NOTFOUND) {
		html_error(r, 404, "There is no such endpoint.");
		return;
	}
	if (e != EP_OK) {
		html_error(r, e == EP_SEAL ? 500 : 503, e == EP_SEAL ?
		    "Secrets cannot be stored: the master key is not readable "
		    "by the web server." : "The database is unreachable; "
		    "nothing was changed. Try again in a moment.");
		return;
	}
	snprintf(loc, sizeof(loc), "/admin/webhooks/%llu?done=%s",
	    r->r_ids[0], done);
	req_redirect(r, loc);
}

/* The overlaps the admin picks from; the API takes any up to 7d. */
static const struct {
	const char	*ov_value, *ov_label;
} overlaps[] = {
	{ "0", "None: the old secret stops signing now" },
	{ "1h", "1 hour" },
	{ "24h", "24 hours (recommended)" },
	{ "7d", "7 days" },
};

/* Rotate's confirmation step: what happens, and the overlap to pick.
 * A form, so it works without JavaScript. */
static void
rotate_confirm(struct req *r, const char *err)
{
	struct endpoint	 ep;
	struct buf	 b;
	enum ep_err	 e;
	size_t		 i;

	if ((e = endpoint_get(r->r_db, r->r_tenant, r->r_ids[0], &ep)) !=
	    EP_OK) {
		after_action(r, e, "");
		return;
	}
	buf_init(&b);
	html_begin(&b, r, "Rotate secret");
	html_printf(&b, "<section class=\"narrow\"><h1>Rotate secret?</h1>\n"
	    "<p>A new secret is generated for <strong class=\"url\">%s"
	    "</strong> and shown once. During the overlap, deliveries are "
	    "signed with both secrets: <code>webhook-signature</code> carries "
	    "two signatures, and <code>X-Momentumpro-Signature-Previous</code> "
	    "the old secret's beside <code>X-Momentumpro-Signature</code>. A "
	    "receiver that accepts either keeps working while you deploy the "
	    "new secret; after the overlap only the new one signs.</p>\n",
	    ep.ep_url);
	if (err != NULL)
		html_printf(&b, "<p class=\"error\" role=\"alert\" id=\""
		    "overlap-error\">%s</p>\n", err);
	html_printf(&b, "<form method=\"post\" action=\"/admin/webhooks/%llu/"
	    "rotate-secret\">", ep.ep_id);
	html_csrf(&b, r);
	buf_puts(&b, "<input type=\"hidden\" name=\"confirm\" value=\"1\">"
	    "<label for=\"overlap\">Old secret keeps signing for</label>"
	    "<select id=\"overlap\" name=\"overlap\">");
	for (i = 0; i < sizeof(overlaps) / sizeof(overlaps[0]); i++)
		html_printf(&b, "<option value=\"%s\"%s>%s</option>",
		    overlaps[i].ov_value, strcmp(overlaps[i].ov_value, "24h") ==
		    0 ? " selected" : "", overlaps[i].ov_label);
	html_printf(&b, "</select>\n<div class=\"actions\"><button type=\""
	    "submit\" class=\"danger\">Rotate secret</button> <a href=\"/"
	    "admin/webhooks/%llu\">Cancel</a></div></form></section>\n",
	    ep.ep_id);
	html_end(&b);
	html_send(r, err != NULL ? 422 : 200, &b);
	buf_free(&b);
	endpoint_free(&ep);
}

void
admin_endpoint_rotate_get(struct req *r)
{
	rotate_confirm(r, NULL);
}

/* Rotates once confirmed (the form above); a POST without confirm,
 * from an old page, gets the confirmation step instead.  The answer is
 * a page, not a redirect: it shows the new secret, once. */
void
admin_endpoint_rotate_post(struct req *r)
{
	char		*secret = NULL, *confirm, *ov, until[32], err[300];
	long long	 overlap = EP_OVERLAP_DEFAULT;
	struct buf	 b;
	enum ep_err	 e;

	confirm = req_form_get(r->r_body, r->r_bodylen, "confirm");
	ov = req_form_get(r->r_body, r->r_bodylen, "overlap");
	if (confirm == NULL) {
		rotate_confirm(r, NULL);
		goto out;
	}
	if (ov != NULL && endpoint_check_overlap(ov, &overlap, err,
	    sizeof(err)) == -1) {
		rotate_confirm(r, err);
		goto out;
	}
	e = endpoint_rotate_secret(r->r_db, r->r_tenant, r->r_ids[0], overlap,
	    &secret, until);
	if (e != EP_OK) {
		after_action(r, e, "");
		goto out;
	}
	buf_init(&b);
	html_begin(&b, r, "New secret");
	html_printf(&b, "<section class=\"narrow wide\"><h1>New secret</h1>\n"
	    "<p class=\"notice\" role=\"status\">Copy it now: it is shown "
	    "only this once (Reveal on the endpoint page shows it again to "
	    "admins).</p>\n<label for=\"new-secret\">Secret</label>"
	    "<div class=\"copy-row\"><input type=\"text\" id=\"new-secret\" "
	    "class=\"secret\" readonly value=\"%s\" autocomplete=\"off\" "
	    "spellcheck=\"false\"> <button type=\"button\" class=\"secondary"
	    "\" data-copy=\"new-secret\" hidden>Copy</button></div>\n",
	    secret);
	if (until[0] != '\0')
		html_printf(&b, "<p id=\"overlap-end\">The previous secret keeps "
		    "signing beside it until <time datetime=\"%s\">%s</time> "
		    "(UTC): deploy the new secret to your receiver before then."
		    "</p>\n", until, until);
	else
		buf_puts(&b, "<p id=\"overlap-end\">The previous secret no "
		    "longer signs deliveries.</p>\n");
	html_printf(&b, "<p><a class=\"button\" href=\"/admin/webhooks/%llu\">"
	    "Back to the endpoint</a></p></section>\n", r->r_ids[0]);
	html_end(&b);
	html_send(r, 200, &b);
	cr_wipe(&b);
out:
	endpoint_secret_free(&secret);
	free(confirm);
	free(ov);
}

void
admin_endpoint_test_post(struct req *r)
{
	unsigned long long	 eid, did;
	char			 err[256], sent[101], loc[256], *type;
	enum ep_err		 e;

	/* Owned first: the quota counts only this tenant's endpoints. */
	if ((e = endpoint_owned(r->r_db, r->r_tenant, r->r_ids[0], 0)) !=
	    EP_OK) {
		after_action(r, e, "test");
		return;
	}
	if (!quotas_manual(r, r->r_ids[0], 1))
		return;
	type = req_form_get(r->r_body, r->r_bodylen, "event");
	e = endpoint_test(r->r_db, r->r_tenant, r->r_ids[0], type != NULL &&
	    *type != '\0' ? type : NULL, &eid, &did, sent, err, sizeof(err));
	free(type);
	if (e == EP_INVALID) {
		html_error(r, 422, err);
		return;
	}
	if (e != EP_OK) {
		after_action(r, e, "test");
		return;
	}
	wake_send(r->r_cf);
	/* Catalog names are [a-z0-9_.]: safe in a query string. */
	snprintf(loc, sizeof(loc), "/admin/webhooks/%llu?done=test&sent=%s",
	    r->r_ids[0], sent);
	req_redirect(r, loc);
}

void
admin_endpoint_recover_post(struct req *r)
{
	char		*since_s, since[32], norm[32];
	int64_t		 ms;
	long long	 n;
	enum ep_err	 e;

	since_s = req_form_get(r->r_body, r->r_bodylen, "since");
	if (since_s == NULL || util_rfc3339_parse(since_s, strlen(since_s),
	    norm, &ms) == -1 || ms < util_now_ms() - 14LL * 86400000) {
		free(since_s);
		html_error(r, 422, "Since must be a time like "
		    "2026-04-29T14:00:00Z, at most 14 days back. Go back and "
		    "correct it.");
		return;
	}
	free(since_s);
	util_sqltime_fmt(ms, since);
	if ((e = endpoint_owned(r->r_db, r->r_tenant, r->r_ids[0], 0)) ==
	    EP_OK) {
		n = delivery_recover(r->r_db, r->r_tenant, r->r_ids[0],
		    DL_RECOVER_FAILED | DL_RECOVER_DROPPED, since, NULL);
		if (n == -1)
			e = EP_DB;
		else if (n > 0)
			wake_send(r->r_cf);
	}
	after_action(r, e, "recovered");
}

static void
set_enabled(struct req *r, int on)
{
	struct endpoint_set	 es;
	struct ep_fault		 fault;

	endpoint_set_init(&es);
	es.es_enabled = on;
	after_action(r, endpoint_update(r->r_db, r->r_tenant, r->r_ids[0],
	    &es, &fault), on ? "enabled" : "disabled");
	if (on)
		wake_send(r->r_cf);
}

void
admin_endpoint_enable_post(struct req *r)
{
	set_enabled(r, 1);
}

void
admin_endpoint_disable_post(struct req *r)
{
	set_enabled(r, 0);
}

void
admin_endpoint_delete_get(struct req *r)
{
	struct endpoint	 ep;
	struct buf	 b;

	if (endpoint_get(r->r_db, r->r_tenant, r->r_ids[0], &ep) != EP_OK) {
		html_error(r, 404, "There is no such endpoint.");
		return;
	}
	buf_init(&b);
	html_begin(&b, r, "Delete endpoint");
	html_printf(&b, "<section class=\"narrow\"><h1>Delete endpoint?</h1>\n"
	    "<p>Deliveries to <strong class=\"url\">%s</strong> stop now; "
	    "those still waiting are marked failed. Its delivery history stays"
	    " readable. This cannot be undone.</p>\n<form method=\"post\" "
	    "action=\"/admin/webhooks/%llu/delete\">", ep.ep_url, ep.ep_id);
	html_csrf(&b, r);
	html_printf(&b, "<div class=\"actions\"><button type=\"submit\" "
	    "class=\"danger\">Delete endpoint</button> <a href=\"/admin/"
	    "webhooks/%llu\">Cancel</a></div></form></section>\n", ep.ep_id);
	html_end(&b);
	html_send(r, 200, &b);
	buf_free(&b);
	endpoint_free(&ep);
}

void
admin_endpoint_delete_post(struct req *r)
{
	enum ep_err	 e;

	e = endpoint_delete(r->r_db, r->r_tenant, r->r_ids[0]);
	if (e != EP_OK) {
		after_action(r, e, "");
		return;
	}
	req_redirect(r, "/admin/webhooks");
}
