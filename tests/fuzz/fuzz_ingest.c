/*
 * libFuzzer harness for the ingest request path: the real
 * api_events_post (src/fcgi/api_events.c) with the real request helpers
 * (src/fcgi/req.c), body reader and api_body (src/fcgi/auth_api.c), JSON reader
 * and emit_parse (src/core/emit.c), over in-memory FastCGI streams and the
 * in-memory database of fake_db.c.  No socket, no MariaDB.
 *
 * Input: HTTP-style header lines, CRLF CRLF, then the body:
 *
 *	Content-Type: application/json\r\n
 *	Idempotency-Key: 4f1c...\r\n
 *	X-Fuzz-Db: 8\r\n
 *	\r\n
 *	{"event":"leave.approved","data":{...}}
 *
 * Without a CRLF CRLF the whole input is the body, sent as
 * application/json.  Content-Length is the body's length unless a
 * header sets it (to test short and oversized bodies).  X-Fuzz-Db is
 * not passed on: its number selects which database failures fake_db
 * acts out (see fake_db.h).  The catalog is sql/catalog.json.
 *
 * Invariants, beyond "no crash, no leak, no UB":
 *   - exactly one response, "Status: NNN" with a status this handler
 *     documents, well-formed header lines (no injected CR or LF),
 *     Content-Type application/json and a true Content-Length;
 *   - the body is valid JSON (so valid UTF-8, whatever was echoed
 *     from the request), {"error":{"code","message"}} on failure;
 *   - every BEGIN ends in COMMIT or ROLLBACK;
 *   - all or nothing: a COMMIT happens only for a 202 that is not a
 *     replay, and then holds every event of the request;
 *   - a 202 only for a request that is valid by this harness's own
 *     reading: JSON Content-Type, a good Idempotency-Key or none, an
 *     event object or a 1..max_batch array of them, each with a
 *     string "event" and an object "data";
 *   - with no database failure acted out, never 500 or 503.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fcgiapp.h>

#include "buf.h"
#include "conf.h"
#include "json.h"
#include "req.h"
#include "routes.h"
#include "fake_db.h"
#include "fuzz.h"

#ifndef FUZZ_CATALOG
#define FUZZ_CATALOG "sql/catalog.json"
#endif

#define MAX_HEADERS	16
#define OUTBUF		256	/* small, so FCGX_PutStr has to flush */

struct outstream {
	FCGX_Stream	 o_s;
	unsigned char	 o_buf[OUTBUF];
	struct buf	*o_dst;
};

struct request {
	char		*q_env[MAX_HEADERS + 2];
	size_t		 q_nenv;
	int		 q_have_cl;
	const char	*q_ctype;	/* points into q_env */
	const char	*q_key;
	const char	*q_clen;
	unsigned	 q_mode;
	const char	*q_body;
	size_t		 q_bodylen;
};

static struct conf	 cf;

static void
in_fill(FCGX_Stream *s)
{
	s->isClosed = 1;
}

static void
out_empty(FCGX_Stream *s, int doclose)
{
	struct outstream *o = s->data;

	(void)doclose;
	buf_add(o->o_dst, o->o_buf, (size_t)(s->wrNext - o->o_buf));
	s->wrNext = o->o_buf;
}

/* "Content-Type" -> CONTENT_TYPE, "Idempotency-Key" -> HTTP_IDEMPOTENCY_KEY,
 * the way lighttpd and Apache name them. */
static char *
env_entry(const char *name, size_t nlen, const char *val, size_t vlen)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	if (nlen == 12 && strncasecmp(name, "Content-Type", 12) == 0)
		buf_puts(&b, "CONTENT_TYPE");
	else if (nlen == 14 && strncasecmp(name, "Content-Length", 14) == 0)
		buf_puts(&b, "CONTENT_LENGTH");
	else {
		buf_puts(&b, "HTTP_");
		for (i = 0; i < nlen; i++)
			buf_putc(&b, isalnum((unsigned char)name[i]) ?
			    (char)toupper((unsigned char)name[i]) : '_');
	}
	buf_putc(&b, '=');
	buf_add(&b, val, vlen);
	return buf_release(&b);
}

