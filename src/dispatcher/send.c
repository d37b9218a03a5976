/*
 * Sending claimed deliveries over libcurl's multi interface, the pattern
 * of curl's 10-at-a-time.c: transfers are added while there is room and
 * finished ones are read back with curl_multi_info_read.
 *
 * All easy handles live in one multi handle, so they share its
 * connection cache and a receiver's keep-alive connection serves the
 * next delivery to it.  Easy handles are kept, with the options every
 * transfer shares set once, not recreated.
 *
 * Every claimed job is kept until it is sent: the claim took no more
 * than the endpoint, its tenant and this dispatcher have room to hold
 * (claim.c), so nothing is ever given back because its endpoint is busy.
 * A job waits here until three budgets have a slot: its endpoint's
 * (endpoint_concurrency in flight), its tenant's (tenant_concurrency)
 * and the dispatcher's (concurrency).  Endpoints with waiting jobs form
 * a ring that is served round-robin, one start per endpoint per turn, so
 * a freed slot goes to the next endpoint in turn rather than to the one
 * with the longest queue; a tenant's hanging endpoints fill that
 * tenant's budget and no other's.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "claim.h"
#include "conf.h"
#include "crypto.h"
#include "log.h"
#include "netguard.h"
#include "payload.h"
#include "send.h"
#include "url.h"
#include "util.h"

#define EP_BUCKETS	1024
#define TN_BUCKETS	256
/* Response bytes read and thrown away before the connection is cut: a
 * receiver streaming a huge answer must not hold a slot until timeout. */
#define DISCARD_MAX	(1024 * 1024)
/* The response headers kept per attempt (the admin's delivery page shows
 * them): enough for any sane answer, bounded for a hostile one. */
#define RESP_HEADERS_MAX	(8 * 1024)
/* A tenant's share of this dispatcher. */
struct tn {
	unsigned long long	 tn_id;
	unsigned		 tn_busy;	/* in flight */
	unsigned		 tn_held;	/* in flight and waiting */
	unsigned		 tn_refs;	/* endpoints pointing here */
	struct tn		*tn_next;	/* hash chain */
};

struct ep {
	unsigned long long	 ep_id;
	struct tn		*ep_tn;
	unsigned		 ep_busy;	/* in flight */
	unsigned		 ep_nwait;
	struct job		*ep_head;	/* waiting, FIFO by j_next */
	struct job		*ep_tail;
	int64_t			 ep_est;	/* mean request time, ms */
	int64_t			 ep_seen;	/* mono ms of the last job */
	int			 ep_gone;	/* answered 410 meanwhile */
	struct ep		*ep_next;	/* hash chain */
	struct ep		*ep_rnext;	/* the ring of endpoints with */
	struct ep		*ep_rprev;	/* waiting jobs; NULL: not in */
};

struct xfer {
	struct sender		*x_snd;
	CURL			*x_easy;
	struct job		*x_job;		/* NULL when idle */
	struct ep		*x_ep;
	struct attempt		*x_at;
	struct payload		 x_pl;
	struct curl_slist	*x_hdrs;
	size_t			 x_discarded;
	int			 x_cut;
	char			 x_refused[200];
	char			 x_errbuf[CURL_ERROR_SIZE];
	struct xfer		*x_next;	/* free list */
};

struct sender {
	const struct conf	*s_cf;
	CURLM			*s_multi;
	struct xfer		**s_all;
	size_t			 s_nall;
	struct xfer		*s_free;
	size_t			 s_inflight;
	size_t			 s_waiting;
	struct ep		*s_eps[EP_BUCKETS];
	size_t			 s_neps;
	struct tn		*s_tns[TN_BUCKETS];
	size_t			 s_ntns;
	struct ep		*s_ring;	/* next endpoint to serve */
	size_t			 s_nring;
	unsigned		 s_tenant_cap;
	send_done_fn		 s_done;
	void			*s_arg;
};

void
attempt_free(struct attempt *at)
{
	if (at == NULL)
		return;
	free(at->at_location);
	free(at->at_headers);
	buf_free(&at->at_snippet);
	buf_free(&at->at_resp_headers);
	free(at);
}

