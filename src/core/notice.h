/* Telling a tenant that deliveries fail: the operational events
 * (webhook.endpoint_failing, webhook.endpoint_disabled,
 * webhook.delivery_dropped), sent to the tenant's other endpoints that
 * subscribe to them, and mail to the tenant's admin users through
 * mail_outbox ([notify] smtp_url).  Each runs inside the caller's
 * transaction, so an event or a mail is decided exactly when the change
 * it reports commits. */
#ifndef WH_NOTICE_H
#define WH_NOTICE_H

#include <stddef.h>

struct conf;
struct db;

/* An endpoint counts as failing after this many failed attempts in a
 * row, or this long since its first failure with no success. */
#define NOTICE_FAILING_STREAK	3
#define NOTICE_FAILING_MS	(5 * 60 * 1000)

enum notice_kind {
	NK_FAILING,		/* webhook.endpoint_failing */
	NK_DISABLED		/* webhook.endpoint_disabled */
};

/* The event about endpoint (to the tenant's other endpoints), and the
 * mail, unless one of this kind went out within [notify] interval.
 * 0, or -1 on a database error. */
int	notice_endpoint(struct db *, const struct conf *, enum notice_kind,
	    unsigned long long endpoint);
/* webhook.delivery_dropped for a delivery just dropped; nothing for
 * deliveries of webhook.* events or test events (no chains of
 * notices). */
int	notice_dropped(struct db *, const struct conf *,
	    unsigned long long delivery);

/* The admin's link for path ("/admin/webhooks/17"): [notify] admin_url
 * in front when set. */
void	notice_link(const struct conf *, const char *path, char *out,
	    size_t outsz);

#endif
