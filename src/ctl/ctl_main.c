/* webhooksctl: the operator's command line. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "account.h"
#include "apikey.h"
#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "ctl.h"
#include "db.h"
#include "delivery.h"
#include "emit.h"
#include "endpoint.h"
#include "json.h"
#include "jsonw.h"
#include "log.h"
#include "migrate.h"
#include "queue.h"
#include "tenant.h"
#include "util.h"
#include "version.h"
#include "wake.h"

static struct conf	 cf;
static struct db	*db;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: webhooksctl [-c file] command ...\n"
	    "  migrate [--dry-run] [--sql-dir DIR]\n"
	    "  tenant create NAME\n"
	    "  apikey create --tenant N [--name NAME]\n"
	    "  apikey revoke --tenant N --id ID\n"
	    "  user create --tenant N --email EMAIL   (password on stdin)\n"
	    "  emit --tenant N TYPE [DATA_JSON | -] [--occurred-at TIME]\n"
	    "  deliveries [--tenant N] [--status S] [--limit N]\n"
	    "  redeliver --tenant N --id ID\n"
	    "  seal --endpoint ID [--column secret_sealed]\n"
	    "                       (value on stdin; prints it sealed for that"
	    " row)\n"
	    "  status [--max-overdue 5m] [--json]\n"
	    "  catalog check [--catalog FILE] EVENT_FILE\n"
	    "                       (the event's data against its type's"
	    " schema)\n"
	    "  version\n");
	exit(2);
}

static unsigned long long
parse_id(const char *what, const char *s)
{
	const char	*errstr;
	long long	 v;

	v = util_strtonum(s, 1, INT64_MAX, &errstr);
	if (errstr != NULL) {
		fprintf(stderr, "webhooksctl: %s must be a positive number, "
		    "got '%s'\n", what, s);
		exit(2);
	}
	return (unsigned long long)v;
}

/* 0 if tenant t exists, else -1 (saying so when it does not). */
static int
need_tenant(unsigned long long t)
{
	int	 ok;

	if ((ok = tenant_exists(db, t)) == 0)
		fprintf(stderr, "webhooksctl: no tenant with id %llu\n", t);
	return ok == 1 ? 0 : -1;
}

static int
cmd_tenant(int argc, char **argv)
{
	unsigned long long	 tid;
	char			*key;
	struct buf		 out;

	if (argc != 3 || strcmp(argv[1], "create") != 0)
		usage();
	if (strlen(argv[2]) == 0 || strlen(argv[2]) > 200) {
		fprintf(stderr, "webhooksctl: tenant name must be 1 to 200 "
		    "characters\n");
		return 2;
	}
	if (tenant_create(db, argv[2], &tid, &key) == -1)
		return 1;
	buf_init(&out);
	buf_printf(&out, "{\"tenant_id\": %llu, \"api_key\": ", tid);
	jw_str(&out, key);
	buf_puts(&out, "}\n");
	fputs(buf_cstr(&out), stdout);
	buf_free(&out);
	free(key);
	return 0;
}

static int
cmd_apikey(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long long	 tenant = 0, id = 0;
	const char		*name = "";
	char			*key;
	int			 c, n;

	if (argc < 2)
		usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 't': tenant = parse_id("--tenant", optarg); break;
		case 'n': name = optarg; break;
		case 'i': id = parse_id("--id", optarg); break;
		default: usage();
		}
	if (tenant == 0)
		usage();
	if (need_tenant(tenant) == -1)
		return 1;
	if (strcmp(argv[1], "create") == 0) {
		if ((key = apikey_create(db, tenant, name, &id)) == NULL)
			return 1;
		printf("{\"id\": %llu, \"api_key\": \"%s\"}\n", id, key);
		free(key);
		return 0;
	}
	if (strcmp(argv[1], "revoke") == 0 && id != 0) {
		if ((n = apikey_revoke(db, tenant, id)) == -1)
			return 1;
		if (n == 0) {
			fprintf(stderr, "webhooksctl: tenant %llu has no "
			    "active API key %llu\n", tenant, id);
			return 1;
		}
		printf("revoked API key %llu\n", id);
		return 0;
	}
	usage();
	return 2;
}

