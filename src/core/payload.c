/* The body and headers of one delivery attempt (see payload.h): the
 * table of formats, the "momentumpro" body, the signatures (ours and
 * Standard Webhooks') and the headers.  The other formats are in
 * payload_slack.c and payload_pagerduty.c. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "crypto.h"
#include "jsonw.h"
#include "payload.h"
#include "payload_format.h"
#include "utf8.h"
#include "version.h"

typedef int	(*payload_body_fn)(const struct payload_src *, struct buf *,
		    char *err, size_t errsz);

/* The seed's shape, contract: data goes out byte for byte as ingested,
 * so a producer's number formatting and escapes survive untouched. */
static int
momentumpro_body(const struct payload_src *ps, struct buf *b, char *err,
    size_t errsz)
{
	(void)err;
	(void)errsz;
	buf_puts(b, "{\"event\":");
	jw_str(b, ps->ps_type);
	buf_puts(b, ",\"occurred_at\":");
	jw_str(b, ps->ps_occurred_at);
	buf_puts(b, ",\"data\":");
	buf_add(b, ps->ps_data, ps->ps_data_len);
	buf_putc(b, '}');
	return 0;
}

static const struct {
	const char	*f_name;
	payload_body_fn	 f_body;
} formats[] = {
	{ "momentumpro", momentumpro_body },
	{ "slack", slack_body },
	{ "pagerduty", pd_body },
};

static payload_body_fn
format_find(const char *name)
{
	size_t	 i;

	if (name == NULL || *name == '\0')
		name = "momentumpro";
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i].f_name, name) == 0)
			return formats[i].f_body;
	return NULL;
}

int
payload_format_known(const char *name)
{
	return format_find(name) != NULL;
}

static void
add_header(struct payload *pl, const char *name, const char *value)
{
	struct buf	 h;

	/* The fixed set below never reaches the bound. */
	if (pl->pl_nhdr == PAYLOAD_MAXHDR)
		abort();
	buf_init(&h);
	buf_printf(&h, "%s: %s", name, value);
	pl->pl_hdr[pl->pl_nhdr++] = buf_release(&h);
}

/* Standard Webhooks signs "id.timestamp.body" with the base64-decoded
 * part of a "whsec_" secret, as that spec's libraries do; any other
 * secret is used as its bytes, so every secret works with both. */
static int
standard_signature(const char *s, const char *id, const char *ts,
    const struct buf *body, struct buf *out)
{
	unsigned char	*key, mac[CR_SHA256_LEN];
	size_t		 slen = strlen(s), klen;
	long		 n = -1;
	struct buf	 msg;
	int		 rc;

	key = xmalloc(slen + 1);
	if (strncmp(s, "whsec_", 6) == 0)
		n = cr_b64_decode(s + 6, slen - 6, key, slen);
	if (n > 0)
		klen = (size_t)n;
	else {
		memcpy(key, s, slen);
		klen = slen;
	}
	buf_init(&msg);
	buf_printf(&msg, "%s.%s.", id, ts);
	buf_add(&msg, body->b_data, body->b_len);
	rc = cr_hmac_sha256(key, klen, msg.b_data, msg.b_len, mac);
	OPENSSL_cleanse(key, slen + 1);
	free(key);
	buf_free(&msg);
	if (rc == -1)
		return -1;
	buf_puts(out, "v1,");
	cr_b64_encode(mac, sizeof(mac), 0, out);
	return 0;
}

