/* The admin pages (HTML forms that work without JavaScript). */
#ifndef WH_ADMIN_H
#define WH_ADMIN_H

struct req;

void	admin_catalog_get(struct req *);

#endif
