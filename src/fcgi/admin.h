/* The admin pages (HTML forms that work without JavaScript). */
#ifndef WH_ADMIN_H
#define WH_ADMIN_H

struct req;

void	admin_catalog_get(struct req *);

/* admin_webhooks.c: the list and the new/edit form */
void	admin_webhooks_list_get(struct req *);
void	admin_webhooks_new_get(struct req *);
void	admin_webhooks_create_post(struct req *);
void	admin_webhooks_edit_get(struct req *);
void	admin_webhooks_update_post(struct req *);
/* A payload format's name for people ("Slack message"); the stored name
 * itself when it is not one of ours. */
const char *admin_format_label(const char *format);

/* admin_endpoint.c: one endpoint, its Health dashboard and actions */
void	admin_endpoint_get(struct req *);
void	admin_endpoint_reveal_post(struct req *);
void	admin_endpoint_rotate_get(struct req *);
void	admin_endpoint_rotate_post(struct req *);
void	admin_endpoint_test_post(struct req *);
void	admin_endpoint_recover_post(struct req *);
void	admin_endpoint_enable_post(struct req *);
void	admin_endpoint_disable_post(struct req *);
void	admin_endpoint_delete_get(struct req *);
void	admin_endpoint_delete_post(struct req *);

/* admin_deliveries.c: the tenant's deliveries, filtered and paged */
void	admin_deliveries_get(struct req *);

/* admin_delivery.c: one delivery, what was sent, its attempts */
void	admin_delivery_get(struct req *);
void	admin_delivery_body_get(struct req *);
void	admin_delivery_redeliver_post(struct req *);

#endif
