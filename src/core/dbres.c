/* Result sets of db_query, kept apart from the MariaDB code so that
 * anything holding a struct dbres (the fuzzers' fake database too) reads
 * it through the same accessors. */
#include "config.h"

#include <stdlib.h>

#include "db.h"

const char *
dbres_get(const struct dbres *r, size_t row, unsigned col)
{
	if (r == NULL || row >= r->r_nrow || col >= r->r_ncol)
		return NULL;
	return r->r_val[row * r->r_ncol + col];
}

unsigned long
dbres_len(const struct dbres *r, size_t row, unsigned col)
{
	if (r == NULL || row >= r->r_nrow || col >= r->r_ncol)
		return 0;
	return r->r_len[row * r->r_ncol + col];
}

long long
dbres_int(const struct dbres *r, size_t row, unsigned col)
{
	const char	*v = dbres_get(r, row, col);

	return v == NULL ? 0 : strtoll(v, NULL, 10);
}

void
dbres_free(struct dbres *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->r_nrow * r->r_ncol; i++)
		free(r->r_val[i]);
	for (i = 0; r->r_name != NULL && i < r->r_ncol; i++)
		free(r->r_name[i]);
	free(r->r_name);
	free(r->r_val);
	free(r->r_len);
	free(r);
}
