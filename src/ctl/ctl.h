/* webhooksctl subcommands that live in files of their own. */
#ifndef WH_CTL_H
#define WH_CTL_H

struct conf;
struct db;

/* Exit status: 0 fine, 1 deliveries overdue past --max-overdue, 2 error. */
int	ctl_status(struct db *, const struct conf *, int argc, char **argv);

/* catalog check [--catalog FILE] EVENT_FILE: 0 valid, 1 invalid, 2 usage
 * or an error.  Loads the configuration (cfile) itself, and only without
 * --catalog. */
int	ctl_catalog(const char *cfile, int argc, char **argv);

#endif
