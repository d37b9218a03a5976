/* Levelled logging to stderr (which lighttpd, Apache and systemd all
 * collect).  Never pass a secret, a password or a full API key. */
#ifndef WH_LOG_H
#define WH_LOG_H

#include <stddef.h>

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void	log_init(const char *progname, enum log_level);
void	log_set_level(enum log_level);
int	log_level_parse(const char *, enum log_level *);
void	log_msg(enum log_level, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* in as one line of valid UTF-8: \n, \r, \t, \\, and \xNN for other
 * control bytes, DEL and bytes that are not part of a well-formed UTF-8
 * sequence.  Cut at a whole unit to fit outsz; returns the length. */
size_t	log_escape(const char *in, char *out, size_t outsz);

#define log_err(...)	log_msg(LOG_ERR, __func__, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __func__, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __func__, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __func__, __VA_ARGS__)

#endif
