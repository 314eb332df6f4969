/* SPDX-License-Identifier: ISC */
/*
 * GET /metrics in Prometheus' text format, for every worker at once: the
 * counters live in one mmap(MAP_SHARED | MAP_ANONYMOUS) region made by
 * the parent before it forks the workers, updated with atomics. Each
 * concern then appends lines of its own (app_concern's metrics hook).
 *
 * Requests are counted in one place: each worker wraps the runtime call
 * of every route of the configuration (hdlr->rcall), so any handler,
 * also a parked one, is measured from its first run to its answer
 * (microseconds, CLOCK_MONOTONIC).
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "front.h"
#include "metrics.h"
#include "reply.h"

#define M_ROUTES	24
#define M_CODES		14
#define M_BUCKETS	12
#define M_WORKERS	64
#define M_PENDING	1024	/* parked requests whose start is kept */
#define M_QUEUE_MS	500

/* Status codes counted by name; anything else is "other". */
static const int	m_codes[M_CODES - 1] = {
	200, 202, 204, 304, 400, 404, 405, 408, 413, 415, 429, 500, 503
};
static const double	m_bounds[M_BUCKETS] = {	/* seconds */
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
};

struct metrics_shm {
	atomic_ullong	requests[M_ROUTES][M_CODES];
	atomic_ullong	buckets[M_ROUTES][M_BUCKETS + 1];	/* +Inf last */
	atomic_ullong	sum_us[M_ROUTES];
	atomic_ullong	votes_accepted;
	atomic_ullong	votes_rejected[M_CODES];
	atomic_llong	queue_len[M_WORKERS];
	atomic_int	queue_seen[M_WORKERS];
};

struct metrics_route {
	struct kore_runtime_call	 call;	/* what Kore now calls */
	struct kore_runtime_call	*orig;
	struct metrics			*m;
	int				 idx;
	int				 votes;	/* the votes route */
	char				 label[64];
};

struct metrics_pending {
	struct http_request	*req;
	u_int64_t		 start;
};

struct metrics {
	struct metrics_shm	*shm;
	struct metrics_route	 routes[M_ROUTES];
	int			 nroutes;
	struct metrics_pending	 pending[M_PENDING];
	struct kore_timer	*timer;
	long long		(*queue_len)(void *);	/* this worker's */
	void			*queue_arg;
};

int	metrics_page(struct http_request *);

static void	metrics_checks(struct kore_buf *);

static int	metrics_call(void *, struct http_request *);
static void	metrics_observe(struct metrics_route *, int, u_int64_t,
		    int);
static int	metrics_code(int);
static u_int64_t	metrics_now_us(void);
static void	metrics_queue(void *, u_int64_t);
static struct metrics_pending	*metrics_pending_find(struct metrics *,
				    struct http_request *, int);

/* Like Kore's native runtime, with the measuring call in between. */
static struct kore_runtime	metrics_runtime = {
	.type = KORE_RUNTIME_NATIVE,
	.http_request = metrics_call,
};

