/* emit_parse: which event objects are accepted, what each refusal says,
 * and that every message is valid UTF-8 however the request spelled the
 * event type.  The catalog comes from emit_types_set, so no database. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "emit.h"
#include "json.h"
#include "jsonw.h"
#include "t.h"

struct emit_case {
	const char	*name;
	const char	*js;
	enum emit_err	 want;
	const char	*what;	/* expected substring: the message on
				 * refusal, the category on success */
};

static const struct emit_case cases[] = {
	{ "known event is accepted with its category",
	    "{\"event\":\"leave.approved\",\"data\":{\"id\":1}}", EMIT_OK,
	    "leave" },
	{ "occurred_at null means now",
	    "{\"event\":\"employee.created\",\"data\":{},\"occurred_at\":null}",
	    EMIT_OK, "employee" },
	{ "escaped event name is unescaped before lookup",
	    "{\"event\":\"leave\\u002eapproved\",\"data\":{}}", EMIT_OK,
	    "leave" },
	{ "root must be an object", "[1]", EMIT_INVALID, "JSON object" },
	{ "unknown member is refused",
	    "{\"event\":\"leave.approved\",\"data\":{},\"occured_at\":1}",
	    EMIT_INVALID, "unknown field \"occured_at\"" },
	{ "event is required", "{\"data\":{}}", EMIT_INVALID,
	    "\"event\" is required" },
	{ "event must be a string", "{\"event\":1,\"data\":{}}",
	    EMIT_INVALID, "\"event\" is required" },
	{ "event with \\u0000 is refused",
	    "{\"event\":\"a\\u0000b\",\"data\":{}}", EMIT_INVALID,
	    "not a valid event type" },
	{ "unknown event type is named",
	    "{\"event\":\"leave.approvd\",\"data\":{}}", EMIT_INVALID,
	    "unknown event type \"leave.approvd\"" },
	{ "data is required", "{\"event\":\"leave.approved\"}",
	    EMIT_INVALID, "\"data\" is required" },
	{ "data must be an object",
	    "{\"event\":\"leave.approved\",\"data\":[]}", EMIT_INVALID,
	    "\"data\" is required" },
	{ "occurred_at must be RFC 3339 UTC",
	    "{\"event\":\"leave.approved\",\"data\":{},"
	    "\"occurred_at\":\"2026-04-29T14:32:11+02:00\"}", EMIT_INVALID,
	    "RFC 3339" },
	{ "occurred_at must be a string",
	    "{\"event\":\"leave.approved\",\"data\":{},\"occurred_at\":1}",
	    EMIT_INVALID, "RFC 3339" },
	/* Found by tests/fuzz/fuzz_ingest: ten escapes and thirty
	 * three-byte characters are 100 bytes unescaped but 111 raw, and
	 * the message clipped the raw text at 110 bytes, inside a
	 * character.  Kept as tests/fuzz/corpus/fuzz_ingest/
	 * crash-unknown-type-clipped-utf8. */
	{ "unknown type message clips on a UTF-8 boundary",
	    "{\"event\":\"\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\",\"data\":{}}", EMIT_INVALID, "unknown event type" },
	{ "unknown field message clips on a UTF-8 boundary",
	    "{\"event\":\"leave.approved\",\"data\":{},\"x"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\":1}", EMIT_INVALID, "unknown field" },
};

/* Is msg valid UTF-8?  The JSON reader says so of the JSON string the
 * API would answer with. */
static int
message_is_utf8(const char *msg)
{
	struct json_doc	 doc;
	struct buf	 b;
	int		 ok;

	buf_init(&b);
	jw_str(&b, msg);
	ok = json_parse(&doc, b.b_data, b.b_len, 0, NULL, 0) == 0;
	json_free(&doc);
	buf_free(&b);
	return ok;
}

/* text with every run of white space made one space, and none next
 * to a parenthesis: the layout of SQL, not its words. */
static void
squeeze(const char *text, size_t n, struct buf *out)
{
	size_t	 i;
	int	 ws = 0;

	for (i = 0; i < n; i++) {
		if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
		    text[i] == '\r') {
			ws = 1;
			continue;
		}
		if (ws && out->b_len > 0 && out->b_data[out->b_len - 1] != '(' &&
		    text[i] != ')')
			buf_putc(out, ' ');
		ws = 0;
		buf_putc(out, text[i]);
	}
	buf_cstr(out);
}

