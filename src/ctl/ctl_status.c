/* webhooksctl status: the operator's view of the queue, for a person and
 * for a monitoring check (exit 1 when deliveries are overdue). */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cluster.h"
#include "conf.h"
#include "crypto.h"
#include "ctl.h"
#include "db.h"
#include "jsonw.h"
#include "queue.h"
#include "util.h"

/* A master key file others can read (or its group write) is worth
 * saying on every status, on stderr so --json stays one document. */
static void
master_key_check(const struct conf *cf)
{
	char	 msg[200];
	int	 fd;

	if ((fd = open(cf->cf_master_key_file, O_RDONLY | O_CLOEXEC)) == -1)
		return;		/* not created yet, or not ours to read */
	if (cr_master_mode_check(fd, msg, sizeof(msg)) != 0)
		fprintf(stderr, "webhooksctl: warning: master key %s: %s\n",
		    cf->cf_master_key_file, msg);
	close(fd);
}

static int
registered(const struct dbres *reg, const char *id)
{
	size_t	 i;

	for (i = 0; i < reg->r_nrow; i++)
		if (strcmp(dbres_get(reg, i, QD_ID), id) == 0)
			return 1;
	return 0;
}

/* "database": {"galera": false} for a single server; a cluster's name,
 * size and each node of the component as it sees itself. */
static void
cluster_json(struct buf *out, const struct cluster_status *cs)
{
	const struct cluster_node *n;
	size_t	 i;

	if (!cs->cs_galera) {
		buf_puts(out, "{\"galera\":false}");
		return;
	}
	buf_puts(out, "{\"galera\":true,\"cluster\":");
	jw_str(out, cs->cs_name);
	buf_printf(out, ",\"size\":%lld,\"nodes\":[", cs->cs_size);
	for (i = 0; i < cs->cs_n; i++) {
		n = &cs->cs_nodes[i];
		buf_puts(out, i ? ",{\"address\":" : "{\"address\":");
		jw_str(out, n->cn_address);
		buf_puts(out, ",\"name\":");
		jw_str(out, n->cn_name);
		buf_puts(out, ",\"state\":");
		jw_str(out, n->cn_state);
		buf_puts(out, ",\"cluster_status\":");
		jw_str(out, n->cn_status);
		buf_printf(out, ",\"cluster_size\":%lld,\"connected\":%s}",
		    n->cn_size, n->cn_ours ? "true" : "false");
	}
	buf_puts(out, "]}");
}

static void
cluster_text(struct buf *out, const struct cluster_status *cs)
{
	const struct cluster_node *n;
	size_t	 i;

	if (!cs->cs_galera) {
		buf_puts(out, "Database: a single server\n");
		return;
	}
	buf_printf(out, "Database: Galera cluster %s, %lld nodes\n",
	    cs->cs_name ? cs->cs_name : "?", cs->cs_size);
	for (i = 0; i < cs->cs_n; i++) {
		n = &cs->cs_nodes[i];
		if (n->cn_name == NULL) {
			buf_printf(out, "  %s  NOT ANSWERING\n", n->cn_address);
			continue;
		}
		buf_printf(out, "  %s  %s, %s, %s component of %lld%s\n",
		    n->cn_name, n->cn_address,
		    n->cn_state ? n->cn_state : "?",
		    n->cn_status ? n->cn_status : "?", n->cn_size,
		    n->cn_ours ? " (this connection)" : "");
	}
}