int
payload_build(const struct payload_src *ps, struct payload *pl, char *err,
    size_t errsz)
{
	payload_body_fn	 body;
	char		 id[24], ts[24], sig[65], prev[65];
	const char	*p, *eol;
	struct buf	 std;
	int		 rc;

	memset(pl, 0, sizeof(*pl));
	buf_init(&pl->pl_body);
	if ((body = format_find(ps->ps_format)) == NULL) {
		snprintf(err, errsz, "unknown payload format '%s'",
		    ps->ps_format);
		return -1;
	}
	if (body(ps, &pl->pl_body, err, errsz) == -1)
		return -1;
	if (cr_sign_hex(ps->ps_secret, pl->pl_body.b_data, pl->pl_body.b_len,
	    sig) == -1) {
		snprintf(err, errsz, "cannot compute the signature");
		return -1;
	}
	if (ps->ps_prev_secret != NULL && cr_sign_hex(ps->ps_prev_secret,
	    pl->pl_body.b_data, pl->pl_body.b_len, prev) == -1) {
		snprintf(err, errsz, "cannot compute the signature");
		return -1;
	}
	snprintf(id, sizeof(id), "%llu", ps->ps_delivery);
	snprintf(ts, sizeof(ts), "%" PRId64, ps->ps_timestamp);
	add_header(pl, "Content-Type", "application/json");
	add_header(pl, "User-Agent", ps->ps_user_agent != NULL ?
	    ps->ps_user_agent : WH_USER_AGENT);
	add_header(pl, "X-Momentumpro-Event", ps->ps_type);
	add_header(pl, "X-Momentumpro-Delivery", id);
	add_header(pl, "X-Momentumpro-Timestamp", ts);
	add_header(pl, "X-Momentumpro-Signature", sig);
	/* During a rotation's overlap: the seed's header stays one hex
	 * value (its verify() compares the whole header), so the replaced
	 * secret's signature goes in a header of its own. */
	if (ps->ps_prev_secret != NULL)
		add_header(pl, "X-Momentumpro-Signature-Previous", prev);
	if (ps->ps_test)
		add_header(pl, "X-Momentumpro-Test", "true");
	if (ps->ps_standard) {
		/* The spec's form for several keys: space-separated, the
		 * new one first; a receiver accepts any that matches. */
		buf_init(&std);
		rc = standard_signature(ps->ps_secret, id, ts, &pl->pl_body,
		    &std);
		if (rc == 0 && ps->ps_prev_secret != NULL) {
			buf_putc(&std, ' ');
			rc = standard_signature(ps->ps_prev_secret, id, ts,
			    &pl->pl_body, &std);
		}
		if (rc == -1) {
			buf_free(&std);
			snprintf(err, errsz, "cannot compute the signature");
			return -1;
		}
		add_header(pl, "webhook-id", id);
		add_header(pl, "webhook-timestamp", ts);
		add_header(pl, "webhook-signature", buf_cstr(&std));
		buf_free(&std);
	}
	/* The endpoint's own headers come last: validated when saved
	 * (names that are tokens and not ours, values on one line). */
	pl->pl_custom = pl->pl_nhdr;
	for (p = ps->ps_headers; p != NULL && *p != '\0'; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		if (eol > p) {
			if (pl->pl_nhdr == PAYLOAD_MAXHDR) {
				snprintf(err, errsz, "too many custom headers");
				return -1;
			}
			pl->pl_hdr[pl->pl_nhdr++] = xstrndup(p,
			    (size_t)(eol - p));
		}
		if (*eol == '\0')
			break;
	}
	return 0;
}

void
payload_mask(const char *v, size_t n, struct buf *out)
{
	size_t	 show = n >= 16 ? 4 : n >= 8 ? 2 : 0;
	int	 cut;

	buf_add(out, v, utf8_clip_chars(v, n, show, &cut));
	buf_puts(out, "…");
}

void
payload_headers_text(const struct payload *pl, struct buf *out)
{
	const char	*colon;
	size_t		 i;

	for (i = 0; i < pl->pl_nhdr; i++) {
		if (i >= pl->pl_custom && pl->pl_custom > 0 &&
		    (colon = strchr(pl->pl_hdr[i], ':')) != NULL) {
			buf_add(out, pl->pl_hdr[i], (size_t)(colon -
			    pl->pl_hdr[i]) + 1);
			buf_putc(out, ' ');
			colon += colon[1] == ' ' ? 2 : 1;
			payload_mask(colon, strlen(colon), out);
		} else
			buf_puts(out, pl->pl_hdr[i]);
		buf_putc(out, '\n');
	}
}

void
payload_free(struct payload *pl)
{
	size_t	 i;

	if (pl == NULL)
		return;
	/* A PagerDuty body holds the routing key, custom headers are
	 * often credentials: neither lingers in freed memory. */
	cr_wipe(&pl->pl_body);
	for (i = 0; i < pl->pl_nhdr; i++) {
		if (i >= pl->pl_custom && pl->pl_custom > 0)
			OPENSSL_cleanse(pl->pl_hdr[i], strlen(pl->pl_hdr[i]));
		free(pl->pl_hdr[i]);
	}
	pl->pl_nhdr = 0;
}