int
metrics_parent_init(struct app *app, char *err, size_t errlen)
{
	struct metrics	*m;
	void		*p;

	p = mmap(NULL, sizeof(struct metrics_shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		(void)snprintf(err, errlen, "mmap: %s", strerror(errno));
		return (-1);
	}
	memset(p, 0, sizeof(struct metrics_shm));
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		(void)munmap(p, sizeof(struct metrics_shm));
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	m->shm = p;
	app->metrics = m;
	return (0);
}

/* Wraps every route's call (same order in every worker). */
void
metrics_worker_init(struct app *app)
{
	struct metrics			*m = app->metrics;
	struct metrics_route		*r;
	struct kore_server		*srv;
	struct kore_domain		*dom;
	struct kore_module_handle	*hdlr;

	if (m == NULL)
		return;
	m->nroutes = 0;
	LIST_FOREACH(srv, &kore_servers, list) {
		TAILQ_FOREACH(dom, &srv->domains, list) {
			TAILQ_FOREACH(hdlr, &dom->handlers, list) {
				if (m->nroutes == M_ROUTES)
					break;
				r = &m->routes[m->nroutes];
				r->m = m;
				r->idx = m->nroutes++;
				r->orig = hdlr->rcall;
				r->call.addr = r;
				r->call.runtime = &metrics_runtime;
				r->votes =
				    strcmp(hdlr->func, "votes_post") == 0;
				(void)snprintf(r->label, sizeof(r->label),
				    "%s", hdlr->path[0] == '^' ? "other" :
				    hdlr->path);
				hdlr->rcall = &r->call;
			}
		}
	}
	m->timer = kore_timer_add(metrics_queue, M_QUEUE_MS, m, 0);
}

void
metrics_worker_teardown(struct app *app)
{
	struct metrics	*m = app->metrics;

	if (m != NULL && m->timer != NULL) {
		kore_timer_remove(m->timer);
		m->timer = NULL;
	}
}

/* Votes acknowledged by Kafka and answered 202 (called by votes.c). */
void
metrics_votes_accepted(struct app *app, size_t n)
{
	struct metrics	*m = app->metrics;

	if (m != NULL)
		atomic_fetch_add(&m->shm->votes_accepted, n);
}

void
metrics_queue_source(struct app *app, long long (*fn)(void *), void *arg)
{
	struct metrics	*m = app->metrics;

	if (m == NULL)
		return;
	m->queue_len = fn;
	m->queue_arg = arg;
}

static int
metrics_call(void *addr, struct http_request *req)
{
	struct metrics_route	*r = addr;
	struct metrics_pending	*p;
	u_int64_t		 start;
	int			 first, rc;

	/* Kore zeroes req->end for a new request and sets it after a run. */
	first = req->end == 0;
	start = metrics_now_us();
	if (!first && (p = metrics_pending_find(r->m, req, 0)) != NULL)
		start = p->start;

	rc = kore_runtime_http_request(r->orig, req);
	if (rc == KORE_RESULT_RETRY) {
		if (first && (p = metrics_pending_find(r->m, req, 1)) != NULL) {
			p->req = req;
			p->start = start;
		}
		return (rc);
	}
	if (!first && (p = metrics_pending_find(r->m, req, 0)) != NULL)
		p->req = NULL;
	metrics_observe(r, req->status, metrics_now_us() - start,
	    r->votes && req->method == HTTP_METHOD_POST);
	return (rc);
}

static u_int64_t
metrics_now_us(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((u_int64_t)ts.tv_sec * 1000000 + (u_int64_t)ts.tv_nsec / 1000);
}

static void
metrics_observe(struct metrics_route *r, int status, u_int64_t us,
    int vote_post)
{
	struct metrics_shm	*shm = r->m->shm;
	int			 b, c;

	c = metrics_code(status);
	atomic_fetch_add(&shm->requests[r->idx][c], 1);
	for (b = 0; b < M_BUCKETS; b++) {
		if ((double)us / 1e6 <= m_bounds[b])
			break;
	}
	atomic_fetch_add(&shm->buckets[r->idx][b], 1);
	atomic_fetch_add(&shm->sum_us[r->idx], us);
	if (vote_post && status >= 400)
		atomic_fetch_add(&shm->votes_rejected[c], 1);
}

static int
metrics_code(int status)
{
	int	i;

	for (i = 0; i < M_CODES - 1; i++) {
		if (m_codes[i] == status)
			return (i);
	}
	return (M_CODES - 1);
}

/* The slot of req, or with make a free one; NULL if none. */
static struct metrics_pending *
metrics_pending_find(struct metrics *m, struct http_request *req, int make)
{
	struct metrics_pending	*free_slot;
	int			 i;

	free_slot = NULL;
	for (i = 0; i < M_PENDING; i++) {
		if (m->pending[i].req == req)
			return (&m->pending[i]);
		if (free_slot == NULL && m->pending[i].req == NULL)
			free_slot = &m->pending[i];
	}
	return (make ? free_slot : NULL);
}

/* Publishes this worker's producer queue length. */
static void
metrics_queue(void *arg, u_int64_t now)
{
	struct metrics	*m = arg;
	long long	 n;
	int		 id;

	(void)now;
	if (worker == NULL || m->queue_len == NULL ||
	    (n = m->queue_len(m->queue_arg)) < 0)
		return;
	id = worker->id % M_WORKERS;
	atomic_store(&m->shm->queue_len[id], n);
	atomic_store(&m->shm->queue_seen[id], 1);
}

/* The checks of /readyz, as this worker sees them. */
static void
metrics_checks(struct kore_buf *b)
{
	struct app_ready	r;
	size_t			i;

	app_ready_collect(app_get(), &r);
	kore_buf_appendf(b, "# HELP marimba_dependency_up 1 when the "
	    "dependency answers its checks (as in /readyz).\n"
	    "# TYPE marimba_dependency_up gauge\n");
	for (i = 0; i < r.n; i++) {
		kore_buf_appendf(b, "marimba_dependency_up{dependency=\"%s\"} "
		    "%d\n", r.check[i].name,
		    r.check[i].state != APP_CHECK_DOWN);
	}
	kore_buf_appendf(b, "# HELP marimba_dependency_degraded 1 when the "
	    "dependency answers but its reads fail or time out.\n"
	    "# TYPE marimba_dependency_degraded gauge\n");
	for (i = 0; i < r.n; i++) {
		kore_buf_appendf(b, "marimba_dependency_degraded{dependency="
		    "\"%s\"} %d\n", r.check[i].name,
		    r.check[i].state == APP_CHECK_DEGRADED);
	}
}

int
metrics_page(struct http_request *req)
{
	struct metrics		*m = app_get()->metrics;
	struct app		*a;
	struct metrics_shm	*shm;
	struct kore_buf		*b;
	unsigned long long	 n, cum, count;
	int			 i, c, k;

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
		return (reply_method_not_allowed(req, "GET, HEAD"));
	if (m == NULL)
		return (reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "metrics not configured", NULL, -1));
	metrics_queue(m, 0);
	shm = m->shm;
	b = kore_buf_alloc(16384);

	kore_buf_appendf(b, "# HELP marimba_http_requests_total HTTP requests "
	    "answered, by route and status, all workers.\n"
	    "# TYPE marimba_http_requests_total counter\n");
	for (i = 0; i < m->nroutes; i++) {
		for (c = 0; c < M_CODES; c++) {
			n = atomic_load(&shm->requests[i][c]);
			if (n == 0)
				continue;
			kore_buf_appendf(b, "marimba_http_requests_total{route="
			    "\"%s\",status=\"", m->routes[i].label);
			if (c < M_CODES - 1)
				kore_buf_appendf(b, "%d", m_codes[c]);
			else
				kore_buf_appendf(b, "other");
			kore_buf_appendf(b, "\"} %llu\n", n);
		}
	}

	kore_buf_appendf(b, "# HELP marimba_http_request_duration_seconds "
	    "Time from a request's first handler run to its answer.\n"
	    "# TYPE marimba_http_request_duration_seconds histogram\n");
	for (i = 0; i < m->nroutes; i++) {
		count = 0;
		for (k = 0; k <= M_BUCKETS; k++)
			count += atomic_load(&shm->buckets[i][k]);
		if (count == 0)
			continue;
		cum = 0;
		for (k = 0; k <= M_BUCKETS; k++) {
			cum += atomic_load(&shm->buckets[i][k]);
			kore_buf_appendf(b, "marimba_http_request_duration_"
			    "seconds_bucket{route=\"%s\",le=\"",
			    m->routes[i].label);
			if (k < M_BUCKETS)
				kore_buf_appendf(b, "%g", m_bounds[k]);
			else
				kore_buf_appendf(b, "+Inf");
			kore_buf_appendf(b, "\"} %llu\n", cum);
		}
		kore_buf_appendf(b, "marimba_http_request_duration_seconds_sum"
		    "{route=\"%s\"} %.6f\n", m->routes[i].label,
		    (double)atomic_load(&shm->sum_us[i]) / 1e6);
		kore_buf_appendf(b, "marimba_http_request_duration_seconds_"
		    "count{route=\"%s\"} %llu\n", m->routes[i].label, count);
	}

	kore_buf_appendf(b, "# HELP marimba_votes_accepted_total Votes "
	    "acknowledged by Kafka and answered 202.\n"
	    "# TYPE marimba_votes_accepted_total counter\n"
	    "marimba_votes_accepted_total %llu\n",
	    atomic_load(&shm->votes_accepted));
	kore_buf_appendf(b, "# HELP marimba_vote_requests_rejected_total "
	    "POST /api/votes requests answered with an error, by status.\n"
	    "# TYPE marimba_vote_requests_rejected_total counter\n");
	for (c = 0; c < M_CODES; c++) {
		n = atomic_load(&shm->votes_rejected[c]);
		if (n == 0 && c < M_CODES - 1 && m_codes[c] != 400 &&
		    m_codes[c] != 503)
			continue;
		kore_buf_appendf(b, "marimba_vote_requests_rejected_total"
		    "{status=\"");
		if (c < M_CODES - 1)
			kore_buf_appendf(b, "%d", m_codes[c]);
		else
			kore_buf_appendf(b, "other");
		kore_buf_appendf(b, "\"} %llu\n", n);
	}

	kore_buf_appendf(b, "# HELP marimba_vote_producer_queue_len Messages "
	    "in a worker's Kafka producer queue (vote_producer_queue_len).\n"
	    "# TYPE marimba_vote_producer_queue_len gauge\n");
	for (i = 0; i < M_WORKERS; i++) {
		if (!atomic_load(&shm->queue_seen[i]))
			continue;
		kore_buf_appendf(b, "marimba_vote_producer_queue_len{worker="
		    "\"%d\"} %lld\n", i, atomic_load(&shm->queue_len[i]));
	}

	metrics_checks(b);
	a = app_get();
	for (i = 0; i < (int)a->nconcerns; i++) {
		if (a->concern[i]->metrics != NULL)
			a->concern[i]->metrics(a, b);
	}

	http_response_header(req, "content-type",
	    "text/plain; version=0.0.4; charset=utf-8");
	http_response_header(req, "cache-control", "no-store");
	front_response(req, HTTP_STATUS_OK, b->data, b->offset);
	kore_buf_free(b);
	return (KORE_RESULT_OK);
}