struct sender *
send_new(const struct conf *cf, send_done_fn done, void *arg)
{
	struct sender	*s;
	long		 maxconn;

	s = xcalloc(1, sizeof(*s));
	s->s_cf = cf;
	s->s_tenant_cap = send_tenant_cap(cf);
	s->s_done = done;
	s->s_arg = arg;
	if ((s->s_multi = curl_multi_init()) == NULL) {
		free(s);
		return NULL;
	}
	/* Room to keep one idle connection per transfer slot and more, so
	 * keep-alive survives a burst across many receivers. */
	maxconn = (long)cf->cf_concurrency * 2;
	if (maxconn < 32)
		maxconn = 32;
	curl_multi_setopt(s->s_multi, CURLMOPT_MAXCONNECTS, maxconn);
	return s;
}

unsigned
send_tenant_cap(const struct conf *cf)
{
	unsigned	 n = cf->cf_tenant_concurrency;

	/* Unset: half of the dispatcher, so that one tenant leaves at
	 * least as much to the others. */
	if (n == 0)
		n = cf->cf_concurrency / 2 > 0 ? cf->cf_concurrency / 2 : 1;
	return n < cf->cf_concurrency ? n : cf->cf_concurrency;
}

static struct tn *
tn_get(struct sender *s, unsigned long long id)
{
	struct tn	**b = &s->s_tns[id % TN_BUCKETS], *tn;

	for (tn = *b; tn != NULL; tn = tn->tn_next)
		if (tn->tn_id == id)
			return tn;
	tn = xcalloc(1, sizeof(*tn));
	tn->tn_id = id;
	tn->tn_next = *b;
	*b = tn;
	s->s_ntns++;
	return tn;
}

static struct ep *
ep_get(struct sender *s, unsigned long long id, unsigned long long tenant)
{
	struct ep	**b = &s->s_eps[id % EP_BUCKETS], *ep;

	for (ep = *b; ep != NULL; ep = ep->ep_next)
		if (ep->ep_id == id)
			return ep;
	ep = xcalloc(1, sizeof(*ep));
	ep->ep_id = id;
	ep->ep_tn = tn_get(s, tenant);
	ep->ep_tn->tn_refs++;
	ep->ep_next = *b;
	*b = ep;
	s->s_neps++;
	return ep;
}

static struct ep *
ep_find(struct sender *s, unsigned long long id)
{
	struct ep	*ep;

	for (ep = s->s_eps[id % EP_BUCKETS]; ep != NULL; ep = ep->ep_next)
		if (ep->ep_id == id)
			return ep;
	return NULL;
}

static void
tn_unref(struct sender *s, struct tn *tn)
{
	struct tn	**tp;

	if (--tn->tn_refs > 0)
		return;
	for (tp = &s->s_tns[tn->tn_id % TN_BUCKETS]; *tp != tn;
	    tp = &(*tp)->tn_next)
		continue;
	*tp = tn->tn_next;
	free(tn);
	s->s_ntns--;
}

/* Forget idle endpoints (and tenants left without one) once many have
 * been seen; what is lost is only a timing estimate. */
static void
ep_sweep(struct sender *s)
{
	struct ep	**pp, *ep;
	int64_t		 now = util_mono_ms();
	size_t		 i;

	if (s->s_neps < 4096)
		return;
	for (i = 0; i < EP_BUCKETS; i++)
		for (pp = &s->s_eps[i]; (ep = *pp) != NULL;) {
			if (ep->ep_busy == 0 && ep->ep_nwait == 0 &&
			    ep->ep_seen + 60000 < now) {
				*pp = ep->ep_next;
				tn_unref(s, ep->ep_tn);
				free(ep);
				s->s_neps--;
			} else
				pp = &ep->ep_next;
		}
}

static void
xfer_free(struct xfer *x)
{
	if (x->x_easy != NULL)
		curl_easy_cleanup(x->x_easy);
	free(x);
}

