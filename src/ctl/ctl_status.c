/* webhooksctl status: the operator's view of the queue, for a person and
 * for a monitoring check (exit 1 when deliveries are overdue). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "ctl.h"
#include "db.h"
#include "jsonw.h"
#include "util.h"

static const char *const states[] = {
	"pending", "paused", "delivered", "failed", "dropped"
};

/* Registered dispatchers: live while their heartbeat is younger than
 * heartbeat_timeout; holding counts their leases still running. */
static const char dispatchers_sql[] =
    "SELECT d.id, d.host, d.pid,"
    " d.heartbeat_at >= NOW(3) - INTERVAL ? MICROSECOND,"
    " TIMESTAMPDIFF(MICROSECOND, d.heartbeat_at, NOW(3)) DIV 1000,"
    " d.in_flight, d.held, d.claimed, d.released,"
    " (SELECT COUNT(*) FROM deliveries x FORCE INDEX (deliveries_held)"
    " WHERE x.claimed_by = d.id AND x.status = 'pending'"
    " AND x.next_attempt_at > NOW(3))"
    " FROM dispatchers d ORDER BY d.id";
enum { DS_ID, DS_HOST, DS_PID, DS_LIVE, DS_AGE, DS_INFLIGHT, DS_HELD,
    DS_CLAIMED, DS_RELEASED, DS_HOLDING };

static int
registered(const struct dbres *reg, const char *id)
{
	size_t	 i;

	for (i = 0; i < reg->r_nrow; i++)
		if (strcmp(dbres_get(reg, i, DS_ID), id) == 0)
			return 1;
	return 0;
}

