/* The Galera view of webhooksctl status.
 *
 * A node knows the cluster's size and the client addresses of the
 * members of its component (wsrep_incoming_addresses), but only its own
 * state.  So each member is asked on a short-lived connection of its own:
 * what an operator wants to see after a failover is each node's word on
 * itself, not the writer's guess. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cluster.h"
#include "conf.h"
#include "db.h"
#include "util.h"

/* Readable without privileges (information_schema filters nothing out
 * of the status tables).  One row, columns in enum order. */
static const char node_sql[] =
    "SELECT @@wsrep_on, @@wsrep_node_name, @@wsrep_cluster_name,"
    " (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
    "  WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE_COMMENT'),"
    " (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
    "  WHERE VARIABLE_NAME = 'WSREP_CLUSTER_STATUS'),"
    " (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
    "  WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'),"
    " (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
    "  WHERE VARIABLE_NAME = 'WSREP_INCOMING_ADDRESSES')";
enum { CN_ON, CN_NAME, CN_CLUSTER, CN_STATE, CN_STATUS, CN_SIZE, CN_ADDRS };

#define NODE_TIMEOUT_MS	2000

static char *
dupnull(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
node_fill(struct cluster_node *n, const struct dbres *r)
{
	n->cn_name = dupnull(dbres_get(r, 0, CN_NAME));
	n->cn_state = dupnull(dbres_get(r, 0, CN_STATE));
	n->cn_status = dupnull(dbres_get(r, 0, CN_STATUS));
	n->cn_size = dbres_int(r, 0, CN_SIZE);
}

/* Ask the node at address (host:port) about itself. */
static void
node_ask(const struct conf *cf, struct cluster_node *n)
{
	struct conf	 one = *cf;
	struct db	*db;
	struct dbres	*r;
	char		*host, *colon;
	const char	*errstr = NULL;
	long long	 port = 3306;

	host = xstrdup(n->cn_address);
	if ((colon = strrchr(host, ':')) != NULL) {
		*colon = '\0';
		port = util_strtonum(colon + 1, 1, 65535, &errstr);
		if (errstr != NULL)
			port = 3306;
	}
	one.cf_db_host = host;
	one.cf_db_port = (unsigned)port;
	one.cf_db_socket = NULL;
	one.cf_db_connect_timeout_ms = NODE_TIMEOUT_MS;
	db = db_new(&one);
	if (db_query(db, &r, node_sql, "") == 0) {
		if (r->r_nrow == 1)
			node_fill(n, r);
		dbres_free(r);
	}
	db_free(db);
	free(host);
}

int
cluster_status(struct db *db, const struct conf *cf, struct cluster_status *cs)
{
	struct dbres	*r;
	const char	*addrs, *p, *e;
	size_t		 i, cap = 0;

	memset(cs, 0, sizeof(*cs));
	if (db_query(db, &r, node_sql, "") == -1)
		return -1;
	if (r->r_nrow != 1 || dbres_int(r, 0, CN_ON) == 0) {
		dbres_free(r);
		return 0;
	}
	cs->cs_galera = 1;
	cs->cs_name = dupnull(dbres_get(r, 0, CN_CLUSTER));
	cs->cs_size = dbres_int(r, 0, CN_SIZE);
	addrs = dbres_get(r, 0, CN_ADDRS);
	for (p = addrs; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if (e == p)
			continue;
		if (cs->cs_n == cap) {
			cap = cap ? cap * 2 : 4;
			cs->cs_nodes = xrealloc(cs->cs_nodes,
			    cap * sizeof(*cs->cs_nodes));
		}
		memset(&cs->cs_nodes[cs->cs_n], 0, sizeof(*cs->cs_nodes));
		cs->cs_nodes[cs->cs_n++].cn_address = xstrndup(p,
		    (size_t)(e - p));
	}
	/* Ours is the one with our node's name; the others are asked. */
	for (i = 0; i < cs->cs_n; i++) {
		node_ask(cf, &cs->cs_nodes[i]);
		if (cs->cs_nodes[i].cn_name != NULL &&
		    dbres_get(r, 0, CN_NAME) != NULL &&
		    strcmp(cs->cs_nodes[i].cn_name,
		    dbres_get(r, 0, CN_NAME)) == 0)
			cs->cs_nodes[i].cn_ours = 1;
	}
	dbres_free(r);
	return 0;
}

void
cluster_status_free(struct cluster_status *cs)
{
	size_t	 i;

	for (i = 0; i < cs->cs_n; i++) {
		free(cs->cs_nodes[i].cn_address);
		free(cs->cs_nodes[i].cn_name);
		free(cs->cs_nodes[i].cn_state);
		free(cs->cs_nodes[i].cn_status);
	}
	free(cs->cs_nodes);
	free(cs->cs_name);
	memset(cs, 0, sizeof(*cs));
}