void
send_free(struct sender *s)
{
	struct ep	*ep, *next;
	struct tn	*tn, *tnext;
	size_t		 i;

	if (s == NULL)
		return;
	send_stop(s, 1);
	for (i = 0; i < TN_BUCKETS; i++)
		for (tn = s->s_tns[i]; tn != NULL; tn = tnext) {
			tnext = tn->tn_next;
			free(tn);
		}
	for (i = 0; i < s->s_nall; i++)
		xfer_free(s->s_all[i]);
	free(s->s_all);
	for (i = 0; i < EP_BUCKETS; i++)
		for (ep = s->s_eps[i]; ep != NULL; ep = next) {
			next = ep->ep_next;
			free(ep);
		}
	curl_multi_cleanup(s->s_multi);
	free(s);
}

size_t
send_busy(const struct sender *s)
{
	return s->s_inflight + s->s_waiting;
}

size_t
send_inflight(const struct sender *s)
{
	return s->s_inflight;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	struct attempt	*at = x->x_at;
	size_t		 len = size * n, cap = x->x_snd->s_cf->cf_response_capture;
	size_t		 take = 0;

	if (at->at_snippet.b_len < cap) {
		take = cap - at->at_snippet.b_len;
		if (take > len)
			take = len;
		buf_add(&at->at_snippet, p, take);
	}
	x->x_discarded += len - take;
	if (x->x_discarded > DISCARD_MAX) {
		x->x_cut = 1;
		return 0;
	}
	return len;
}

/*
 * One response header line as received, kept up to RESP_HEADERS_MAX: its
 * CR LF dropped, other control bytes written as \xHH so that what is
 * stored is one header per line whatever the receiver sent.  A status
 * line starts the headers afresh: after a 100 Continue only the final
 * answer's are kept.  The status line itself is not kept (at_status).
 */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	struct buf	*h = &x->x_at->at_resp_headers;
	size_t		 len = size * n, i;
	unsigned char	 c;

	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		buf_reset(h);
		return len;
	}
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len == 0 || h->b_len >= RESP_HEADERS_MAX)
		return size * n;
	for (i = 0; i < len && h->b_len < RESP_HEADERS_MAX - 4; i++) {
		c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7f)
			buf_printf(h, "\\x%02x", c);
		else
			buf_putc(h, (char)c);
	}
	buf_putc(h, '\n');
	return size * n;
}

/*
 * The SSRF guard.  libcurl asks here for every address it is about to
 * connect to, after DNS, so a name that resolves (or re-resolves) to an
 * internal address is refused before any packet leaves.  A public
 * address must also be on an allowed port (80, 443, 1024 and up,
 * [delivery] allowed_ports): an endpoint saved before that rule, or a
 * name, cannot make us talk to SSH or SMTP somewhere.
 */
static curl_socket_t
on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct xfer	*x = arg;
	const struct conf *cf = x->x_snd->s_cf;
	const char	*why = "not an Internet connection";
	char		 host[INET6_ADDRSTRLEN] = "?";
	const void	*ip = NULL;
	unsigned	 port = 0;
	int		 pub = 0;

	if (a->family == AF_INET) {
		ip = &((const struct sockaddr_in *)(void *)&a->addr)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)(void *)&a->addr)->
		    sin_port);
	} else if (a->family == AF_INET6) {
		ip = &((const struct sockaddr_in6 *)(void *)&a->addr)->
		    sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)(void *)&a->addr)->
		    sin6_port);
	}
	if (purpose == CURLSOCKTYPE_IPCXN) {
		pub = ng_addr_allowed(&a->addr, (socklen_t)a->addrlen, &why);
		if ((pub && ng_port_allowed(port, &cf->cf_allowed_ports)) ||
		    (!pub && cf->cf_allow_private))
			return socket(a->family, a->socktype | SOCK_CLOEXEC,
			    a->protocol);
	}
	if (ip != NULL)
		inet_ntop(a->family, ip, host, sizeof(host));
	/* The first refusal names the address; curl may try others. */
	if (x->x_refused[0] != '\0')
		return CURL_SOCKET_BAD;
	if (pub)
		snprintf(x->x_refused, sizeof(x->x_refused), "refused to "
		    "connect to %s port %u: ports below 1024 other than 80 "
		    "and 443 are not allowed ([delivery] allowed_ports)",
		    host, port);
	else
		snprintf(x->x_refused, sizeof(x->x_refused), "refused to "
		    "connect to %s: %s (allow_private_networks = no)", host,
		    why);
	return CURL_SOCKET_BAD;
}

