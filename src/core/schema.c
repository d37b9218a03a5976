/* A JSON Schema validator for the subset of draft 2020-12 the event
 * catalog's schemas use (see schema.h).  It reads the schema and the
 * value straight from json_parse'd token arrays, allocates only for
 * unescaped strings, and reports every violation with its JSON path,
 * so `webhooksctl catalog check` can tell a module author all that is
 * wrong in one run. */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "schema.h"
#include "utf8.h"

#define SCHEMA_MAX_ERRORS	100	/* lines reported per validation */
#define SCHEMA_MAX_DEPTH	32	/* schema nesting schema_check allows */

static const char *const type_names[] = {
	"object", "array", "string", "number", "integer", "boolean", "null"
};

static const char *const formats[] = {
	"date", "date-time", "email", "uri", "uri-reference"
};

struct vctx {
	const struct json_doc	*v_sd;	/* schema */
	const struct json_doc	*v_vd;	/* value */
	struct buf		*v_out;
	size_t			 v_n;	/* violations so far */
};

static void	 validate(struct vctx *, int, int, const char *);

/* Does string token tok of doc equal one of the n names? */
static int
str_in(const struct json_doc *doc, int tok, const char *const *names,
    size_t n)
{
	size_t	 i;

	if (doc->d_tok[tok].t_type != JSON_STRING)
		return 0;
	for (i = 0; i < n; i++)
		if (json_streq(doc, tok, names[i]))
			return 1;
	return 0;
}

/* A number token's value; JSON numbers are well formed after json_parse,
 * so strtod reads the whole token. */
static double
num(const struct json_doc *doc, int tok)
{
	const char	*raw;
	char		 tmp[128], *p;
	size_t		 len;
	double		 d;

	raw = json_raw(doc, tok, &len);
	if (len < sizeof(tmp)) {
		memcpy(tmp, raw, len);
		tmp[len] = '\0';
		return strtod(tmp, NULL);
	}
	p = xstrndup(raw, len);
	d = strtod(p, NULL);
	free(p);
	return d;
}

/* As JSON Schema counts them, 1.0 is an integer; past 2^53 every double
 * is one. */
static int
is_integral(double d)
{
	if (d != d)
		return 0;
	if (d > 9007199254740992.0 || d < -9007199254740992.0)
		return 1;
	return d == (double)(long long)d;
}