static void
parse_input(const char *in, size_t size, struct request *q)
{
	const char	*sep = NULL, *p, *end, *eol, *colon, *v, *nul;
	char		*e, num[24];
	size_t		 i, n;

	memset(q, 0, sizeof(*q));
	for (i = 0; i + 4 <= size; i++)
		if (memcmp(in + i, "\r\n\r\n", 4) == 0) {
			sep = in + i;
			break;
		}
	if (sep == NULL) {
		q->q_env[q->q_nenv++] = xstrdup("CONTENT_TYPE="
		    "application/json");
		q->q_body = in;
		q->q_bodylen = size;
	} else {
		q->q_body = sep + 4;
		q->q_bodylen = size - (size_t)(sep + 4 - in);
		/* Lines of [in, sep + 2): each ends in CRLF. */
		end = sep + 2;
		for (p = in; p < end && q->q_nenv < MAX_HEADERS; p = eol + 2) {
			eol = memmem(p, (size_t)(end - p), "\r\n", 2);
			if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL)
				continue;
			for (v = colon + 1; v < eol && (*v == ' ' ||
			    *v == '\t'); v++)
				;
			/* A CGI parameter is a C string. */
			n = (size_t)(eol - v);
			if ((nul = memchr(v, '\0', n)) != NULL)
				n = (size_t)(nul - v);
			if ((size_t)(colon - p) == 9 &&
			    strncasecmp(p, "X-Fuzz-Db", 9) == 0) {
				q->q_mode = (unsigned)strtoul(v, NULL, 10) &
				    FAKE_MODE_MASK;
				continue;
			}
			e = env_entry(p, (size_t)(colon - p), v, n);
			if (strncmp(e, "CONTENT_LENGTH=", 15) == 0)
				q->q_have_cl = 1;
			q->q_env[q->q_nenv++] = e;
		}
	}
	if (!q->q_have_cl) {
		snprintf(num, sizeof(num), "%zu", q->q_bodylen);
		q->q_env[q->q_nenv++] = env_entry("Content-Length", 14, num,
		    strlen(num));
	}
	/* What the handler will see: the first of each, as FCGX_GetParam
	 * finds it. */
	for (i = q->q_nenv; i-- > 0;) {
		if (strncmp(q->q_env[i], "CONTENT_TYPE=", 13) == 0)
			q->q_ctype = q->q_env[i] + 13;
		if (strncmp(q->q_env[i], "HTTP_IDEMPOTENCY_KEY=", 21) == 0)
			q->q_key = q->q_env[i] + 21;
		if (strncmp(q->q_env[i], "CONTENT_LENGTH=", 15) == 0)
			q->q_clen = q->q_env[i] + 15;
	}
}

/* Run api_events_post on q; the whole FastCGI output goes to resp. */
static void
run(const struct request *q, struct buf *resp)
{
	FCGX_Request		 fr;
	FCGX_Stream		 in, err;
	struct outstream	 out;
	struct req		 r;

	memset(&in, 0, sizeof(in));
	in.rdNext = in.stopUnget = (unsigned char *)(uintptr_t)q->q_body;
	in.stop = in.wrNext = in.rdNext + q->q_bodylen;
	in.isReader = 1;
	in.fillBuffProc = in_fill;

	memset(&out, 0, sizeof(out));
	out.o_s.wrNext = out.o_buf;
	out.o_s.stop = out.o_buf + sizeof(out.o_buf);
	out.o_s.emptyBuffProc = out_empty;
	out.o_s.data = &out;
	out.o_dst = resp;

	memset(&err, 0, sizeof(err));
	err.isClosed = 1;

	memset(&fr, 0, sizeof(fr));
	fr.in = &in;
	fr.out = &out.o_s;
	fr.err = &err;
	fr.envp = (char **)(uintptr_t)q->q_env;

	memset(&r, 0, sizeof(r));
	r.r_fcgx = &fr;
	r.r_cf = &cf;
	r.r_db = fake_db_handle();
	r.r_method = "POST";
	r.r_path = xstrdup("/api/v1/events");
	r.r_query = "";
	r.r_tenant = 1;
	buf_init(&r.r_hdrs);

	fake_db_reset(q->q_mode);
	api_events_post(&r);
	out_empty(&out.o_s, 1);

	FUZZ_CHECK(r.r_sent == 1, "no response sent");
	free(r.r_body);
	free(r.r_path);
	buf_free(&r.r_hdrs);
}

