/* The claim's decisions, without a database: how room is shared out
 * between tenants and endpoints (allot) and how much room an endpoint
 * has beside other dispatchers (set_room).  claim.c is included, as
 * lighttpd's src/t/ does, to reach its static functions. */
#include "config.h"

#include <string.h>

#include "../../../src/dispatcher/claim.c"
#include "t.h"

#define MAXV	32

struct ep_case {
	unsigned long long	 id, tenant;
	unsigned		 room;
	int			 locked;
	unsigned		 want;		/* expected */
	unsigned		 mine;
};

struct allot_case {
	const char		*name;
	unsigned		 total;
	unsigned		 tenant_window;
	struct claim_held	 tenants[4];	/* held per tenant, by id */
	size_t			 ntenants;
	struct ep_case		 eps[MAXV];
	size_t			 neps;
	unsigned		 given;		/* expected */
	int			 more;		/* expected */
};

static const struct allot_case allot_cases[] = {
	{ "one endpoint takes its whole room when the claim allows",
	    100, 64, { { 0 } }, 0,
	    { { 1, 1, 32, 1, 32, 0 } }, 1, 32, 0 },
	{ "the claim's total caps one endpoint, and says more is due",
	    10, 64, { { 0 } }, 0,
	    { { 1, 1, 32, 1, 10, 0 } }, 1, 10, 1 },
	{ "tenants take turns: a tenant with one endpoint gets as much as "
	    "one with four",
	    8, 64, { { 0 } }, 0,
	    { { 1, 1, 8, 1, 1, 0 }, { 2, 1, 8, 1, 1, 0 }, { 3, 1, 8, 1, 1, 0 },
	      { 4, 1, 8, 1, 1, 0 }, { 5, 2, 8, 1, 4, 0 } }, 5, 8, 1 },
	{ "a tenant's held deliveries count against its window",
	    100, 16, { { 1, 14, 0 } }, 1,
	    { { 1, 1, 8, 1, 1, 0 }, { 2, 1, 8, 1, 1, 0 }, { 3, 2, 8, 1, 8, 0 } }, 3,
	    10, 1 },
	{ "an endpoint another dispatcher is claiming (not locked) gets "
	    "nothing",
	    100, 64, { { 0 } }, 0,
	    { { 1, 1, 8, 0, 0, 0 }, { 2, 1, 8, 1, 8, 0 } }, 2, 8, 0 },
	{ "an endpoint without room gets nothing, its siblings are served",
	    100, 64, { { 0 } }, 0,
	    { { 1, 1, 0, 1, 0, 0 }, { 2, 1, 5, 1, 5, 0 } }, 2, 5, 0 },
	{ "an endpoint whose window this dispatcher holds: nothing now, "
	    "but more is due once those are done",
	    100, 64, { { 0 } }, 0,
	    { { 1, 1, 0, 1, 0, 32 } }, 1, 0, 1 },
	{ "an endpoint others hold in full: nothing, and not for us to "
	    "come back to",
	    100, 64, { { 0 } }, 0,
	    { { 1, 1, 0, 1, 0, 0 } }, 1, 0, 0 },
	{ "room left over by a tenant at its window goes to the next",
	    12, 8, { { 1, 6, 0 } }, 1,
	    { { 1, 1, 8, 1, 2, 0 }, { 2, 2, 8, 1, 8, 0 } }, 2, 10, 1 },
};

static void
run_allot(const struct allot_case *c)
{
	struct due		 v[MAXV];
	struct claim_room	 room;
	unsigned		 given;
	size_t			 i;
	int			 more = 0, ok = 1;

	memset(&room, 0, sizeof(room));
	room.cr_tenant_window = c->tenant_window;
	room.cr_tenants = (struct claim_held *)c->tenants;
	room.cr_ntenants = c->ntenants;
	memset(v, 0, sizeof(v));
	for (i = 0; i < c->neps; i++) {
		v[i].du_id = c->eps[i].id;
		v[i].du_tenant = c->eps[i].tenant;
		v[i].du_room = c->eps[i].room;
		v[i].du_locked = c->eps[i].locked;
		v[i].du_mine = c->eps[i].mine;
	}
	given = allot(v, c->neps, &room, c->total, &more);
	for (i = 0; i < c->neps; i++)
		if (v[i].du_want != c->eps[i].want)
			ok = 0;
	T_CHECK(ok && given == c->given && more == c->more,
	    "allot: %s (given %u, more %d)", c->name, given, more);
}