/* The JSON Schema type of a value token, "integer" for whole numbers. */
static const char *
type_of(const struct json_doc *doc, int tok)
{
	switch (doc->d_tok[tok].t_type) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_NUMBER:
		return is_integral(num(doc, tok)) ? "integer" : "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

static int
type_matches(const struct json_doc *vd, int vt, const char *want)
{
	const char	*got = type_of(vd, vt);

	return strcmp(want, got) == 0 ||
	    (strcmp(want, "number") == 0 && strcmp(got, "integer") == 0);
}

/* Are two values, from two documents, equal as JSON Schema's enum and
 * const compare them (numbers by value, objects whatever their order)? */
static int
json_equal(const struct json_doc *a, int at, const struct json_doc *b,
    int bt)
{
	const struct json_tok	*ta = &a->d_tok[at], *tb = &b->d_tok[bt];
	char			*sa, *sb;
	int			 i, ka, kb, eq;

	if (ta->t_type != tb->t_type)
		return 0;
	switch (ta->t_type) {
	case JSON_NUMBER:
		return num(a, at) == num(b, bt);
	case JSON_STRING:
		sa = json_strdup(a, at);
		sb = json_strdup(b, bt);
		eq = sa != NULL && sb != NULL && strcmp(sa, sb) == 0;
		free(sa);
		free(sb);
		return eq;
	case JSON_ARRAY:
		if (ta->t_size != tb->t_size)
			return 0;
		for (i = 0; i < ta->t_size; i++)
			if (!json_equal(a, json_index(a, at, i), b,
			    json_index(b, bt, i)))
				return 0;
		return 1;
	case JSON_OBJECT:
		if (ta->t_size != tb->t_size)
			return 0;
		ka = at + 1;
		for (i = 0; i < ta->t_size; i++, ka = json_skip(a, ka)) {
			sa = json_strdup(a, ka);
			kb = sa != NULL ? json_get(b, bt, sa) : -1;
			free(sa);
			if (kb == -1 || !json_equal(a, ka + 1, b, kb))
				return 0;
		}
		return 1;
	default:
		return 1;
	}
}

/* Append "PATH: message\n", up to SCHEMA_MAX_ERRORS lines. */
static void __attribute__((format(printf, 3, 4)))
fail(struct vctx *v, const char *path, const char *fmt, ...)
{
	va_list	 ap;

	v->v_n++;
	if (v->v_out == NULL || v->v_n > SCHEMA_MAX_ERRORS)
		return;
	if (v->v_n == SCHEMA_MAX_ERRORS) {
		buf_printf(v->v_out, "%s: (more violations not shown)\n",
		    path);
		return;
	}
	buf_printf(v->v_out, "%s: ", path);
	va_start(ap, fmt);
	buf_vprintf(v->v_out, fmt, ap);
	va_end(ap);
	buf_putc(v->v_out, '\n');
}

/* A value as it is written in the document, cut to a readable length. */
static void
quote(const struct json_doc *doc, int tok, char *out, size_t outsz)
{
	const char	*raw;
	size_t		 len, q;

	raw = json_raw(doc, tok, &len);
	if (len > 60) {
		q = utf8_clip_bytes(raw, len, 57);
		snprintf(out, outsz, "%.*s...", (int)q, raw);
	} else
		snprintf(out, outsz, "%.*s", (int)len, raw);
}

static int
digits(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* RFC 3339 full-date: YYYY-MM-DD, a day that exists. */
int
schema_is_date(const char *s, size_t n)
{
	static const int dim[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) ||
	    !digits(s + 5, 2) || !digits(s + 8, 2))
		return 0;
	y = two(s) * 100 + two(s + 2);
	m = two(s + 5);
	d = two(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > dim[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return 0;
	return 1;
}

/* RFC 3339 date-time, as ajv-formats reads it: a date, 'T' (or 't' or
 * a space), hh:mm:ss with optional fraction, and a zone that must be
 * there: 'Z' or +hh, +hhmm, +hh:mm.  A leap second only at 23:59 UTC. */
int
schema_is_datetime(const char *s, size_t n)
{
	size_t	 i;
	int	 hh, mm, ss, zh = 0, zm = 0, sign = 0;

	if (n < 20 || !schema_is_date(s, 10) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return 0;
	s += 11;
	n -= 11;
	if (n < 9 || !digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) ||
	    s[5] != ':' || !digits(s + 6, 2))
		return 0;
	hh = two(s);
	mm = two(s + 3);
	ss = two(s + 6);
	i = 8;
	if (s[i] == '.') {
		for (i++; i < n && isdigit((unsigned char)s[i]); i++)
			;
		if (i == 9)
			return 0;
	}
	if (i == n)
		return 0;
	if (s[i] == 'Z' || s[i] == 'z') {
		if (i + 1 != n)
			return 0;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '+' ? 1 : -1;
		i++;
		if (n - i == 2 && digits(s + i, 2))
			zh = two(s + i);
		else if (n - i == 4 && digits(s + i, 4)) {
			zh = two(s + i);
			zm = two(s + i + 2);
		} else if (n - i == 5 && digits(s + i, 2) && s[i + 2] == ':' &&
		    digits(s + i + 3, 2)) {
			zh = two(s + i);
			zm = two(s + i + 3);
		} else
			return 0;
		if (zh > 23 || zm > 59)
			return 0;
	} else
		return 0;
	if (hh > 23 || mm > 59 || ss > 60)
		return 0;
	if (ss == 60) {
		/* The UTC minute must be 23:59. */
		int utc = ((hh * 60 + mm - sign * (zh * 60 + zm)) % 1440 +
		    1440) % 1440;

		if (utc != 23 * 60 + 59)
			return 0;
	}
	return 1;
}

static int
email_atom_char(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c)
	    != NULL);
}

/* ajv-formats' email: dot-separated atoms, '@', at least two DNS labels
 * of letters, digits and inner hyphens. */
int
schema_is_email(const char *s, size_t n)
{
	const char	*at;
	size_t		 i, lab = 0, labels = 0, local;

	if ((at = memchr(s, '@', n)) == NULL)
		return 0;
	local = (size_t)(at - s);
	if (local == 0 || s[0] == '.' || s[local - 1] == '.')
		return 0;
	for (i = 0; i < local; i++)
		if (s[i] == '.' ? s[i + 1] == '.' :
		    !email_atom_char((unsigned char)s[i]))
			return 0;
	for (i = local + 1; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return 0;
			labels++;
			lab = 0;
			continue;
		}
		if (!(isalnum((unsigned char)s[i]) ||
		    (s[i] == '-' && lab > 0)))
			return 0;
		lab++;
	}
	return labels >= 2;
}

