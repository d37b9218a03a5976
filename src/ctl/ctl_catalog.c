/* webhooksctl catalog check: a module author's sample event, checked
 * against its type's JSON Schema before the module ships it. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "conf.h"
#include "ctl.h"
#include "db.h"
#include "json.h"
#include "schema.h"

/* Where the schemas come from: the catalog file given with --catalog,
 * else the database's event_types (what migrate loaded). */
struct source {
	struct json_doc	 s_cat;		/* --catalog: the parsed file */
	struct buf	 s_catbuf;
	int		 s_file;
	struct db	*s_db;
};

static int
slurp(const char *path, struct buf *b)
{
	FILE	*f;
	char	 chunk[8192];
	size_t	 n;
	int	 rc = 0;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "webhooksctl: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	if (ferror(f)) {
		fprintf(stderr, "webhooksctl: %s: read error\n", path);
		rc = -1;
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

/* The schema of type into *sd (json_free it) and its root token:
 * 1 found, 0 unknown type, -1 error (said). */
static int
find_schema(struct source *src, const char *type, struct json_doc *sd,
    char **text, int *root)
{
	char	 err[256];
	int	 t, v;

	*text = NULL;
	if (src->s_file) {
		for (t = 1; t < src->s_cat.d_ntok;
		    t = json_skip(&src->s_cat, t))
			if ((v = json_get(&src->s_cat, t, "name")) != -1 &&
			    json_streq(&src->s_cat, v, type)) {
				if ((v = json_get(&src->s_cat, t, "schema")) ==
				    -1)
					return 0;
				*sd = src->s_cat;	/* borrowed */
				*root = v;
				return 1;
			}
		return 0;
	}
	if (catalog_schema(src->s_db, type, text) == -1) {
		fprintf(stderr, "webhooksctl: %s\n", db_error(src->s_db));
		return -1;
	}
	if (*text == NULL)
		return 0;
	if (json_parse(sd, *text, strlen(*text), JSON_MAX_DEPTH, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "webhooksctl: the stored schema of %s: %s\n",
		    type, err);
		free(*text);
		*text = NULL;
		return -1;
	}
	*root = 0;
	return 1;
}

/* One {"event", "data"} object at token ev; prefix "" for a single
 * event, "[i]." in an array.  Returns the number of violations printed,
 * or -1 on an error that stops the check. */
static long
check_event(struct source *src, const struct json_doc *doc, int ev,
    const char *prefix)
{
	struct json_doc	 sd;
	struct buf	 out, path;
	char		*type = NULL, *text = NULL;
	long		 n = -1;
	int		 t, d, root, found;

	buf_init(&out);
	buf_init(&path);
	if (doc->d_tok[ev].t_type != JSON_OBJECT) {
		/* "[2]." names the element as "[2]". */
		printf("%.*s: expected an object {\"event\", \"data\"}\n",
		    *prefix ? (int)strlen(prefix) - 1 : 11,
		    *prefix ? prefix : "(top level)");
		n = 1;
		goto out;
	}
	if ((t = json_get(doc, ev, "event")) == -1 ||
	    doc->d_tok[t].t_type != JSON_STRING ||
	    (type = json_strdup(doc, t)) == NULL) {
		printf("%sevent: required, a string naming the event type\n",
		    prefix);
		n = 1;
		goto out;
	}
	if ((d = json_get(doc, ev, "data")) == -1) {
		printf("%sdata: required, missing\n", prefix);
		n = 1;
		goto out;
	}
	if ((found = find_schema(src, type, &sd, &text, &root)) == -1)
		goto out;
	if (found == 0) {
		printf("%sevent: '%s' is not a type of the catalog\n", prefix,
		    type);
		n = 1;
		goto out;
	}
	buf_printf(&path, "%sdata", prefix);
	n = (long)schema_validate(&sd, root, doc, d, buf_cstr(&path), &out);
	if (out.b_len > 0)
		fputs(buf_cstr(&out), stdout);
	if (text != NULL)
		json_free(&sd);
out:
	free(text);
	free(type);
	buf_free(&out);
	buf_free(&path);
	return n;
}

/*
 * catalog check [--catalog FILE] EVENT_FILE: 0 valid, 1 invalid (each
 * violation on a line of its own), 2 usage or an error that kept it from
 * checking (unreadable file, no database).
 */
int
ctl_catalog(const char *cfile, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "catalog", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct source	 src;
	struct json_doc	 doc;
	struct buf	 in, pfx;
	struct conf	 cf;
	const char	*catfile = NULL, *file;
	char		 err[1024];
	long		 n, total = 0;
	int		 c, i, rc = 2, parsed = 0, conf_ok = 0;

	memset(&src, 0, sizeof(src));
	buf_init(&src.s_catbuf);
	buf_init(&in);
	buf_init(&pfx);
	optind = 1;
	if (argc < 2 || strcmp(argv[1], "check") != 0)
		goto usage;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 'f': catfile = optarg; break;
		default: goto usage;
		}
	if (optind != argc - 1)
		goto usage;
	file = argv[optind];

	if (catfile != NULL) {
		if (slurp(catfile, &src.s_catbuf) == -1)
			goto out;
		if (catalog_check(src.s_catbuf.b_data, src.s_catbuf.b_len,
		    NULL, err, sizeof(err)) == -1) {
			fprintf(stderr, "webhooksctl: %s: %s\n", catfile, err);
			goto out;
		}
		if (json_parse(&src.s_cat, src.s_catbuf.b_data,
		    src.s_catbuf.b_len, JSON_MAX_DEPTH, err, sizeof(err)) == -1)
			goto out;	/* catalog_check parsed it already */
		src.s_file = 1;
	} else {
		if (conf_load(&cf, conf_default_path(cfile), err,
		    sizeof(err))) {
			fprintf(stderr, "webhooksctl: %s\n", err);
			goto out;
		}
		conf_ok = 1;
		src.s_db = db_new(&cf);
		if (db_connect(src.s_db) == -1) {
			fprintf(stderr, "webhooksctl: cannot reach the "
			    "database: %s (or give --catalog FILE)\n",
			    db_error(src.s_db));
			goto out;
		}
	}

	if (slurp(file, &in) == -1)
		goto out;
	if (json_parse(&doc, in.b_data, in.b_len, JSON_MAX_DEPTH, err,
	    sizeof(err)) == -1) {
		printf("%s: not JSON: %s\n", file, err);
		rc = 1;
		goto out;
	}
	parsed = 1;
	if (doc.d_tok[0].t_type == JSON_ARRAY) {
		/* A batch, as POST /api/v1/events takes it. */
		for (i = 0; i < doc.d_tok[0].t_size; i++) {
			buf_reset(&pfx);
			buf_printf(&pfx, "[%d].", i);
			if ((n = check_event(&src, &doc, json_index(&doc, 0, i),
			    buf_cstr(&pfx))) == -1)
				goto out;
			total += n;
		}
	} else {
		if ((n = check_event(&src, &doc, 0, "")) == -1)
			goto out;
		total = n;
	}
	if (total == 0)
		printf("%s: valid\n", file);
	else
		fprintf(stderr, "%s: %ld violation%s\n", file, total,
		    total == 1 ? "" : "s");
	rc = total == 0 ? 0 : 1;
	goto out;
usage:
	fprintf(stderr, "usage: webhooksctl [-c file] catalog check "
	    "[--catalog FILE] EVENT_FILE\n");
out:
	if (parsed)
		json_free(&doc);
	if (src.s_file)
		json_free(&src.s_cat);
	if (src.s_db != NULL)
		db_free(src.s_db);
	if (conf_ok)
		conf_free(&cf);
	buf_free(&src.s_catbuf);
	buf_free(&in);
	buf_free(&pfx);
	return rc;
}