/* What is the same for every transfer, set once per easy handle: a
 * handle is kept and reused, never reset. */
static void
set_options(struct sender *s, struct xfer *x)
{
	const struct conf	*cf = s->s_cf;
	CURL			*e = x->x_easy;

	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->x_errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cf->cf_timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)cf->cf_connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	/* No proxy from the environment: the guard must judge the
	 * receiver's address, not a proxy's. */
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
}

static struct xfer *
xfer_get(struct sender *s)
{
	struct xfer	*x;

	if ((x = s->s_free) != NULL)
		s->s_free = x->x_next;
	else {
		x = xcalloc(1, sizeof(*x));
		x->x_snd = s;
		if ((x->x_easy = curl_easy_init()) == NULL) {
			free(x);
			return NULL;
		}
		set_options(s, x);
		s->s_all = xrealloc(s->s_all, (s->s_nall + 1) *
		    sizeof(*s->s_all));
		s->s_all[s->s_nall++] = x;
	}
	x->x_job = NULL;
	x->x_ep = NULL;
	x->x_at = NULL;
	x->x_hdrs = NULL;
	x->x_discarded = 0;
	x->x_cut = 0;
	x->x_refused[0] = '\0';
	x->x_errbuf[0] = '\0';
	memset(&x->x_pl, 0, sizeof(x->x_pl));
	return x;
}

static void
xfer_put(struct sender *s, struct xfer *x)
{
	curl_slist_free_all(x->x_hdrs);
	x->x_hdrs = NULL;
	payload_free(&x->x_pl);
	x->x_job = NULL;
	x->x_at = NULL;
	x->x_next = s->s_free;
	s->s_free = x;
}

/* Open an optional sealed column (NULL: none) of j's endpoint into out:
 * 0, or -1.  Sealed values are bound to their row (crypto.h). */
static int
open_opt(const struct job *j, const char *column, const char *sealed,
    struct buf *out)
{
	struct cr_bind	 cb;

	buf_init(out);
	if (sealed == NULL)
		return 0;
	cb.cb_table = "endpoints";
	cb.cb_column = column;
	cb.cb_row = j->j_endpoint;
	cb.cb_tenant = j->j_ep_tenant;
	return cr_open(&cb, sealed, strlen(sealed), out);
}

