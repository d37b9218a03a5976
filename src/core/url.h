/* Endpoint URL parsing and validation (http and https only). */
#ifndef WH_URL_H
#define WH_URL_H

#include <stddef.h>

struct url {
	int	 u_https;
	char	*u_host;	/* lowercased; IPv6 without brackets */
	int	 u_host_is_ip;
	unsigned u_port;	/* explicit or 80/443 */
	char	*u_path;	/* path and query, "/" at least */
};

/* 0 on success; -1 with a message for the tenant in err ("URL must use
 * http or https", "URL must not contain a user name or password", ...). */
int	url_parse(const char *, struct url *, char *err, size_t errsz);
void	url_free(struct url *);

/* Full validation for an endpoint: parse, length cap (2048), and when
 * allow_private is 0 an IP-literal host must pass ng_addr_allowed and
 * a name like "localhost" is refused.  DNS is not consulted here; the
 * dispatcher vets the address it actually connects to. */
int	url_validate_endpoint(const char *, int allow_private, char *err,
	    size_t errsz);

struct ng_ports;
/* The port rule for a URL that url_validate_endpoint accepted: 80, 443,
 * 1024 and up, or one of ports (NULL: none); when allow_private is 1 a
 * private or loopback IP literal may use any port.  0, or -1 with a
 * message for the tenant in err. */
int	url_check_port(const char *, int allow_private,
	    const struct ng_ports *ports, char *err, size_t errsz);

#endif
