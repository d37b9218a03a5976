/* The MariaDB Galera cluster behind the connection, as webhooksctl status
 * shows it: each node of the primary component, asked directly. */
#ifndef WH_CLUSTER_H
#define WH_CLUSTER_H

#include <stddef.h>

struct conf;
struct db;

struct cluster_node {
	char	*cn_address;	/* host:port clients connect to */
	char	*cn_name;	/* wsrep_node_name; NULL: no answer */
	char	*cn_state;	/* wsrep_local_state_comment ("Synced") */
	char	*cn_status;	/* wsrep_cluster_status ("Primary") */
	long long cn_size;	/* wsrep_cluster_size as the node sees it */
	int	 cn_ours;	/* the node this connection is on */
};

struct cluster_status {
	int		 cs_galera;	/* 0: a single server */
	char		*cs_name;	/* wsrep_cluster_name */
	long long	 cs_size;
	struct cluster_node *cs_nodes;
	size_t		 cs_n;
};

/* 0 with *cs filled (free with cluster_status_free), -1 on a database
 * error.  Nodes other than the connection's are asked on their own
 * connection (cf's user, the address they announce), so a node that does
 * not answer is shown as such rather than failing the whole status. */
int	 cluster_status(struct db *, const struct conf *,
	    struct cluster_status *cs);
void	 cluster_status_free(struct cluster_status *);

#endif