/* Build what is sent.  -1 with the attempt filled when it cannot be. */
static int
prepare(struct sender *s, struct xfer *x)
{
	const struct conf	*cf = s->s_cf;
	struct job		*j = x->x_job;
	struct attempt		*at = x->x_at;
	struct payload_src	 ps;
	struct url		 u;
	struct buf		 h, secret, prev, pdkey, hdrs;
	size_t			 i;
	int			 rc;

	if (url_parse(j->j_url, &u, at->at_error, sizeof(at->at_error))
	    == -1) {
		at->at_fail = SF_INVALID;
		return -1;
	}
	url_free(&u);
	/* Opened here, in the one thread that signs: OpenSSL 3's shared
	 * algorithm store then sees no contention, and the secret is in
	 * clear only while this body is signed. */
	if (open_opt(j, "secret_sealed", j->j_sealed, &secret) == -1 ||
	    open_opt(j, "prev_secret_sealed", j->j_prev_sealed, &prev) ==
	    -1) {
		cr_wipe(&secret);
		cr_wipe(&prev);
		at->at_fail = SF_LOCAL;
		snprintf(at->at_error, sizeof(at->at_error), "the endpoint "
		    "secret does not open with the dispatcher's master key "
		    "(or was not sealed for this endpoint)");
		return -1;
	}
	/* The PagerDuty routing key and the custom headers likewise. */
	if (open_opt(j, "pagerduty_key_sealed", j->j_pdkey_sealed, &pdkey) ==
	    -1 || open_opt(j, "headers_sealed", j->j_headers_sealed, &hdrs) ==
	    -1) {
		cr_wipe(&secret);
		cr_wipe(&prev);
		cr_wipe(&pdkey);
		cr_wipe(&hdrs);
		at->at_fail = SF_LOCAL;
		snprintf(at->at_error, sizeof(at->at_error), "the endpoint's "
		    "PagerDuty routing key or custom headers do not open with "
		    "the dispatcher's master key");
		return -1;
	}
	memset(&ps, 0, sizeof(ps));
	ps.ps_delivery = j->j_id;
	ps.ps_format = j->j_format;
	ps.ps_type = j->j_type;
	ps.ps_occurred_at = j->j_occurred_at;
	ps.ps_data = j->j_data;
	ps.ps_data_len = j->j_data_len;
	ps.ps_secret = buf_cstr(&secret);
	ps.ps_prev_secret = j->j_prev_sealed != NULL ? buf_cstr(&prev) :
	    NULL;
	ps.ps_standard = j->j_standard;
	ps.ps_test = j->j_test;
	ps.ps_user_agent = cf->cf_user_agent;
	ps.ps_timestamp = util_now_ms() / 1000;
	ps.ps_tenant = j->j_tenant;
	ps.ps_routing_key = j->j_pdkey_sealed != NULL ? buf_cstr(&pdkey) :
	    NULL;
	ps.ps_headers = j->j_headers_sealed != NULL ? buf_cstr(&hdrs) : NULL;
	rc = payload_build(&ps, &x->x_pl, at->at_error, sizeof(at->at_error));
	cr_wipe(&secret);
	cr_wipe(&prev);
	cr_wipe(&pdkey);
	cr_wipe(&hdrs);
	if (rc == -1) {
		at->at_fail = SF_INVALID;
		return -1;
	}
	buf_init(&h);
	payload_headers_text(&x->x_pl, &h);
	at->at_headers = buf_release(&h);
	for (i = 0; i < x->x_pl.pl_nhdr; i++)
		x->x_hdrs = curl_slist_append(x->x_hdrs, x->x_pl.pl_hdr[i]);
	/* An empty value removes curl's own header: no 100-continue
	 * round trip, which some receivers never answer. */
	x->x_hdrs = curl_slist_append(x->x_hdrs, "Expect:");
	if (x->x_hdrs == NULL) {
		at->at_fail = SF_LOCAL;
		snprintf(at->at_error, sizeof(at->at_error), "out of memory");
		return -1;
	}
	return 0;
}

static struct attempt *
attempt_new(void)
{
	struct attempt	*at;

	at = xcalloc(1, sizeof(*at));
	buf_init(&at->at_snippet);
	buf_init(&at->at_resp_headers);
	at->at_started = at->at_ended = util_mono_ms();
	return at;
}

/* Start j now; the ep has a free slot.  A job that fails before any
 * request is made goes straight back with its attempt. */
static void
start(struct sender *s, struct ep *ep, struct job *j)
{
	struct xfer	*x;
	struct attempt	*at = attempt_new();
	CURLMcode	 mc;

	if ((x = xfer_get(s)) == NULL) {
		at->at_fail = SF_LOCAL;
		snprintf(at->at_error, sizeof(at->at_error),
		    "curl_easy_init failed");
		goto failed;
	}
	x->x_job = j;
	x->x_ep = ep;
	x->x_at = at;
	if (prepare(s, x) == -1)
		goto failed;
	curl_easy_setopt(x->x_easy, CURLOPT_URL, j->j_url);
	curl_easy_setopt(x->x_easy, CURLOPT_POSTFIELDS, x->x_pl.pl_body.b_data);
	curl_easy_setopt(x->x_easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)x->x_pl.pl_body.b_len);
	curl_easy_setopt(x->x_easy, CURLOPT_HTTPHEADER, x->x_hdrs);
	at->at_started = util_mono_ms();
	if ((mc = curl_multi_add_handle(s->s_multi, x->x_easy)) != CURLM_OK) {
		at->at_fail = SF_LOCAL;
		snprintf(at->at_error, sizeof(at->at_error), "%s",
		    curl_multi_strerror(mc));
		goto failed;
	}
	ep->ep_busy++;
	ep->ep_tn->tn_busy++;
	s->s_inflight++;
	return;