/* set_room: what an endpoint may take beside what it holds here and
 * what other dispatchers hold. */
static void
check_room(void)
{
	struct claim_held	 mine[] = {
		{ 1, 3, 32 },	/* fast endpoint, this one holds 3 */
		{ 2, 0, 8 },
		{ 3, 8, 8 },	/* slow endpoint at its window */
	};
	char			*vals[] = { "2", "3", "4", "8" };
	unsigned long		 lens[] = { 1, 1, 1, 1 };
	struct dbres		 others;
	struct claim_room	 room;
	struct due		 v[4];
	size_t			 i;

	memset(&room, 0, sizeof(room));
	room.cr_ep_cap = 8;
	room.cr_eps = mine;
	room.cr_neps = 3;
	/* Other dispatchers hold 3 of endpoint 2 and 8 of endpoint 4. */
	memset(&others, 0, sizeof(others));
	others.r_ncol = 2;
	others.r_nrow = 2;
	others.r_val = vals;
	others.r_len = lens;
	memset(v, 0, sizeof(v));
	for (i = 0; i < 4; i++) {
		v[i].du_id = i + 1;
		v[i].du_locked = 1;
	}
	set_room(v, 4, &others, &room);
	T_CHECK(v[0].du_room == 29, "room: alone on a fast endpoint, its "
	    "window less what is held here (%u)", v[0].du_room);
	T_CHECK(v[1].du_room == 5, "room: beside another dispatcher, "
	    "endpoint_concurrency less what it holds (%u)", v[1].du_room);
	T_CHECK(v[2].du_room == 0, "room: none once the window is held "
	    "(%u)", v[2].du_room);
	T_CHECK(v[3].du_room == 0, "room: none while others hold "
	    "endpoint_concurrency (%u)", v[3].du_room);
}

/* set_room: endpoints new to this dispatcher only up to its share of
 * the due ones among the live dispatchers. */
static void
check_share(void)
{
	struct claim_held	 mine[] = { { 1, 4, 8 } };	/* holds 1 */
	struct dbres		 none;
	struct claim_room	 room;
	struct due		 v[6];
	size_t			 i, open_new;

	memset(&none, 0, sizeof(none));
	memset(&room, 0, sizeof(room));
	room.cr_ep_cap = 8;
	memset(v, 0, sizeof(v));
	for (i = 0; i < 6; i++) {
		v[i].du_id = i + 1;
		v[i].du_locked = 1;
	}
	room.cr_live = 3;
	set_room(v, 6, &none, &room);
	for (i = 0, open_new = 0; i < 6; i++)
		open_new += v[i].du_room > 0;
	T_CHECK(open_new == 2 && v[0].du_room > 0 && v[1].du_room > 0,
	    "share: 3 dispatchers, 6 due endpoints, none held here: 2 of "
	    "them (%zu), the oldest due first", open_new);
	room.cr_eps = mine;
	room.cr_neps = 1;
	set_room(v, 6, &none, &room);
	for (i = 1, open_new = 0; i < 6; i++)
		open_new += v[i].du_room > 0;
	T_CHECK(v[0].du_room == 4 && open_new == 1, "share: an endpoint "
	    "held here counts in the share and keeps its room (%u, %zu new)",
	    v[0].du_room, open_new);
	{
		struct claim_held	 all[] = { { 1, 2, 8 }, { 2, 2, 8 },
			{ 3, 2, 8 } };

		room.cr_eps = all;
		room.cr_neps = 3;
		set_room(v, 3, &none, &room);
		T_CHECK(v[0].du_room > 0 && v[1].du_room == 0 &&
		    v[2].du_room == 0, "share: holding all 3 due endpoints "
		    "of 3 live dispatchers, it feeds the oldest due only "
		    "(%u %u %u)", v[0].du_room, v[1].du_room, v[2].du_room);
		room.cr_eps = mine;
		room.cr_neps = 1;
	}
	room.cr_live = 1;
	set_room(v, 6, &none, &room);
	for (i = 1, open_new = 0; i < 6; i++)
		open_new += v[i].du_room > 0;
	T_CHECK(open_new == 5, "share: alone, every due endpoint (%zu)",
	    open_new);
}

int
main(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(allot_cases) / sizeof(allot_cases[0]); i++)
		run_allot(&allot_cases[i]);
	check_room();
	check_share();
	return t_done();
}