/* The harness's own reading of a valid ingest request. */
static int
request_valid(const struct request *q, size_t *nevents)
{
	struct json_doc	 doc;
	const char	*ct = q->q_ctype, *k;
	char		*end;
	unsigned long long cl;
	int		 ok = 0, tok, ev, data;
	size_t		 n, i, blen;

	*nevents = 0;
	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, "application/json", 16) != 0 || (ct[16] != '\0' &&
	    ct[16] != ';' && ct[16] != ' ' && ct[16] != '\t'))
		return 0;
	if (q->q_key != NULL) {
		if (q->q_key[0] == '\0' || strlen(q->q_key) > 255)
			return 0;
		for (k = q->q_key; *k != '\0'; k++)
			if (*k < 0x20 || *k > 0x7e)
				return 0;
	}
	/* The handler reads Content-Length bytes, and answers 400 if
	 * fewer come. */
	if (q->q_clen == NULL || *q->q_clen == '\0')
		blen = 0;
	else {
		if (*q->q_clen < '0' || *q->q_clen > '9')
			return 0;
		cl = strtoull(q->q_clen, &end, 10);
		if (*end != '\0' || cl > q->q_bodylen)
			return 0;
		blen = (size_t)cl;
	}
	if (json_parse(&doc, q->q_body, blen, 0, NULL, 0) == -1)
		return 0;
	if (doc.d_tok[0].t_type == JSON_OBJECT) {
		n = 1;
		tok = 0;
	} else if (doc.d_tok[0].t_type == JSON_ARRAY) {
		n = (size_t)doc.d_tok[0].t_size;
		tok = 1;
		if (n == 0 || n > cf.cf_max_batch)
			goto out;
	} else
		goto out;
	for (i = 0; i < n; i++, tok = json_skip(&doc, tok)) {
		if (doc.d_tok[tok].t_type != JSON_OBJECT)
			goto out;
		ev = json_get(&doc, tok, "event");
		data = json_get(&doc, tok, "data");
		if (ev == -1 || doc.d_tok[ev].t_type != JSON_STRING ||
		    data == -1 || doc.d_tok[data].t_type != JSON_OBJECT)
			goto out;
	}
	*nevents = n;
	ok = 1;
out:
	json_free(&doc);
	return ok;
}

/* Check the raw FastCGI output; returns the status. */
static int
check_response(const struct buf *resp, int *replayed)
{
	static const int statuses[] = { 202, 400, 413, 415, 422, 500, 503 };
	struct json_doc	 doc;
	const char	*s = resp->b_data, *hend, *line, *eol, *body;
	char		 err[256];
	size_t		 blen, i, clen = SIZE_MAX;
	int		 status, ok = 0, ctype = 0, e;

	*replayed = 0;
	FUZZ_CHECK(resp->b_len > 12 && strncmp(s, "Status: ", 8) == 0,
	    "response does not start with a status: %.40s", s ? s : "");
	status = atoi(s + 8);
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		ok |= status == statuses[i];
	FUZZ_CHECK(ok, "undocumented status %d", status);
	hend = strstr(s, "\r\n\r\n");
	FUZZ_CHECK(hend != NULL, "no end of headers");
	for (line = s; line < hend + 2; line = eol + 2) {
		eol = strstr(line, "\r\n");
		FUZZ_CHECK(memchr(line, '\n', (size_t)(eol - line)) == NULL &&
		    memchr(line, '\r', (size_t)(eol - line)) == NULL &&
		    memmem(line, (size_t)(eol - line), ": ", 2) != NULL,
		    "malformed header line %.*s", (int)(eol - line), line);
		if (strncmp(line, "Content-Type: ", 14) == 0)
			ctype = strncmp(line + 14, "application/json", 16) == 0;
		if (strncmp(line, "Content-Length: ", 16) == 0)
			clen = strtoul(line + 16, NULL, 10);
		if (strncmp(line, "Idempotent-Replayed: true", 25) == 0)
			*replayed = 1;
	}
	body = hend + 4;
	blen = resp->b_len - (size_t)(body - s);
	FUZZ_CHECK(ctype, "response is not application/json");
	FUZZ_CHECK(clen == blen, "Content-Length %zu, body %zu", clen, blen);
	FUZZ_CHECK(json_parse(&doc, body, blen, 0, err, sizeof(err)) == 0,
	    "status %d body is not valid JSON (%s): %.*s", status, err,
	    (int)blen, body);
	FUZZ_CHECK(doc.d_tok[0].t_type == JSON_OBJECT, "body not an object");
	if (status == 202)
		FUZZ_CHECK(json_get(&doc, 0, "deliveries") != -1,
		    "202 without \"deliveries\"");
	else {
		e = json_get(&doc, 0, "error");
		FUZZ_CHECK(e != -1 && doc.d_tok[e].t_type == JSON_OBJECT &&
		    json_get(&doc, e, "code") != -1 &&
		    json_get(&doc, e, "message") != -1,
		    "status %d without an error object", status);
	}
	json_free(&doc);
	return status;
}

