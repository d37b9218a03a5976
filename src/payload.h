/* What a receiver gets: the body and headers of one attempt.
 *
 * The endpoint's format decides the body (only "momentumpro", the seed's
 * shape, today; a Slack or PagerDuty body is one more row in payload.c's
 * table).  The signatures and the X-Momentumpro-* headers are the same
 * for every format and always cover the exact body bytes that are sent.
 * The admin pages use the same function to show what was sent. */
#ifndef WH_PAYLOAD_H
#define WH_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define PAYLOAD_MAXHDR	16

struct payload_src {
	unsigned long long	 ps_delivery;	/* X-Momentumpro-Delivery */
	const char		*ps_format;	/* NULL or "" = "momentumpro" */
	const char		*ps_type;	/* event type */
	const char		*ps_occurred_at; /* RFC 3339, as stored */
	const char		*ps_data;	/* the producer's object, raw */
	size_t			 ps_data_len;
	const char		*ps_secret;	/* the endpoint secret, opened */
	int			 ps_standard;	/* Standard Webhooks headers too */
	const char		*ps_user_agent;	/* NULL: product and version */
	int64_t			 ps_timestamp;	/* Unix seconds of this attempt */
};

struct payload {
	struct buf	 pl_body;
	char		*pl_hdr[PAYLOAD_MAXHDR];	/* "Name: value" */
	size_t		 pl_nhdr;
};

/* 0 on success; -1 with the reason in err (an unknown format). */
int	 payload_build(const struct payload_src *, struct payload *,
	    char *err, size_t errsz);
void	 payload_free(struct payload *);
/* The headers one per line, as recorded with the attempt.  None of them
 * holds a secret: signatures only. */
void	 payload_headers_text(const struct payload *, struct buf *);
/* Is this a format payload_build knows? */
int	 payload_format_known(const char *);

#endif