failed:
	/* Failed before any request was made: done, with its attempt. */
	if (x != NULL)
		xfer_put(s, x);
	ep->ep_tn->tn_held--;
	s->s_done(s->s_arg, j, SEND_SENT, at);
}

static void
ring_add(struct sender *s, struct ep *ep)
{
	if (ep->ep_rnext != NULL)
		return;
	s->s_nring++;
	if (s->s_ring == NULL) {
		ep->ep_rnext = ep->ep_rprev = ep;
		s->s_ring = ep;
		return;
	}
	/* Last in turn: just before the next one to serve. */
	ep->ep_rnext = s->s_ring;
	ep->ep_rprev = s->s_ring->ep_rprev;
	ep->ep_rprev->ep_rnext = ep;
	s->s_ring->ep_rprev = ep;
}

static void
ring_del(struct sender *s, struct ep *ep)
{
	if (ep->ep_rnext == NULL)
		return;
	s->s_nring--;
	if (ep->ep_rnext == ep)
		s->s_ring = NULL;
	else {
		ep->ep_rprev->ep_rnext = ep->ep_rnext;
		ep->ep_rnext->ep_rprev = ep->ep_rprev;
		if (s->s_ring == ep)
			s->s_ring = ep->ep_rnext;
	}
	ep->ep_rnext = ep->ep_rprev = NULL;
}

/* Take the next waiting job of ep: it leaves what ep and its tenant
 * hold only when it is done (start, or handed back). */
static struct job *
ep_pop(struct sender *s, struct ep *ep)
{
	struct job	*j = ep->ep_head;

	if (j == NULL)
		return NULL;
	if ((ep->ep_head = j->j_next) == NULL) {
		ep->ep_tail = NULL;
		ring_del(s, ep);
	}
	j->j_next = NULL;
	ep->ep_nwait--;
	s->s_waiting--;
	return j;
}

/* A job leaves the sender without being sent. */
static void
give_back(struct sender *s, struct ep *ep, struct job *j, enum send_end end)
{
	ep->ep_tn->tn_held--;
	s->s_done(s->s_arg, j, end, NULL);
}

static int
can_start(const struct sender *s, const struct ep *ep)
{
	return ep->ep_busy < s->s_cf->cf_endpoint_concurrency &&
	    ep->ep_tn->tn_busy < s->s_tenant_cap &&
	    s->s_inflight < s->s_cf->cf_concurrency;
}

/*
 * Start what may start: turns round the ring of endpoints with waiting
 * jobs, one start per endpoint per turn, from where the last turn
 * stopped, until a whole turn starts nothing.  A job that fails before
 * any request is made (a bad URL) comes back at once through s_done,
 * which never calls back into the sender.
 */
static void
pump(struct sender *s)
{
	struct ep	*ep;
	size_t		 i;
	int		 started;

	do {
		started = 0;
		for (i = s->s_nring; i > 0 && s->s_ring != NULL; i--) {
			if (s->s_inflight >= s->s_cf->cf_concurrency)
				return;
			ep = s->s_ring;
			s->s_ring = ep->ep_rnext;
			if (ep->ep_gone) {
				while (ep->ep_head != NULL)
					give_back(s, ep, ep_pop(s, ep),
					    SEND_PAUSE);
			} else if (can_start(s, ep)) {
				start(s, ep, ep_pop(s, ep));
				started = 1;
			}
		}
	} while (started);
}

