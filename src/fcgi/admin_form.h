/* The new/edit endpoint form of Admin → Webhooks, shared by the files
 * that read it (admin_form_read.c), render it (admin_form_page.c) and
 * handle it (admin_webhooks.c); nothing else includes it. */
#ifndef WH_ADMIN_FORM_H
#define WH_ADMIN_FORM_H

#include <stddef.h>

#include "endpoint.h"

struct req;

#define FILTER_ROWS	5	/* empty rows offered, at least */
#define HEADER_ROWS	3

/* A filter row of the form (filter_path_N, filter_op_N, filter_value_N)
 * and a header row (header_name_N, header_value_N): numbered names, so a
 * row's fields stay together whatever the browser leaves out. */
struct frow {
	char	*fr_path;
	char	*fr_op;
	char	*fr_value;
	char	 fr_err[512];
};

struct hrow {
	char	*hr_name;
	char	*hr_value;
	char	 hr_err[512];
};

/* The submitted or stored values of the endpoint form, and a message per
 * field when validation failed. */
struct epform {
	char		*f_url;
	char		**f_events;
	size_t		 f_nevents;
	char		*f_secret_mode;		/* "generate" or "paste" */
	char		*f_secret;
	char		*f_description;
	int		 f_enabled;
	int		 f_standard;
	char		*f_format;
	char		*f_pdkey;
	struct frow	 f_frows[EP_FILTERS_MAX];
	size_t		 f_nfrows;		/* rows shown */
	struct hrow	 f_hrows[EP_HEADERS_MAX];
	size_t		 f_nhrows;
	struct ep_filter f_filters[EP_FILTERS_MAX];	/* checked */
	size_t		 f_nfilters;
	struct ep_header f_headers[EP_HEADERS_MAX];
	size_t		 f_nheaders;
	char		 f_err_url[512];
	char		 f_err_events[512];
	char		 f_err_secret[512];
	char		 f_err_description[512];
	char		 f_err_format[512];
	char		 f_err_pdkey[512];
	char		 f_err_filters[512];
	char		 f_err_headers[512];
	char		 f_err_form[512];
};

void	 epform_free(struct epform *);
/* Rows of a filter or header table to show: those used and two empty,
 * at least min, at most max. */
size_t	 rows_shown(size_t used, size_t min, size_t max);
/* A model message without its leading "field: ", capitalised, into dst. */
void	 field_msg(char *dst, size_t dstsz, const char *msg);
/* A stored filter as the text of its value box. */
char	*filter_box(const struct ep_filter *);
/* Read and check the posted form into f: 0, or -1 with messages in f. */
int	 read_form(struct req *, struct epform *, int creating);
void	 form_to_set(const struct epform *, struct endpoint_set *,
	    int creating);
/* The model's fault about more than one field, at its field. */
void	 model_msg(struct epform *, const struct ep_fault *);
/* The form page with status; cur is the stored endpoint when editing. */
void	 form_page(struct req *, int status, unsigned long long id,
	    const struct epform *, const struct endpoint *cur);

#endif