/* A URI (scheme ':' then the rest) or, with reference set, a URI
 * reference; loosely: no spaces, controls or the characters RFC 3986
 * never allows unescaped. */
int
schema_is_uri(const char *s, size_t n, int reference)
{
	size_t	 i, colon = 0;
	int	 scheme = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f || strchr("\"<>\\^`{|}", c) != NULL)
			return 0;
		if (c == '%' && (i + 2 >= n ||
		    !isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2])))
			return 0;
	}
	if (n > 0 && isalpha((unsigned char)s[0])) {
		for (i = 1; i < n && (isalnum((unsigned char)s[i]) ||
		    s[i] == '+' || s[i] == '-' || s[i] == '.'); i++)
			;
		if (i < n && s[i] == ':') {
			scheme = 1;
			colon = i;
		}
	}
	if (reference)
		return 1;
	return scheme && colon + 1 < n;
}

static int
format_ok(const char *fmt, const char *s, size_t n)
{
	if (strcmp(fmt, "date") == 0)
		return schema_is_date(s, n);
	if (strcmp(fmt, "date-time") == 0)
		return schema_is_datetime(s, n);
	if (strcmp(fmt, "email") == 0)
		return schema_is_email(s, n);
	if (strcmp(fmt, "uri") == 0)
		return schema_is_uri(s, n, 0);
	return schema_is_uri(s, n, 1);
}

static const char *
format_what(const char *fmt)
{
	if (strcmp(fmt, "date") == 0)
		return "a date (YYYY-MM-DD)";
	if (strcmp(fmt, "date-time") == 0)
		return "a date-time (RFC 3339, such as 2026-04-29T14:32:11Z)";
	if (strcmp(fmt, "email") == 0)
		return "an email address";
	if (strcmp(fmt, "uri") == 0)
		return "an absolute URI";
	return "a URI reference";
}

/* A path one step down: PATH.key (the key as written, escapes and all),
 * or PATH[i]. */
static char *
path_key(const char *path, const struct json_doc *doc, int key)
{
	struct buf	 b;
	const char	*raw;
	size_t		 len;

	raw = json_raw(doc, key, &len);
	buf_init(&b);
	/* raw includes the quotes. */
	buf_printf(&b, "%s.%.*s", path, (int)(len - 2), raw + 1);
	return buf_release(&b);
}