void
send_take(struct sender *s, struct job *j)
{
	struct ep	*ep = ep_get(s, j->j_endpoint, j->j_tenant);

	/* The claim read the endpoint after any 410 we saw: trust it. */
	ep->ep_gone = 0;
	ep->ep_seen = util_mono_ms();
	j->j_next = NULL;
	if (ep->ep_tail != NULL)
		ep->ep_tail->j_next = j;
	else
		ep->ep_head = j;
	ep->ep_tail = j;
	ep->ep_nwait++;
	ep->ep_tn->tn_held++;
	s->s_waiting++;
	ring_add(s, ep);
}

void
send_start(struct sender *s)
{
	pump(s);
}

static void
finish(struct sender *s, struct xfer *x, CURLcode rc)
{
	struct attempt	*at = x->x_at;
	struct job	*j = x->x_job;
	struct ep	*ep = x->x_ep;
	long		 code = 0;
	curl_off_t	 ra = 0;
	char		*loc = NULL;

	at->at_ended = util_mono_ms();
	curl_easy_getinfo(x->x_easy, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->x_cut &&
	    code > 0)) {
		at->at_fail = SF_NONE;
		at->at_status = code;
		if (code >= 300 && code < 400 && curl_easy_getinfo(x->x_easy,
		    CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != NULL)
			at->at_location = xstrdup(loc);
		if (curl_easy_getinfo(x->x_easy, CURLINFO_RETRY_AFTER, &ra) ==
		    CURLE_OK && ra > 0)
			at->at_retry_after = ra > 86400 * 365 ? 86400 * 365 :
			    (long)ra;
	} else if (x->x_refused[0] != '\0') {
		at->at_fail = SF_REFUSED;
		snprintf(at->at_error, sizeof(at->at_error), "%s",
		    x->x_refused);
	} else {
		at->at_fail = rc == CURLE_UNSUPPORTED_PROTOCOL ||
		    rc == CURLE_URL_MALFORMAT ? SF_INVALID : SF_NETWORK;
		snprintf(at->at_error, sizeof(at->at_error), "%s",
		    x->x_errbuf[0] != '\0' ? x->x_errbuf :
		    curl_easy_strerror(rc));
	}
	curl_multi_remove_handle(s->s_multi, x->x_easy);
	xfer_put(s, x);
	s->s_inflight--;
	ep->ep_busy--;
	ep->ep_tn->tn_busy--;
	ep->ep_tn->tn_held--;
	ep->ep_est = ep->ep_est == 0 ? at->at_ended - at->at_started :
	    (ep->ep_est * 7 + (at->at_ended - at->at_started)) / 8;
	log_debug("delivery %llu to endpoint %llu: %ld %s (%" PRId64 " ms)",
	    j->j_id, j->j_endpoint, at->at_status, at->at_error,
	    at->at_ended - at->at_started);
	s->s_done(s->s_arg, j, SEND_SENT, at);
}