static int
cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "email", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long long	 tenant = 0, id;
	const char		*email = NULL;
	char			*line = NULL;
	size_t			 cap = 0;
	ssize_t			 len;
	int			 c, rc = 1;

	if (argc < 2 || strcmp(argv[1], "create") != 0)
		usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 't': tenant = parse_id("--tenant", optarg); break;
		case 'e': email = optarg; break;
		default: usage();
		}
	if (tenant == 0 || email == NULL)
		usage();
	if (strchr(email, '@') == NULL || strlen(email) > 254 ||
	    strchr(email, ' ') != NULL) {
		fprintf(stderr, "webhooksctl: '%s' is not an email address\n",
		    email);
		return 2;
	}
	if (need_tenant(tenant) == -1)
		return 1;
	if ((len = getline(&line, &cap, stdin)) == -1) {
		fprintf(stderr, "webhooksctl: give the password on standard "
		    "input\n");
		free(line);
		return 2;
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (len < 10) {
		fprintf(stderr, "webhooksctl: the password must be at least "
		    "10 characters\n");
		goto out;
	}
	switch (account_user_create(db, tenant, email, line, &id)) {
	case ACCOUNT_OK:
		printf("{\"user_id\": %llu}\n", id);
		rc = 0;
		break;
	case ACCOUNT_DUP:
		fprintf(stderr, "webhooksctl: a user with email %s already "
		    "exists\n", email);
		break;
	default:
		break;
	}
out:
	OPENSSL_cleanse(line, cap);
	free(line);
	return rc;
}

static int
cmd_emit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "occurred-at", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long long	 tenant = 0, eid;
	const char		*type, *data = "{}", *at = NULL;
	struct buf		 in, doc;
	struct json_doc		 jd;
	struct emit_event	 ev;
	char			 err[512], chunk[4096];
	long long		 nd;
	size_t			 n;
	int			 c, rc = 1, tries;

	/* 0, not 1: glibc then starts afresh, in permuting mode, so
	 * --occurred-at may follow TYPE and DATA as the usage shows (main's
	 * "+" would otherwise still stop at the first argument). */
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 't': tenant = parse_id("--tenant", optarg); break;
		case 'o': at = optarg; break;
		default: usage();
		}
	if (tenant == 0 || optind >= argc || argc - optind > 2)
		usage();
	type = argv[optind];
	buf_init(&in);
	buf_init(&doc);
	if (argc - optind == 2)
		data = argv[optind + 1];
	if (strcmp(data, "-") == 0) {
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
			buf_add(&in, chunk, n);
		data = buf_cstr(&in);
	}
	/* Build the same document the API takes, so both share emit_parse. */
	buf_puts(&doc, "{\"event\":");
	jw_str(&doc, type);
	buf_puts(&doc, ",\"data\":");
	buf_puts(&doc, data);
	if (at != NULL) {
		buf_puts(&doc, ",\"occurred_at\":");
		jw_str(&doc, at);
	}
	buf_putc(&doc, '}');
	if (json_parse(&jd, doc.b_data, doc.b_len, JSON_MAX_DEPTH, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "webhooksctl: data is not valid JSON: %s\n",
		    err);
		goto out;
	}
	if (need_tenant(tenant) == -1)
		goto out2;
	switch (emit_parse(db, &jd, 0, &ev, err, sizeof(err))) {
	case EMIT_OK:
		break;
	case EMIT_INVALID:
		fprintf(stderr, "webhooksctl: %s\n", err);
		goto out3;
	default:
		goto out3;
	}
	/* Again after a conflict or a connection lost before COMMIT, which
	 * rolled it back; a lost COMMIT is reported, not guessed. */
	for (tries = 0;; tries++) {
		if (db_begin(db) == -1)
			goto out3;
		if (emit_insert(db, tenant, &ev, &eid, &nd) != EMIT_OK) {
			db_rollback(db);
			if (tries + 1 < DB_TX_TRIES && db_tx_again(db))
				continue;
			goto out3;
		}
		if (db_commit(db) == 0)
			break;
		if (tries + 1 == DB_TX_TRIES || !db_tx_again(db))
			goto out3;
	}
	wake_send(&cf);
	printf("{\"event_id\": %llu, \"deliveries\": %lld}\n", eid, nd);
	rc = 0;
out3:
	emit_event_free(&ev);
out2:
	json_free(&jd);
out:
	buf_free(&in);
	buf_free(&doc);
	return rc;
}