static void
check_string(struct vctx *v, int st, int vt, const char *path)
{
	const struct json_doc	*sd = v->v_sd;
	char			*s, *pat, shown[80];
	size_t			 len, chars;
	long long		 lim;
	regex_t			 re;
	int			 k;

	if ((s = json_strdup(v->v_vd, vt)) == NULL)
		return;	/* holds \u0000: nothing here to match it */
	len = strlen(s);
	chars = utf8_count(s, len);
	quote(v->v_vd, vt, shown, sizeof(shown));
	if ((k = json_get(sd, st, "minLength")) != -1 &&
	    json_int(sd, k, 0, 1LL << 40, &lim) == 0 &&
	    chars < (unsigned long long)lim)
		fail(v, path, "%s is shorter than %lld character%s", shown,
		    lim, lim == 1 ? "" : "s");
	if ((k = json_get(sd, st, "maxLength")) != -1 &&
	    json_int(sd, k, 0, 1LL << 40, &lim) == 0 &&
	    chars > (unsigned long long)lim)
		fail(v, path, "%s is longer than %lld character%s", shown,
		    lim, lim == 1 ? "" : "s");
	if ((k = json_get(sd, st, "format")) != -1) {
		char *fmt = json_strdup(sd, k);

		if (fmt != NULL && !format_ok(fmt, s, len))
			fail(v, path, "expected %s, got %s", format_what(fmt),
			    shown);
		free(fmt);
	}
	if ((k = json_get(sd, st, "pattern")) != -1 &&
	    (pat = json_strdup(sd, k)) != NULL) {
		if (regcomp(&re, pat, REG_EXTENDED | REG_NOSUB) == 0) {
			if (regexec(&re, s, 0, NULL, 0) != 0)
				fail(v, path, "%s does not match the pattern "
				    "%s", shown, pat);
			regfree(&re);
		}
		free(pat);
	}
	free(s);
}

static void
check_number(struct vctx *v, int st, int vt, const char *path)
{
	const struct json_doc	*sd = v->v_sd;
	char			 shown[80], lim[80];
	double			 d = num(v->v_vd, vt);
	int			 k;

	quote(v->v_vd, vt, shown, sizeof(shown));
	if ((k = json_get(sd, st, "minimum")) != -1 && d < num(sd, k)) {
		quote(sd, k, lim, sizeof(lim));
		fail(v, path, "%s is less than the minimum %s", shown, lim);
	}
	if ((k = json_get(sd, st, "maximum")) != -1 && d > num(sd, k)) {
		quote(sd, k, lim, sizeof(lim));
		fail(v, path, "%s is more than the maximum %s", shown, lim);
	}
}

static void
check_array(struct vctx *v, int st, int vt, const char *path)
{
	const struct json_doc	*sd = v->v_sd;
	struct buf		 p;
	long long		 lim;
	int			 k, i, n = v->v_vd->d_tok[vt].t_size;

	if ((k = json_get(sd, st, "minItems")) != -1 &&
	    json_int(sd, k, 0, 1LL << 40, &lim) == 0 && n < lim)
		fail(v, path, "has %d item%s, fewer than %lld", n,
		    n == 1 ? "" : "s", lim);
	if ((k = json_get(sd, st, "maxItems")) != -1 &&
	    json_int(sd, k, 0, 1LL << 40, &lim) == 0 && n > lim)
		fail(v, path, "has %d items, more than %lld", n, lim);
	if ((k = json_get(sd, st, "items")) == -1)
		return;
	buf_init(&p);
	for (i = 0; i < n; i++) {
		buf_reset(&p);
		buf_printf(&p, "%s[%d]", path, i);
		validate(v, k, json_index(v->v_vd, vt, i), buf_cstr(&p));
	}
	buf_free(&p);
}