void
send_perform(struct sender *s)
{
	CURLMsg		*msg;
	struct xfer	*x;
	int		 running, left;

	curl_multi_perform(s->s_multi, &running);
	while ((msg = curl_multi_info_read(s->s_multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&x);
		finish(s, x, msg->data.result);
	}
	/* Freed slots go round the ring once all finished transfers are
	 * counted. */
	pump(s);
	ep_sweep(s);
}

void
send_wait(struct sender *s, int timeout_ms, const int *fds, int *readable,
    unsigned nfds)
{
	struct curl_waitfd	 w[4];
	unsigned		 i, n = 0;

	for (i = 0; i < nfds && n < 4; i++) {
		readable[i] = 0;
		if (fds[i] < 0)
			continue;
		w[n].fd = fds[i];
		w[n].events = CURL_WAIT_POLLIN;
		w[n].revents = 0;
		n++;
	}
	curl_multi_poll(s->s_multi, w, n, timeout_ms, NULL);
	for (i = 0, n = 0; i < nfds && n < 4; i++) {
		if (fds[i] < 0)
			continue;
		readable[i] = (w[n].revents & CURL_WAIT_POLLIN) != 0;
		n++;
	}
}

void
send_wakeup(struct sender *s)
{
	curl_multi_wakeup(s->s_multi);
}

void
send_endpoint_gone(struct sender *s, unsigned long long id)
{
	struct ep	*ep = ep_find(s, id);

	if (ep == NULL)
		return;
	ep->ep_gone = 1;
	pump(s);
}

void
send_stop(struct sender *s, int abort)
{
	struct ep	*ep;
	struct xfer	*x;
	struct job	*j;
	size_t		 i;

	for (i = 0; i < EP_BUCKETS; i++)
		for (ep = s->s_eps[i]; ep != NULL; ep = ep->ep_next)
			while ((j = ep_pop(s, ep)) != NULL)
				give_back(s, ep, j, SEND_RELEASE);
	if (!abort)
		return;
	for (i = 0; i < s->s_nall; i++) {
		x = s->s_all[i];
		if ((j = x->x_job) == NULL)
			continue;
		curl_multi_remove_handle(s->s_multi, x->x_easy);
		attempt_free(x->x_at);
		x->x_ep->ep_busy--;
		x->x_ep->ep_tn->tn_busy--;
		x->x_ep->ep_tn->tn_held--;
		s->s_inflight--;
		xfer_put(s, x);
		s->s_done(s->s_arg, j, SEND_RELEASE, NULL);
	}
}

/*
 * How many jobs an endpoint may hold here when no other dispatcher
 * holds any: endpoint_concurrency in flight, and for an endpoint that
 * answers fast as many again to seven times that waiting (the faster,
 * the more), so that it is fed between claims.  A slow endpoint (or one not measured yet)
 * holds no more than it has in flight: a claim's round trip is nothing
 * beside its answer, and jobs waiting behind it would only keep the
 * tenant's budget from its other endpoints.  Never so many that the
 * last would wait past its lease behind requests that each take the
 * whole timeout.
 */
static unsigned
ep_window(const struct sender *s, const struct ep *ep)
{
	const struct conf	*cf = s->s_cf;
	long long		 k, kmax;

	kmax = cf->cf_lease_ms / cf->cf_timeout_ms - 1;
	if (ep->ep_est == 0 || ep->ep_est > 1000 || kmax < 2)
		k = 1;
	else if (ep->ep_est > 100)
		k = 2;
	else if (ep->ep_est > 20)
		k = 4;
	else
		k = 8;
	if (k > kmax)
		k = kmax;
	return cf->cf_endpoint_concurrency * (unsigned)k;
}

void
send_room(const struct sender *s, struct claim_room *room)
{
	const struct ep	*ep;
	const struct tn	*tn;
	size_t		 i, n;

	room->cr_neps = room->cr_ntenants = 0;
	room->cr_eps = xcalloc(s->s_neps + 1, sizeof(*room->cr_eps));
	room->cr_tenants = xcalloc(s->s_ntns + 1, sizeof(*room->cr_tenants));
	for (i = 0; i < EP_BUCKETS; i++)
		for (ep = s->s_eps[i]; ep != NULL; ep = ep->ep_next) {
			n = ep->ep_busy + ep->ep_nwait;
			room->cr_eps[room->cr_neps].ch_id = ep->ep_id;
			room->cr_eps[room->cr_neps].ch_n = (unsigned)n;
			room->cr_eps[room->cr_neps++].ch_window =
			    ep_window(s, ep);
		}
	for (i = 0; i < TN_BUCKETS; i++)
		for (tn = s->s_tns[i]; tn != NULL; tn = tn->tn_next)
			if (tn->tn_held > 0) {
				room->cr_tenants[room->cr_ntenants].ch_id =
				    tn->tn_id;
				room->cr_tenants[room->cr_ntenants++].ch_n =
				    tn->tn_held;
			}
	qsort(room->cr_eps, room->cr_neps, sizeof(*room->cr_eps),
	    claim_held_cmp);
	qsort(room->cr_tenants, room->cr_ntenants, sizeof(*room->cr_tenants),
	    claim_held_cmp);
}
