/* What the endpoint model's files share and nothing else may use:
 * endpoint.c (storage) calls into endpoint_integ.c (secrets, sealed
 * integrations) and endpoint_check.c (validation). */
#ifndef WH_ENDPOINT_PRIV_H
#define WH_ENDPOINT_PRIV_H

#include <stddef.h>

struct buf;
struct dbres;
struct endpoint_set;

/* The sealed integrations of a create or an update: the format, and the
 * PagerDuty routing key and custom headers sealed (or NULL). */
struct integ {
	const char	*in_format;
	char		*in_pdkey;
	char		*in_headers;
};

struct cr_bind;

/* Sealed values are bound to endpoint id of tenant and their column
 * (crypto.h): sealing needs the row's id, so a create inserts first. */
void		 ep_bind(struct cr_bind *, const char *column,
		    unsigned long long id, unsigned long long tenant);
int		 ep_seal(const char *column, unsigned long long id,
		    unsigned long long tenant, const char *plain, size_t len,
		    struct buf *out);
int		 ep_open_col(const struct dbres *r, size_t row, unsigned col,
		    const char *colname, unsigned long long id,
		    unsigned long long tenant, struct buf *out);
struct ep_fault;
enum ep_err	 ep_integ_prepare(const struct endpoint_set *es,
		    const struct dbres *cur, unsigned long long id,
		    unsigned long long tenant, struct integ *out,
		    struct ep_fault *fault);
/* Fill fault: the field, its API code, and the message. */
void		 ep_fault_set(struct ep_fault *, const char *field,
		    const char *code, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
void		 ep_integ_free(struct integ *);
int		 ep_filter_path(const char *path, struct buf *jp);

#endif
