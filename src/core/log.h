/* Levelled logging to stderr (which lighttpd, Apache and systemd all
 * collect).  Never pass a secret, a password or a full API key. */
#ifndef WH_LOG_H
#define WH_LOG_H

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void	log_init(const char *progname, enum log_level);
void	log_set_level(enum log_level);
int	log_level_parse(const char *, enum log_level *);
void	log_msg(enum log_level, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#define log_err(...)	log_msg(LOG_ERR, __func__, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __func__, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __func__, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __func__, __VA_ARGS__)

#endif
