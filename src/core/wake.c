/* The wake-up datagram (see wake.h). */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "wake.h"

/* host:port, numeric, as an address for hints' socket type; 0 or -1
 * with why set. */
static int
wake_addr(const char *addr, int passive, struct addrinfo **res,
    const char **why)
{
	struct addrinfo	 hints;
	char		 host[256];
	const char	*colon;
	size_t		 hlen;
	int		 rc;

	*why = "not host:port";
	if (addr == NULL || *addr == '\0' ||
	    (colon = strrchr(addr, ':')) == NULL ||
	    (hlen = (size_t)(colon - addr)) >= sizeof(host))
		return -1;
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
	    (passive ? AI_PASSIVE : 0);
	if ((rc = getaddrinfo(host, colon + 1, &hints, res)) != 0) {
		*why = gai_strerror(rc);
		return -1;
	}
	return 0;
}

void
wake_send(const struct conf *cf)
{
	static pthread_mutex_t		 mu = PTHREAD_MUTEX_INITIALIZER;
	static int			 fd = -2;
	static struct sockaddr_storage	 ss;
	static socklen_t		 sslen;
	struct addrinfo			*res;
	const char			*why;

	pthread_mutex_lock(&mu);
	if (fd == -2) {
		fd = -1;
		if (wake_addr(cf->cf_wake_addr, 0, &res, &why) == 0) {
			memcpy(&ss, res->ai_addr, res->ai_addrlen);
			sslen = res->ai_addrlen;
			fd = socket(res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, 0);
			freeaddrinfo(res);
		}
	}
	pthread_mutex_unlock(&mu);
	if (fd >= 0)
		(void)sendto(fd, "w", 1, 0, (struct sockaddr *)&ss, sslen);
}

int
wake_open(const char *addr)
{
	struct addrinfo	*res;
	const char	*why;
	int		 fd, on = 1;

	if (addr == NULL || *addr == '\0')
		return -1;
	if (wake_addr(addr, 1, &res, &why) == -1) {
		log_warn("wake_address %s: %s; polling only", addr, why);
		return -1;
	}
	fd = socket(res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1) {
		log_warn("wake_address %s: %s; polling only", addr,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

void
wake_drain(int fd)
{
	char	 b[64];

	/* Non-blocking; read() takes one datagram at a time. */
	while (read(fd, b, sizeof(b)) > 0)
		continue;
}
