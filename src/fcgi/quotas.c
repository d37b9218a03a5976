/* The [limits] quotas at the HTTP edge (see quotas.h). */
#include "config.h"

#include <stdio.h>

#include "conf.h"
#include "html.h"
#include "quotas.h"
#include "quota.h"
#include "req.h"

static void
retry_after(struct req *r, long long s)
{
	char	 v[24];

	snprintf(v, sizeof(v), "%lld", s);
	req_add_header(r, "Retry-After", v);
}

int
quotas_manual(struct req *r, unsigned long long endpoint, int html)
{
	unsigned	 limit = r->r_cf->cf_manual_per_minute;
	long long	 ra;
	char		 msg[300];

	switch (quota_take(r->r_db, QUOTA_MANUAL, endpoint, limit,
	    QUOTA_MANUAL_MS, &ra)) {
	case 1:
		return 1;
	case 0:
		retry_after(r, ra);
		snprintf(msg, sizeof(msg), "This endpoint has had %u test "
		    "events and redeliveries this minute, the most allowed; "
		    "try again in %lld second%s.", limit, ra,
		    ra == 1 ? "" : "s");
		if (html)
			html_error(r, 429, msg);
		else
			req_json_error(r, 429, "rate_limited", "this endpoint "
			    "has had %u test events and redeliveries this "
			    "minute, the most allowed "
			    "(manual_deliveries_per_minute); retry after %lld "
			    "seconds", limit, ra);
		return 0;
	default:
		if (html)
			html_error(r, 503, "The database is unreachable; "
			    "nothing was sent. Try again in a moment.");
		else
			req_db_error(r);
		return 0;
	}
}

int
quotas_ingest(struct req *r)
{
	unsigned	 limit = r->r_cf->cf_ingest_per_second;
	long long	 ra;

	if (limit == 0)
		return 1;
	switch (quota_take(r->r_db, QUOTA_INGEST, r->r_tenant, limit,
	    QUOTA_INGEST_MS, &ra)) {
	case 1:
		return 1;
	case 0:
		retry_after(r, ra);
		req_json_error(r, 429, "rate_limited", "this tenant may send "
		    "%u event requests per second (ingest_per_second); retry "
		    "after %lld second%s, or send several events in one batch "
		    "request", limit, ra, ra == 1 ? "" : "s");
		return 0;
	default:
		req_db_error(r);
		return 0;
	}
}
