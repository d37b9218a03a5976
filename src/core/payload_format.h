/* What payload.c and the format files share; not for other modules.
 *
 * Each format other than "momentumpro" is a file of its own
 * (payload_slack.c, payload_pagerduty.c) with one body builder for the
 * table in payload.c.  The formats written for people read the event
 * through a summary (payload_summary.c). */
#ifndef WH_PAYLOAD_FORMAT_H
#define WH_PAYLOAD_FORMAT_H

#include <stddef.h>

#include "buf.h"
#include "json.h"
#include "payload.h"

/* What the Slack and PagerDuty bodies say about an event, read from its
 * data: the subject ("Forklift collision with racking"), who is
 * concerned and the link to the record, when the data has them. */
struct summary {
	struct json_doc	 sm_doc;
	int		 sm_ok;		/* data parsed */
	char		 sm_headline[128];	/* "Incident reported" */
	int		 sm_subject;	/* tokens, or -1 */
	int		 sm_subject_key;
	int		 sm_who;
	int		 sm_who_key;
	char		*sm_url;	/* safe http(s) URL, or NULL */
};

void	 summary_init(const struct payload_src *, struct summary *);
void	 summary_free(struct summary *);
/* Value token of top-level string member key, or -1; *keytok, when not
 * NULL, gets its key token. */
int	 summary_str(const struct summary *, const char *key, int *keytok);
/* Does string token k end with suffix (raw, ASCII keys)? */
int	 summary_key_ends(const struct json_doc *, int k, const char *suffix);
/* Unescaped text of string token tok, at most max characters, with "…"
 * when cut. */
void	 summary_text(const struct summary *, int tok, size_t max,
	    struct buf *out);
/* Key token k as a label: "reported_by_name" is "Reported by". */
void	 summary_label(const struct summary *, int k, struct buf *out);

/* The body builders: 0, or -1 with the reason in err. */
int	 slack_body(const struct payload_src *, struct buf *, char *err,
	    size_t errsz);
int	 pd_body(const struct payload_src *, struct buf *, char *err,
	    size_t errsz);

#endif