static void
check_object(struct vctx *v, int st, int vt, const char *path)
{
	const struct json_doc	*sd = v->v_sd, *vd = v->v_vd;
	char			*name, *sub;
	int			 props, req, addl, k, i, ps;

	props = json_get(sd, st, "properties");
	if ((req = json_get(sd, st, "required")) != -1)
		for (i = 0; i < sd->d_tok[req].t_size; i++) {
			k = json_index(sd, req, i);
			if ((name = json_strdup(sd, k)) == NULL)
				continue;
			if (json_get(vd, vt, name) == -1) {
				sub = path_key(path, sd, k);
				fail(v, sub, "required, missing");
				free(sub);
			}
			free(name);
		}
	addl = json_get(sd, st, "additionalProperties");
	k = vt + 1;
	for (i = 0; i < vd->d_tok[vt].t_size; i++, k = json_skip(vd, k)) {
		if ((name = json_strdup(vd, k)) == NULL)
			continue;
		ps = props != -1 ? json_get(sd, props, name) : -1;
		free(name);
		sub = path_key(path, vd, k);
		if (ps != -1)
			validate(v, ps, k + 1, sub);
		else if (addl != -1)
			validate(v, addl, k + 1, sub);
		free(sub);
	}
}

/* anyOf: at least one alternative; oneOf: exactly one. */
static void
check_alternatives(struct vctx *v, int st, int vt, const char *path,
    const char *kw)
{
	struct vctx	 sub;
	int		 k, i, n, good = 0;

	if ((k = json_get(v->v_sd, st, kw)) == -1)
		return;
	n = v->v_sd->d_tok[k].t_size;
	for (i = 0; i < n; i++) {
		sub = *v;
		sub.v_out = NULL;
		sub.v_n = 0;
		validate(&sub, json_index(v->v_sd, k, i), vt, path);
		if (sub.v_n == 0)
			good++;
	}
	if (strcmp(kw, "anyOf") == 0 && good == 0)
		fail(v, path, "matches none of the %d anyOf alternatives", n);
	else if (strcmp(kw, "oneOf") == 0 && good != 1)
		fail(v, path, "matches %d of the oneOf alternatives, not "
		    "exactly one", good);
}

static void
validate(struct vctx *v, int st, int vt, const char *path)
{
	const struct json_doc	*sd = v->v_sd, *vd = v->v_vd;
	struct buf		 want;
	char			 shown[80];
	int			 k, i, ok;

	if (sd->d_tok[st].t_type == JSON_TRUE)
		return;
	if (sd->d_tok[st].t_type == JSON_FALSE) {
		fail(v, path, "not allowed here");
		return;
	}
	if (sd->d_tok[st].t_type != JSON_OBJECT)
		return;
	if ((k = json_get(sd, st, "type")) != -1) {
		buf_init(&want);
		ok = 0;
		if (sd->d_tok[k].t_type == JSON_STRING) {
			char *t = json_strdup(sd, k);

			ok = t != NULL && type_matches(vd, vt, t);
			buf_puts(&want, t != NULL ? t : "?");
			free(t);
		} else
			for (i = 0; i < sd->d_tok[k].t_size; i++) {
				char *t = json_strdup(sd, json_index(sd, k, i));

				if (t != NULL && type_matches(vd, vt, t))
					ok = 1;
				buf_printf(&want, "%s%s", i == 0 ? "" : " or ",
				    t != NULL ? t : "?");
				free(t);
			}
		if (!ok)
			fail(v, path, "expected %s, got %s", buf_cstr(&want),
			    type_of(vd, vt));
		buf_free(&want);
		if (!ok)
			return;	/* the rest would only repeat it */
	}
	if ((k = json_get(sd, st, "const")) != -1 &&
	    !json_equal(sd, k, vd, vt)) {
		char exp[80];

		quote(sd, k, exp, sizeof(exp));
		quote(vd, vt, shown, sizeof(shown));
		fail(v, path, "expected %s, got %s", exp, shown);
	}
	if ((k = json_get(sd, st, "enum")) != -1) {
		ok = 0;
		for (i = 0; i < sd->d_tok[k].t_size && !ok; i++)
			ok = json_equal(sd, json_index(sd, k, i), vd, vt);
		if (!ok) {
			const char *raw;
			size_t len;

			raw = json_raw(sd, k, &len);
			quote(vd, vt, shown, sizeof(shown));
			fail(v, path, "%s is not one of %.*s", shown,
			    (int)(len > 300 ? 300 : len), raw);
		}
	}
	switch (vd->d_tok[vt].t_type) {
	case JSON_STRING:
		check_string(v, st, vt, path);
		break;
	case JSON_NUMBER:
		check_number(v, st, vt, path);
		break;
	case JSON_ARRAY:
		check_array(v, st, vt, path);
		break;
	case JSON_OBJECT:
		check_object(v, st, vt, path);
		break;
	default:
		break;
	}
	check_alternatives(v, st, vt, path, "anyOf");
	check_alternatives(v, st, vt, path, "oneOf");
}