/* How many times the SQL text want occurs in the squeezed sql. */
static size_t
occurrences(const struct buf *sql, const char *want)
{
	struct buf	 w;
	const char	*p;
	size_t		 found = 0;

	buf_init(&w);
	squeeze(want, strlen(want), &w);
	p = strstr(sql->b_data, w.b_data);
	while (p != NULL) {
		found++;
		p = strstr(p + 1, w.b_data);
	}
	buf_free(&w);
	return found;
}

/* The outbox procedure fans out, filters and counts with the very words
 * of emit_insert's statements (EMIT_FANOUT, EMIT_COUNT_FILTERED), its
 * variables in place of the ? parameters. */
static void
procedure_matches(void)
{
	const char	*top = getenv("TOP_SRCDIR");
	struct buf	 path, file, sql;
	char		 chunk[4096];
	size_t		 n;
	FILE		*f;

	buf_init(&path);
	buf_init(&file);
	buf_init(&sql);
	buf_printf(&path, "%s/sql/003_integrations.sql", top != NULL ? top :
	    ".");
	if ((f = fopen(buf_cstr(&path), "r")) == NULL) {
		T_CHECK(0, "cannot read %s", buf_cstr(&path));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&file, chunk, n);
	fclose(f);
	squeeze(file.b_data, file.b_len, &sql);
	n = occurrences(&sql, EMIT_FANOUT("p_event_id", "p_tenant_id",
	    "p_event_type", "CONCAT(v_category, '.*')"));
	T_CHECK(n == 1, "webhooks_emit fans out and filters with emit_insert's "
	    "statement (%zu found)", n);
	n = occurrences(&sql, EMIT_COUNT_FILTERED("p_tenant_id",
	    "p_event_type", "CONCAT(v_category, '.*')", "p_event_id"));
	T_CHECK(n == 1, "webhooks_emit counts filtered events with emit_insert's "
	    "statement (%zu found)", n);
out:
	buf_free(&path);
	buf_free(&file);
	buf_free(&sql);
}

int
main(void)
{
	static const char *const names[] = {
		"leave.approved", "employee.created", "invoice.paid",
	};
	static const char *const cats[] = { "leave", "employee", "invoice" };
	struct emit_event	 ev;
	struct json_doc		 doc;
	enum emit_err		 rc;
	char			 err[512];
	size_t			 i;

	emit_types_set(names, cats, sizeof(names) / sizeof(names[0]));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (json_parse(&doc, cases[i].js, strlen(cases[i].js), 0, err,
		    sizeof(err)) == -1) {
			T_CHECK(0, "%s: test document does not parse: %s",
			    cases[i].name, err);
			continue;
		}
		err[0] = '\0';
		rc = emit_parse(NULL, &doc, 0, &ev, err, sizeof(err));
		T_CHECK(rc == cases[i].want && strstr(rc == EMIT_OK ?
		    ev.e_category : err, cases[i].what) != NULL,
		    "%s (%d: %s)", cases[i].name, rc, rc == EMIT_OK ?
		    ev.e_category : err);
		if (rc != EMIT_OK)
			T_CHECK(message_is_utf8(err), "%s: the message is "
			    "valid UTF-8", cases[i].name);
		else
			T_CHECK(strlen(ev.e_occurred_at) == 20 &&
			    ev.e_data != NULL && ev.e_data[0] == '{',
			    "%s: occurred_at and data are set", cases[i].name);
		emit_event_free(&ev);
		json_free(&doc);
	}

	/* The clip must not cost the whole name when it is short. */
	json_parse(&doc, "{\"event\":\"no.such\",\"data\":{}}", 29, 0, NULL,
	    0);
	rc = emit_parse(NULL, &doc, 0, &ev, err, sizeof(err));
	T_CHECK(rc == EMIT_INVALID && strstr(err, "\"no.such\";") != NULL,
	    "a short unknown type is quoted whole (%s)", err);
	emit_event_free(&ev);
	json_free(&doc);

	emit_types_set(NULL, NULL, 0);
	procedure_matches();
	return t_done();
}