int
ctl_status(struct db *db, const struct conf *cf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-overdue", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct dbres	*counts = NULL, *due = NULL, *disp = NULL;
	struct dbres	*failing = NULL, *reg = NULL;
	struct buf	 out;
	long long	 max_overdue_ms = 300000, overdue_ms, n, inflight;
	size_t		 i, k;
	int		 c, json = 0, rc = 2;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 'm':
			if (util_parse_duration_ms(optarg, &max_overdue_ms)) {
				fprintf(stderr, "webhooksctl: --max-overdue takes "
				    "a duration such as 5m\n");
				return 2;
			}
			break;
		case 'j': json = 1; break;
		default:
			fprintf(stderr, "usage: webhooksctl status "
			    "[--max-overdue 5m] [--json]\n");
			return 2;
		}
	/* Each query reads an index range: the claim index for the queue,
	 * so this stays cheap on a large table. */
	if (db_query(db, &counts, "SELECT status, COUNT(*) FROM deliveries "
	    "GROUP BY status", "") == -1 ||
	    db_query(db, &due, "SELECT COUNT(*), COALESCE(TIMESTAMPDIFF("
	    "MICROSECOND, MIN(next_attempt_at), NOW(3)) DIV 1000, 0), "
	    "(SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND "
	    "claimed_by IS NOT NULL AND next_attempt_at > NOW(3)) FROM "
	    "deliveries WHERE status = 'pending' AND next_attempt_at <= "
	    "NOW(3)", "") == -1 ||
	    db_query(db, &disp, "SELECT claimed_by, COUNT(*), "
	    "TIMESTAMPDIFF(SECOND, NOW(3), MAX(next_attempt_at)) FROM "
	    "deliveries WHERE status = 'pending' AND claimed_by IS NOT NULL "
	    "AND next_attempt_at > NOW(3) GROUP BY claimed_by ORDER BY "
	    "claimed_by", "") == -1 ||
	    db_query(db, &reg, dispatchers_sql, "i",
	    cf->cf_heartbeat_timeout_ms * 1000) == -1 ||
	    db_query(db, &failing, "SELECT e.id, e.tenant_id, e.url, "
	    "e.enabled, COALESCE(e.disabled_reason, ''), COUNT(d.id), "
	    "COALESCE(MAX(d.last_status_code), 0), COALESCE(MAX(d.last_error),"
	    " '') FROM endpoints e LEFT JOIN deliveries d ON d.endpoint_id = "
	    "e.id AND d.status = 'pending' AND d.attempts > 0 GROUP BY e.id "
	    "HAVING COUNT(d.id) > 0 OR (e.enabled = 0 AND MAX(e."
	    "disabled_reason) IS NOT NULL) ORDER BY COUNT(d.id) DESC LIMIT 20",
	    "") == -1) {
		fprintf(stderr, "webhooksctl: %s\n", db_error(db));
		goto out;
	}
	overdue_ms = dbres_int(due, 0, 0) > 0 ? dbres_int(due, 0, 1) : 0;
	inflight = dbres_int(due, 0, 2);
	buf_init(&out);
	if (json) {
		buf_puts(&out, "{\"queue\":{");
		for (k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
			n = 0;
			for (i = 0; i < counts->r_nrow; i++)
				if (strcmp(dbres_get(counts, i, 0), states[k]) == 0)
					n = dbres_int(counts, i, 1);
			buf_printf(&out, "%s\"%s\":%lld", k ? "," : "",
			    states[k], n);
		}
		buf_printf(&out, "},\"in_flight\":%lld,\"due\":%lld,"
		    "\"oldest_due_ms\":%lld,\"overdue\":%s,\"dispatchers\":[",
		    inflight, dbres_int(due, 0, 0), overdue_ms,
		    overdue_ms > max_overdue_ms ? "true" : "false");
		for (i = 0; i < reg->r_nrow; i++) {
			buf_puts(&out, i ? ",{\"id\":" : "{\"id\":");
			jw_str(&out, dbres_get(reg, i, DS_ID));
			buf_puts(&out, ",\"host\":");
			jw_str(&out, dbres_get(reg, i, DS_HOST));
			buf_printf(&out, ",\"pid\":%lld,\"live\":%s,"
			    "\"heartbeat_age_ms\":%lld,\"in_flight\":%lld,"
			    "\"held\":%lld,\"claimed\":%lld,\"released\":%lld,"
			    "\"holding\":%lld}", dbres_int(reg, i, DS_PID),
			    dbres_int(reg, i, DS_LIVE) ? "true" : "false",
			    dbres_int(reg, i, DS_AGE),
			    dbres_int(reg, i, DS_INFLIGHT),
			    dbres_int(reg, i, DS_HELD),
			    dbres_int(reg, i, DS_CLAIMED),
			    dbres_int(reg, i, DS_RELEASED),
			    dbres_int(reg, i, DS_HOLDING));
		}
		/* Leases of a dispatcher without a row: it never beat (an
		 * older version) or was reaped; they end with the lease. */
		for (i = 0, k = reg->r_nrow; i < disp->r_nrow; i++) {
			if (registered(reg, dbres_get(disp, i, 0)))
				continue;
			buf_puts(&out, k++ ? ",{\"id\":" : "{\"id\":");
			jw_str(&out, dbres_get(disp, i, 0));
			buf_printf(&out, ",\"live\":false,\"holding\":%lld}",
			    dbres_int(disp, i, 1));
		}
		buf_puts(&out, "],\"failing_endpoints\":[");
		for (i = 0; i < failing->r_nrow; i++) {
			buf_printf(&out, "%s{\"id\":%lld,\"tenant_id\":%lld,"
			    "\"url\":", i ? "," : "", dbres_int(failing, i, 0),
			    dbres_int(failing, i, 1));
			jw_str(&out, dbres_get(failing, i, 2));
			buf_printf(&out, ",\"enabled\":%s,\"retrying\":%lld,"
			    "\"last_status_code\":%lld,\"last_error\":",
			    dbres_int(failing, i, 3) ? "true" : "false",
			    dbres_int(failing, i, 5), dbres_int(failing, i, 6));
			jw_str(&out, dbres_get(failing, i, 7));
			buf_puts(&out, ",\"disabled_reason\":");
			jw_str(&out, dbres_get(failing, i, 4));
			buf_putc(&out, '}');
		}
		buf_puts(&out, "]}\n");
	} else {
		buf_puts(&out, "Queue:\n");
		for (k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
			n = 0;
			for (i = 0; i < counts->r_nrow; i++)
				if (strcmp(dbres_get(counts, i, 0), states[k]) == 0)
					n = dbres_int(counts, i, 1);
			buf_printf(&out, "  %-10s %lld\n", states[k], n);
		}
		buf_printf(&out, "  in flight  %lld\n  due now    %lld\n",
		    inflight, dbres_int(due, 0, 0));
		buf_printf(&out, "Oldest due delivery: %s", dbres_int(due, 0, 0)
		    ? "" : "none\n");
		if (dbres_int(due, 0, 0))
			buf_printf(&out, "%lld.%03lld s overdue%s\n",
			    overdue_ms / 1000, overdue_ms % 1000,
			    overdue_ms > max_overdue_ms ? " (OVER THRESHOLD)" :
			    "");
		buf_printf(&out, "Dispatchers: %s", reg->r_nrow ? "\n" :
		    "none registered\n");
		for (i = 0; i < reg->r_nrow; i++)
			buf_printf(&out, "  %s  %s, heartbeat %lld.%01lld s ago, "
			    "%lld in flight, %lld held, %lld claimed, %lld "
			    "released, %lld leases\n",
			    dbres_get(reg, i, DS_ID),
			    dbres_int(reg, i, DS_LIVE) ? "live" : "DEAD",
			    dbres_int(reg, i, DS_AGE) / 1000,
			    dbres_int(reg, i, DS_AGE) % 1000 / 100,
			    dbres_int(reg, i, DS_INFLIGHT),
			    dbres_int(reg, i, DS_HELD),
			    dbres_int(reg, i, DS_CLAIMED),
			    dbres_int(reg, i, DS_RELEASED),
			    dbres_int(reg, i, DS_HOLDING));
		for (i = 0, k = 0; i < disp->r_nrow; i++) {
			if (registered(reg, dbres_get(disp, i, 0)))
				continue;
			if (k++ == 0)
				buf_puts(&out, "Leases of unregistered "
				    "dispatchers:\n");
			buf_printf(&out, "  %s  %lld deliveries, lease ends in "
			    "%lld s\n", dbres_get(disp, i, 0),
			    dbres_int(disp, i, 1), dbres_int(disp, i, 2));
		}
		buf_printf(&out, "Failing endpoints: %s",
		    failing->r_nrow ? "\n" : "none\n");
		for (i = 0; i < failing->r_nrow; i++)
			buf_printf(&out, "  #%lld (tenant %lld) %s: %s%lld "
			    "retrying, last %s%s\n", dbres_int(failing, i, 0),
			    dbres_int(failing, i, 1), dbres_get(failing, i, 2),
			    dbres_int(failing, i, 3) ? "" : "DISABLED, ",
			    dbres_int(failing, i, 5),
			    dbres_int(failing, i, 6) ? "HTTP " : "",
			    dbres_int(failing, i, 6) ?
			    dbres_get(failing, i, 6) : dbres_get(failing, i, 7));
	}
	fputs(buf_cstr(&out), stdout);
	buf_free(&out);
	rc = overdue_ms > max_overdue_ms ? 1 : 0;
out:
	dbres_free(counts);
	dbres_free(due);
	dbres_free(disp);
	dbres_free(failing);
	dbres_free(reg);
	return rc;
}