size_t
schema_validate(const struct json_doc *sd, int st, const struct json_doc *vd,
    int vt, const char *root, struct buf *out)
{
	struct vctx	 v;

	memset(&v, 0, sizeof(v));
	v.v_sd = sd;
	v.v_vd = vd;
	v.v_out = out;
	validate(&v, st, vt, root);
	return v.v_n;
}

/* Checking a schema. */

static int	 check_schema(const struct json_doc *, int, const char *,
		    int, char *, size_t);

static int
bad(char *err, size_t errsz, const char *path, const char *what)
{
	snprintf(err, errsz, "%s: %s", path, what);
	return -1;
}

/* A pattern must mean the same to POSIX regcomp as to an ECMAScript
 * engine (ajv): no backslash classes such as \d, no (?...) groups. */
static int
pattern_portable(const char *p)
{
	size_t	 i;

	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] == '\\' && (p[i + 1] == '\0' ||
		    isalnum((unsigned char)p[i + 1])))
			return 0;
		if (p[i] == '\\')
			i++;
		else if (p[i] == '(' && p[i + 1] == '?')
			return 0;
	}
	return 1;
}

static int
check_kw(const struct json_doc *sd, int key, int val, const char *path,
    int depth, char *err, size_t errsz)
{
	const struct json_tok	*t = &sd->d_tok[val];
	char			*sub, *s;
	struct buf		 p;
	regex_t			 re;
	long long		 n;
	int			 i, k, rc;

	buf_init(&p);
	buf_printf(&p, "%s.", path);
	{
		const char *raw;
		size_t len;

		raw = json_raw(sd, key, &len);
		buf_add(&p, raw + 1, len - 2);
	}
	sub = buf_release(&p);
	rc = -1;
	if (json_streq(sd, key, "$schema") || json_streq(sd, key, "title") ||
	    json_streq(sd, key, "description") ||
	    json_streq(sd, key, "$comment")) {
		if (t->t_type != JSON_STRING) {
			bad(err, errsz, sub, "must be a string");
			goto out;
		}
	} else if (json_streq(sd, key, "type")) {
		if (t->t_type == JSON_STRING) {
			if (!str_in(sd, val, type_names, 7)) {
				bad(err, errsz, sub, "unknown type");
				goto out;
			}
		} else if (t->t_type == JSON_ARRAY && t->t_size > 0) {
			for (i = 0; i < t->t_size; i++)
				if (!str_in(sd, json_index(sd, val, i),
				    type_names, 7)) {
					bad(err, errsz, sub, "unknown type");
					goto out;
				}
		} else {
			bad(err, errsz, sub, "must be a type name or a "
			    "non-empty array of them");
			goto out;
		}
	} else if (json_streq(sd, key, "properties")) {
		if (t->t_type != JSON_OBJECT) {
			bad(err, errsz, sub, "must be an object");
			goto out;
		}
		k = val + 1;
		for (i = 0; i < t->t_size; i++, k = json_skip(sd, k)) {
			char *ps = path_key(sub, sd, k);

			rc = check_schema(sd, k + 1, ps, depth + 1, err,
			    errsz);
			free(ps);
			if (rc == -1)
				goto out;
		}
		rc = -1;
	} else if (json_streq(sd, key, "required")) {
		if (t->t_type != JSON_ARRAY) {
			bad(err, errsz, sub, "must be an array of strings");
			goto out;
		}
		for (i = 0; i < t->t_size; i++)
			if (sd->d_tok[json_index(sd, val, i)].t_type !=
			    JSON_STRING) {
				bad(err, errsz, sub, "must be an array of "
				    "strings");
				goto out;
			}
	} else if (json_streq(sd, key, "additionalProperties") ||
	    json_streq(sd, key, "items")) {
		if (check_schema(sd, val, sub, depth + 1, err, errsz) == -1)
			goto out;
	} else if (json_streq(sd, key, "anyOf") ||
	    json_streq(sd, key, "oneOf")) {
		if (t->t_type != JSON_ARRAY || t->t_size == 0) {
			bad(err, errsz, sub, "must be a non-empty array of "
			    "schemas");
			goto out;
		}
		for (i = 0; i < t->t_size; i++)
			if (check_schema(sd, json_index(sd, val, i), sub,
			    depth + 1, err, errsz) == -1)
				goto out;
	} else if (json_streq(sd, key, "enum")) {
		if (t->t_type != JSON_ARRAY || t->t_size == 0) {
			bad(err, errsz, sub, "must be a non-empty array");
			goto out;
		}
	} else if (json_streq(sd, key, "const")) {
		/* Any value. */
	} else if (json_streq(sd, key, "format")) {
		if (!str_in(sd, val, formats, 5)) {
			bad(err, errsz, sub, "must be one of date, date-time, "
			    "email, uri, uri-reference");
			goto out;
		}
	} else if (json_streq(sd, key, "minimum") ||
	    json_streq(sd, key, "maximum")) {
		if (t->t_type != JSON_NUMBER) {
			bad(err, errsz, sub, "must be a number");
			goto out;
		}
	} else if (json_streq(sd, key, "minLength") ||
	    json_streq(sd, key, "maxLength") ||
	    json_streq(sd, key, "minItems") ||
	    json_streq(sd, key, "maxItems")) {
		if (json_int(sd, val, 0, 1LL << 40, &n) == -1) {
			bad(err, errsz, sub, "must be a non-negative integer");
			goto out;
		}
	} else if (json_streq(sd, key, "pattern")) {
		if ((s = json_strdup(sd, val)) == NULL ||
		    !pattern_portable(s) ||
		    regcomp(&re, s, REG_EXTENDED | REG_NOSUB) != 0) {
			free(s);
			bad(err, errsz, sub, "must be a POSIX extended regular "
			    "expression without backslash classes");
			goto out;
		}
		regfree(&re);
		free(s);
	} else {
		snprintf(err, errsz, "%s: unsupported keyword '%s'", path,
		    sub + strlen(path) + 1);
		goto out;
	}
	rc = 0;
out:
	free(sub);
	return rc;
}

static int
check_schema(const struct json_doc *sd, int st, const char *path,
    int depth, char *err, size_t errsz)
{
	const struct json_tok	*t = &sd->d_tok[st];
	int			 i, k;

	if (depth > SCHEMA_MAX_DEPTH)
		return bad(err, errsz, path, "nested too deeply");
	if (t->t_type == JSON_TRUE || t->t_type == JSON_FALSE)
		return 0;
	if (t->t_type != JSON_OBJECT)
		return bad(err, errsz, path, "a schema must be an object or "
		    "a boolean");
	k = st + 1;
	for (i = 0; i < t->t_size; i++, k = json_skip(sd, k))
		if (check_kw(sd, k, k + 1, path, depth, err, errsz) == -1)
			return -1;
	return 0;
}

int
schema_check(const struct json_doc *sd, int st, char *err, size_t errsz)
{
	return check_schema(sd, st, "schema", 0, err, errsz);
}
