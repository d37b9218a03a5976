/* What a receiver gets: the body and headers of one attempt.
 *
 * The endpoint's format decides the body: "momentumpro", the seed's
 * shape; "slack", an incoming-webhook message for people; "pagerduty",
 * an Events API v2 event (one row each in payload.c's table).  The
 * signatures and the X-Momentumpro-* headers are the same for every
 * format and always cover the exact body bytes that are sent; the
 * endpoint's custom headers follow them.  The admin pages use the same
 * function to show what was sent. */
#ifndef WH_PAYLOAD_H
#define WH_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Ours (at most 10) and an endpoint's custom ones (EP_HEADERS_MAX). */
#define PAYLOAD_MAXHDR	32

struct payload_src {
	unsigned long long	 ps_delivery;	/* X-Momentumpro-Delivery */
	const char		*ps_format;	/* NULL or "" = "momentumpro" */
	const char		*ps_type;	/* event type */
	const char		*ps_occurred_at; /* RFC 3339, as stored */
	const char		*ps_data;	/* the producer's object, raw */
	size_t			 ps_data_len;
	const char		*ps_secret;	/* the endpoint secret, opened */
	const char		*ps_prev_secret; /* during a rotation's overlap,
						   the secret it replaced
						   (opened), else NULL: both
						   sign, in each scheme */
	int			 ps_standard;	/* Standard Webhooks headers too */
	int			 ps_test;	/* X-Momentumpro-Test: true */
	const char		*ps_user_agent;	/* NULL: product and version */
	int64_t			 ps_timestamp;	/* Unix seconds of this attempt */
	unsigned long long	 ps_tenant;	/* in PagerDuty dedup keys */
	const char		*ps_routing_key; /* pagerduty: opened */
	const char		*ps_headers;	/* custom "Name: value\n" lines,
						   opened; NULL for none */
};

struct payload {
	struct buf	 pl_body;
	char		*pl_hdr[PAYLOAD_MAXHDR];	/* "Name: value" */
	size_t		 pl_nhdr;
	size_t		 pl_custom;	/* pl_hdr[pl_custom...] are custom */
};

/* 0 on success; -1 with the reason in err (an unknown format). */
int	 payload_build(const struct payload_src *, struct payload *,
	    char *err, size_t errsz);
void	 payload_free(struct payload *);
/* The headers one per line, as recorded with the attempt: the custom
 * headers' values masked (they are often credentials), the rest as sent
 * (signatures only, no secret). */
void	 payload_headers_text(const struct payload *, struct buf *);
/* A secret value shown for recognition only: its first few characters
 * (none of a short one) and "…", e.g. "Bear…". */
void	 payload_mask(const char *, size_t, struct buf *);
/* Is this a format payload_build knows? */
int	 payload_format_known(const char *);

#endif