/* One JSON object per line, newest first. */
static int
cmd_deliveries(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "status", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cols[QL_NCOLS] = {
		[QL_ID] = "id",
		[QL_TENANT_ID] = "tenant_id",
		[QL_ENDPOINT_ID] = "endpoint_id",
		[QL_EVENT] = "event",
		[QL_STATUS] = "status",
		[QL_ATTEMPTS] = "attempts",
		[QL_NEXT_ATTEMPT_AT] = "next_attempt_at",
		[QL_LAST_ATTEMPT_AT] = "last_attempt_at",
		[QL_LAST_STATUS_CODE] = "last_status_code",
		[QL_LAST_ERROR] = "last_error",
		[QL_CLAIMED_BY] = "claimed_by"
	};
	unsigned long long	 tenant = 0;
	const char		*status = NULL, *v;
	long long		 limit = 50;
	struct dbres		*r;
	struct buf		 out;
	size_t			 i;
	unsigned		 c;
	int			 ch;

	optind = 0;	/* see cmd_emit */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 't': tenant = parse_id("--tenant", optarg); break;
		case 's': status = optarg; break;
		case 'l': limit = (long long)parse_id("--limit", optarg); break;
		default: usage();
		}
	if (optind != argc)
		usage();
	if (status != NULL && !delivery_status_ok(status)) {
		fprintf(stderr, "webhooksctl: --status must be pending, "
		    "retrying, paused, delivered, failed or dropped\n");
		return 2;
	}
	if (limit > 10000)
		limit = 10000;
	if (queue_list(db, tenant, status, limit, &r) == -1)
		return 1;
	buf_init(&out);
	for (i = 0; i < r->r_nrow; i++) {
		buf_reset(&out);
		buf_putc(&out, '{');
		for (c = 0; c < QL_NCOLS; c++) {
			if (c > 0)
				buf_putc(&out, ',');
			jw_key(&out, cols[c]);
			v = dbres_get(r, i, c);
			/* Numbers stay numbers. */
			if (v != NULL && (c == QL_ID || c == QL_TENANT_ID ||
			    c == QL_ENDPOINT_ID || c == QL_ATTEMPTS ||
			    c == QL_LAST_STATUS_CODE))
				buf_puts(&out, v);
			else
				jw_str(&out, v);
		}
		buf_puts(&out, "}\n");
		fputs(buf_cstr(&out), stdout);
	}
	buf_free(&out);
	dbres_free(r);
	return 0;
}

static int
cmd_redeliver(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long long	 tenant = 0, id = 0;
	int			 c;

	optind = 0;	/* see cmd_emit */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 't': tenant = parse_id("--tenant", optarg); break;
		case 'i': id = parse_id("--id", optarg); break;
		default: usage();
		}
	if (tenant == 0 || id == 0 || optind != argc)
		usage();
	switch (delivery_redeliver(db, tenant, id)) {
	case DL_OK:
		wake_send(&cf);
		printf("{\"id\": %llu, \"status\": \"pending\"}\n", id);
		return 0;
	case DL_NOTFOUND:
		fprintf(stderr, "webhooksctl: tenant %llu has no delivery "
		    "%llu\n", tenant, id);
		return 1;
	case DL_BUSY:
		fprintf(stderr, "webhooksctl: delivery %llu is being sent "
		    "right now; try again when it is done\n", id);
		return 1;
	case DL_GONE:
		fprintf(stderr, "webhooksctl: the endpoint of delivery %llu "
		    "was deleted\n", id);
		return 1;
	default:
		return 1;
	}
}

/* For operators and tests that write endpoints with SQL: seals a value
 * with the master key exactly as the API stores it in that column of
 * that endpoint's row (sealed values are bound to their row, so the row
 * must exist: insert it with secret_sealed '' first). */
static int
cmd_seal(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "endpoint", required_argument, NULL, 'e' },
		{ "column", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	char			*line = NULL;
	const char		*column = "secret_sealed";
	size_t			 cap = 0;
	ssize_t			 len;
	struct buf		 out;
	unsigned long long	 id = 0;
	int			 c, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 'e': id = parse_id("--endpoint", optarg); break;
		case 'c': column = optarg; break;
		default: usage();
		}
	if (optind != argc || id == 0)
		usage();
	if ((len = getline(&line, &cap, stdin)) == -1) {
		fprintf(stderr, "webhooksctl: give the value on standard "
		    "input\n");
		free(line);
		return 2;
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	buf_init(&out);
	if (len == 0)
		fprintf(stderr, "webhooksctl: the value is empty\n");
	else if (cr_master_load(cf.cf_master_key_file, 1) == 0)
		switch (endpoint_seal_value(db, id, column, line, (size_t)len,
		    &out)) {
		case EP_OK:
			printf("%s\n", buf_cstr(&out));
			rc = 0;
			break;
		case EP_NOTFOUND:
			fprintf(stderr, "webhooksctl: no endpoint with id "
			    "%llu\n", id);
			break;
		case EP_INVALID:
			fprintf(stderr, "webhooksctl: --column must be "
			    "secret_sealed, prev_secret_sealed, "
			    "pagerduty_key_sealed or headers_sealed\n");
			rc = 2;
			break;
		default:
			break;
		}
	cr_wipe(&out);
	OPENSSL_cleanse(line, cap);
	free(line);
	return rc;
}