static void
check_one(const struct request *q)
{
	struct buf	 resp;
	size_t		 nev;
	int		 status, replayed, valid;

	buf_init(&resp);
	run(q, &resp);
	status = check_response(&resp, &replayed);

	FUZZ_CHECK(!fake_db.f_in_tx, "transaction left open (status %d)",
	    status);
	FUZZ_CHECK(fake_db.f_begins == fake_db.f_commits +
	    fake_db.f_commit_fails + fake_db.f_rollbacks,
	    "%u BEGIN, %u COMMIT (+%u failed), %u ROLLBACK",
	    fake_db.f_begins, fake_db.f_commits, fake_db.f_commit_fails,
	    fake_db.f_rollbacks);
	valid = request_valid(q, &nev);
	if (fake_db.f_commits > 0) {
		FUZZ_CHECK(status == 202 && !replayed && fake_db.f_commits == 1,
		    "committed %u times, answered %d%s", fake_db.f_commits,
		    status, replayed ? " (replay)" : "");
		FUZZ_CHECK(valid && fake_db.f_committed_events == nev,
		    "committed %u events of a request with %zu (valid %d)",
		    fake_db.f_committed_events, nev, valid);
	} else
		FUZZ_CHECK(status != 202 || replayed, "202 without a commit");
	if (status == 202)
		FUZZ_CHECK(valid, "202 for a request the harness finds "
		    "invalid");
	if (q->q_mode == 0)
		FUZZ_CHECK(status != 500 && status != 503, "status %d without "
		    "a database failure", status);
	buf_free(&resp);
}

static void
free_request(struct request *q)
{
	size_t	 i;

	for (i = 0; i < q->q_nenv; i++)
		free(q->q_env[i]);
}

/* The catalog fake_db serves: every type of sql/catalog.json. */
static void
load_catalog(void)
{
	struct json_doc		 doc;
	char			**names, **cats;
	FILE			*f;
	struct buf		 b;
	char			 chunk[4096], err[256];
	size_t			 n, i;
	int			 tok, t;

	f = fopen(FUZZ_CATALOG, "r");
	FUZZ_CHECK(f != NULL, "cannot open %s", FUZZ_CATALOG);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	FUZZ_CHECK(json_parse(&doc, b.b_data, b.b_len, 0, err,
	    sizeof(err)) == 0 && doc.d_tok[0].t_type == JSON_ARRAY,
	    "%s: %s", FUZZ_CATALOG, err);
	n = (size_t)doc.d_tok[0].t_size;
	names = xcalloc(n, sizeof(*names));
	cats = xcalloc(n, sizeof(*cats));
	for (i = 0, tok = 1; i < n; i++, tok = json_skip(&doc, tok)) {
		t = json_get(&doc, tok, "name");
		names[i] = json_strdup(&doc, t);
		t = json_get(&doc, tok, "category");
		cats[i] = json_strdup(&doc, t);
		FUZZ_CHECK(names[i] != NULL && cats[i] != NULL,
		    "catalog entry %zu", i);
	}
	fake_db.f_type_names = (const char *const *)names;
	fake_db.f_type_cats = (const char *const *)cats;
	fake_db.f_ntypes = n;
	json_free(&doc);
	buf_free(&b);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char good[] = "Content-Type: application/json\r\n"
	    "Idempotency-Key: k1\r\n\r\n"
	    "[{\"event\":\"leave.approved\",\"data\":{\"id\":1}},"
	    "{\"event\":\"employee.created\",\"data\":{},"
	    "\"occurred_at\":\"2026-04-29T14:32:11Z\"}]";
	struct request	 q;

	(void)argc;
	(void)argv;
	conf_defaults(&cf);
	/* No wake-up datagrams to a dispatcher that may be listening. */
	free(cf.cf_wake_addr);
	cf.cf_wake_addr = xstrdup("");
	cf.cf_max_body = 65536;
	cf.cf_max_batch = 20;
	load_catalog();

	/* The harness is only worth running if a good request gets
	 * through: fail loudly if the handler or the fake drifted. */
	parse_input(good, sizeof(good) - 1, &q);
	check_one(&q);
	FUZZ_CHECK(fake_db.f_commits == 1 && fake_db.f_committed_events == 2,
	    "self-test: a good batch was not committed; has the ingest SQL "
	    "or the catalog changed?");
	free_request(&q);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request	 q;

	parse_input((const char *)data, size, &q);
	check_one(&q);
	free_request(&q);
	return 0;
}