int
ctl_status(struct db *db, const struct conf *cf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-overdue", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct queue_status qs;
	struct cluster_status cs;
	const struct dbres *reg, *disp, *failing;
	struct buf	 out;
	long long	 max_overdue_ms = 300000, overdue_ms;
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
	if (queue_status(db, cf->cf_heartbeat_timeout_ms, &qs) == -1) {
		fprintf(stderr, "webhooksctl: %s\n", db_error(db));
		return rc;
	}
	if (cluster_status(db, cf, &cs) == -1) {
		fprintf(stderr, "webhooksctl: %s\n", db_error(db));
		queue_status_free(&qs);
		return rc;
	}
	master_key_check(cf);
	reg = qs.qs_dispatchers;
	disp = qs.qs_leases;
	failing = qs.qs_failing;
	overdue_ms = qs.qs_due > 0 ? qs.qs_oldest_due_ms : 0;
	buf_init(&out);
	if (json) {
		buf_puts(&out, "{\"queue\":{");
		for (k = 0; k < DL_STATUSES; k++)
			buf_printf(&out, "%s\"%s\":%lld", k ? "," : "",
			    delivery_statuses[k], qs.qs_count[k]);
		buf_printf(&out, "},\"in_flight\":%lld,\"due\":%lld,"
		    "\"oldest_due_ms\":%lld,\"overdue\":%s,\"dispatchers\":[",
		    qs.qs_in_flight, qs.qs_due, overdue_ms,
		    overdue_ms > max_overdue_ms ? "true" : "false");
		for (i = 0; i < reg->r_nrow; i++) {
			buf_puts(&out, i ? ",{\"id\":" : "{\"id\":");
			jw_str(&out, dbres_get(reg, i, QD_ID));
			buf_puts(&out, ",\"host\":");
			jw_str(&out, dbres_get(reg, i, QD_HOST));
			buf_printf(&out, ",\"pid\":%lld,\"live\":%s,"
			    "\"heartbeat_age_ms\":%lld,\"in_flight\":%lld,"
			    "\"held\":%lld,\"claimed\":%lld,\"released\":%lld,"
			    "\"holding\":%lld}", dbres_int(reg, i, QD_PID),
			    dbres_int(reg, i, QD_LIVE) ? "true" : "false",
			    dbres_int(reg, i, QD_AGE_MS),
			    dbres_int(reg, i, QD_IN_FLIGHT),
			    dbres_int(reg, i, QD_HELD),
			    dbres_int(reg, i, QD_CLAIMED),
			    dbres_int(reg, i, QD_RELEASED),
			    dbres_int(reg, i, QD_HOLDING));
		}
		/* Leases of a dispatcher without a row: it never beat (an
		 * older version) or was reaped; they end with the lease. */
		for (i = 0, k = reg->r_nrow; i < disp->r_nrow; i++) {
			if (registered(reg, dbres_get(disp, i,
			    QE_DISPATCHER)))
				continue;
			buf_puts(&out, k++ ? ",{\"id\":" : "{\"id\":");
			jw_str(&out, dbres_get(disp, i, QE_DISPATCHER));
			buf_printf(&out, ",\"live\":false,\"holding\":%lld}",
			    dbres_int(disp, i, QE_COUNT));
		}
		buf_puts(&out, "],\"database\":");
		cluster_json(&out, &cs);
		buf_puts(&out, ",\"failing_endpoints\":[");
		for (i = 0; i < failing->r_nrow; i++) {
			buf_printf(&out, "%s{\"id\":%lld,\"tenant_id\":%lld,"
			    "\"url\":", i ? "," : "",
			    dbres_int(failing, i, QF_ID),
			    dbres_int(failing, i, QF_TENANT_ID));
			jw_str(&out, dbres_get(failing, i, QF_URL));
			buf_printf(&out, ",\"enabled\":%s,\"retrying\":%lld,"
			    "\"last_status_code\":%lld,\"last_error\":",
			    dbres_int(failing, i, QF_ENABLED) ? "true" :
			    "false", dbres_int(failing, i, QF_RETRYING),
			    dbres_int(failing, i, QF_LAST_STATUS_CODE));
			jw_str(&out, dbres_get(failing, i, QF_LAST_ERROR));
			buf_puts(&out, ",\"disabled_reason\":");
			jw_str(&out, dbres_get(failing, i, QF_DISABLED_REASON));
			buf_putc(&out, '}');
		}
		buf_puts(&out, "]}\n");
	} else {
		buf_puts(&out, "Queue:\n");
		for (k = 0; k < DL_STATUSES; k++)
			buf_printf(&out, "  %-10s %lld\n", delivery_statuses[k],
			    qs.qs_count[k]);
		buf_printf(&out, "  in flight  %lld\n  due now    %lld\n",
		    qs.qs_in_flight, qs.qs_due);
		buf_printf(&out, "Oldest due delivery: %s", qs.qs_due ? "" :
		    "none\n");
		if (qs.qs_due)
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
			    dbres_get(reg, i, QD_ID),
			    dbres_int(reg, i, QD_LIVE) ? "live" : "DEAD",
			    dbres_int(reg, i, QD_AGE_MS) / 1000,
			    dbres_int(reg, i, QD_AGE_MS) % 1000 / 100,
			    dbres_int(reg, i, QD_IN_FLIGHT),
			    dbres_int(reg, i, QD_HELD),
			    dbres_int(reg, i, QD_CLAIMED),
			    dbres_int(reg, i, QD_RELEASED),
			    dbres_int(reg, i, QD_HOLDING));
		for (i = 0, k = 0; i < disp->r_nrow; i++) {
			if (registered(reg, dbres_get(disp, i,
			    QE_DISPATCHER)))
				continue;
			if (k++ == 0)
				buf_puts(&out, "Leases of unregistered "
				    "dispatchers:\n");
			buf_printf(&out, "  %s  %lld deliveries, lease ends in "
			    "%lld s\n", dbres_get(disp, i, QE_DISPATCHER),
			    dbres_int(disp, i, QE_COUNT),
			    dbres_int(disp, i, QE_ENDS_IN_S));
		}
		cluster_text(&out, &cs);
		buf_printf(&out, "Failing endpoints: %s",
		    failing->r_nrow ? "\n" : "none\n");
		for (i = 0; i < failing->r_nrow; i++)
			buf_printf(&out, "  #%lld (tenant %lld) %s: %s%lld "
			    "retrying, last %s%s\n",
			    dbres_int(failing, i, QF_ID),
			    dbres_int(failing, i, QF_TENANT_ID),
			    dbres_get(failing, i, QF_URL),
			    dbres_int(failing, i, QF_ENABLED) ? "" :
			    "DISABLED, ", dbres_int(failing, i, QF_RETRYING),
			    dbres_int(failing, i, QF_LAST_STATUS_CODE) ?
			    "HTTP " : "",
			    dbres_int(failing, i, QF_LAST_STATUS_CODE) ?
			    dbres_get(failing, i, QF_LAST_STATUS_CODE) :
			    dbres_get(failing, i, QF_LAST_ERROR));
	}
	fputs(buf_cstr(&out), stdout);
	buf_free(&out);
	rc = overdue_ms > max_overdue_ms ? 1 : 0;
	queue_status_free(&qs);
	cluster_status_free(&cs);
	return rc;
}