static int
cmd_migrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "sql-dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*dir = migrate_default_dir();
	unsigned long	 done, bad;
	int		 c, dry = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 'n': dry = 1; break;
		case 'd': dir = optarg; break;
		default: usage();
		}
	if (optind != argc)
		usage();
	/* Create the master key now, as the operator, rather than on the
	 * first secret a web request stores. */
	if (!dry && cr_master_load(cf.cf_master_key_file, 1) == -1)
		return 1;
	if (migrate_run(db, dir, dry, stdout) != 0)
		return 1;
	if (dry)
		return 0;
	/* Sealed values of the old, unbound format become bound to their
	 * row; the programs of this version refuse the old format. */
	if (endpoint_reseal_v1(db, &done, &bad) == -1) {
		fprintf(stderr, "webhooksctl: re-sealing secrets failed: %s\n",
		    db_error(db));
		return 1;
	}
	if (done > 0)
		printf("re-sealed %lu secret%s bound to their row\n", done,
		    done == 1 ? "" : "s");
	if (bad > 0) {
		fprintf(stderr, "webhooksctl: %lu sealed value%s did not open "
		    "with the master key %s (see above) and stay unusable; is "
		    "master_key_file the key they were sealed with?\n", bad,
		    bad == 1 ? "" : "s", cf.cf_master_key_file);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*cfile = NULL;
	char		 err[1024];
	int		 c, rc;

	log_init("webhooksctl", LOG_WARN);
	while ((c = getopt(argc, argv, "+c:h")) != -1)
		switch (c) {
		case 'c': cfile = optarg; break;
		default: usage();
		}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "version") == 0) {
		printf("webhooksctl %s\n", WH_VERSION);
		return 0;
	}
	/* It reads the configuration only when it needs the database. */
	if (strcmp(argv[0], "catalog") == 0)
		return ctl_catalog(cfile, argc, argv);
	if (conf_load(&cf, conf_default_path(cfile), err, sizeof(err))) {
		fprintf(stderr, "webhooksctl: %s\n", err);
		return 2;
	}
	log_set_level(cf.cf_log_level < LOG_WARN ? (enum log_level)
	    cf.cf_log_level : LOG_WARN);
	db = db_new(&cf);
	if (db_connect(db) == -1) {
		fprintf(stderr, "webhooksctl: cannot reach the database: %s\n",
		    db_error(db));
		db_free(db);
		conf_free(&cf);
		return 1;
	}
	if (strcmp(argv[0], "migrate") == 0)
		rc = cmd_migrate(argc, argv);
	else if (strcmp(argv[0], "tenant") == 0)
		rc = cmd_tenant(argc, argv);
	else if (strcmp(argv[0], "apikey") == 0)
		rc = cmd_apikey(argc, argv);
	else if (strcmp(argv[0], "user") == 0)
		rc = cmd_user(argc, argv);
	else if (strcmp(argv[0], "emit") == 0)
		rc = cmd_emit(argc, argv);
	else if (strcmp(argv[0], "deliveries") == 0)
		rc = cmd_deliveries(argc, argv);
	else if (strcmp(argv[0], "redeliver") == 0)
		rc = cmd_redeliver(argc, argv);
	else if (strcmp(argv[0], "status") == 0)
		rc = ctl_status(db, &cf, argc, argv);
	else if (strcmp(argv[0], "seal") == 0)
		rc = cmd_seal(argc, argv);
	else {
		fprintf(stderr, "webhooksctl: unknown command '%s'\n",
		    argv[0]);
		usage();
		rc = 2;
	}
	db_free(db);
	conf_free(&cf);
	return rc;
}
