/*
 * The log viewer inside the Kore module: the page, its htmx fragments,
 * GET /api/logs, GET /api/votes, /metrics and the stores behind them.
 * Reads of Redis and MongoDB run on Kore's task threads (web_job.c) so a
 * slow or dead store never stalls a worker's event loop.
 */
#ifndef MARIMBA_KORE_WEB_H
#define MARIMBA_KORE_WEB_H

#include <stdatomic.h>
#include <stdint.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "app.h"
#include "log_window.h"
#include "logs_query.h"

/* Points of the votes-per-second sparkline (seconds). */
#define SERIES_POINTS		60
/* Bars in each chart of the page. */
#define CHART_BARS		10

struct tally {
	char		*key;		/* band, or "band — album" */
	long long	 n;
};

struct tallies {
	long long	 total;
	long long	 rest;
	long long	 grpc;
	struct tally	*bands;		/* sorted by n desc, then key */
	size_t		 nbands;
	struct tally	*albums;
	size_t		 nalbums;
};

struct series {
	size_t		n;			/* oldest first */
	long long	total[SERIES_POINTS];
	long long	last_s;			/* unix second of the last */
};

/* store.c: connections to Redis and MongoDB, and their health. */
struct stores;

struct stores	*stores_new(const struct marimba_config *, char *, size_t);
void		 stores_free(struct stores *);
int		 stores_redis_up(struct stores *);
int		 stores_mongo_up(struct stores *);
int		 stores_redis_down(struct stores *);
int		 stores_mongo_down(struct stores *);
/*
 * Admission of store reads on the worker's thread: at most
 * STORES_JOBS_MAX requests wait for a task at once, so a slow store
 * cannot pile up work without bound (the next ones get a 503).
 */
#define STORES_JOBS_MAX	64
int		 stores_job_admit(struct stores *);
void		 stores_job_done(struct stores *);

/*
 * store_mongo.c: the newest logs matching q; *more if there are others.
 * 0, -1 when no server could be reached, -2 when the query failed (a
 * timeout of a slow server, an error it returned).
 */
int	store_logs(struct stores *, const struct logs_query *,
	    struct log_entry *, size_t *, int *, char *, size_t);

/*
 * store_window.c: keeps the log window (lib/log_window.h) there: checks
 * it every second and rebuilds it from MongoDB when Redis lost it.
 */
#define WINDOW_OFF		0	/* MARIMBA_LOG_WINDOW=0 */
#define WINDOW_OK		1
#define WINDOW_REBUILDING	2	/* reads ask MongoDB meanwhile */
#define WINDOW_UNKNOWN		3	/* Redis did not answer */
struct store_window;
struct store_window	*store_window_start(const struct marimba_config *,
			    struct stores *, char *, size_t);
void			 store_window_stop(struct store_window *);
int			 store_window_state(struct store_window *);
int			 store_window_enabled(struct store_window *);
struct store_window	*stores_window(struct stores *);

/* store_redis.c: the tallies and the last seconds of the series. */
int	store_tallies(struct stores *, struct tallies *, char *, size_t);
void	tallies_free(struct tallies *);
int	store_series(struct stores *, struct series *, char *, size_t);

/* store.c internals shared by store_mongo.c and store_redis.c. */
struct _mongoc_client_t	*stores_mongo_pop(struct stores *);
void			 stores_mongo_push(struct stores *,
			    struct _mongoc_client_t *);
const char		*stores_mongo_db(struct stores *);
struct redisContext	*stores_redis_get(struct stores *, char *, size_t);
void			 stores_redis_put(struct stores *,
			    struct redisContext *, int);
const char		*stores_redis_prefix(struct stores *);
void			 stores_set_up(struct stores *, int, int);

/* web_job.c: one request's store reads, run on a Kore task thread. */
#define JOB_LOGS	0x01
#define JOB_TALLIES	0x02
#define JOB_SERIES	0x04

struct web_job {
	struct kore_task	task;		/* first: the entry finds us */
	TAILQ_ENTRY(web_job)	pool_list;	/* in a web_pool's queue */
	struct stores		*stores;
	int			 want;
	struct logs_query	 q;
	atomic_int		 done;		/* the task wrote everything */

	struct log_entry	 logs[LOGS_LIMIT_MAX];
	size_t			 nlogs;
	int			 more;
	int			 logs_rc;
	char			 logs_err[160];

	struct tallies		 tallies;
	int			 tallies_rc;
	char			 tallies_err[160];

	struct series		 series;
	int			 series_rc;
	char			 series_err[160];
};

/*
 * The first call (which the caller had admitted with stores_job_admit)
 * starts the reads and parks the request (returns NULL:
 * the handler returns KORE_RESULT_RETRY). Later calls return the job
 * once the reads are done, NULL while they are not.
 */
struct web_job	*web_job_step(struct http_request *, struct stores *, int,
		    const struct logs_query *);
void		 web_job_run(struct web_job *);

/*
 * web_pool.c: threads that run jobs from one queue. stores.c makes two
 * per worker: MongoDB reads, Redis-only reads.
 */
struct web_pool;
struct web_pool	*web_pool_new(int, char *, size_t);
void		 web_pool_submit(struct web_pool *, struct web_job *);
void		 web_pool_free(struct web_pool *);
struct web_pool	*stores_pool(struct stores *, int);

/* web_reply.c: HTML with the security headers, JSON, plain text. */
void	web_html(struct http_request *, int, struct kore_buf *);
void	web_security_headers(struct http_request *);
int	web_json_error(struct http_request *, int, const char *,
	    const char *);
int	web_json_done(struct http_request *, int, yajl_gen, int);
void	web_time_iso(int64_t, char *, size_t);
int	web_busy(struct http_request *);

/* Why the logs are missing, for the page and the API. */
#define LOGS_DOWN_MSG(rc)	((rc) == -1 ? \
	"logs unavailable: MongoDB is down" : \
	"logs unavailable: MongoDB did not answer in time")

/* page_render.c: the page and its fragments as HTML. */
void	render_page(struct kore_buf *, const struct logs_query *,
	    const struct web_job *);
void	render_logs(struct kore_buf *, const struct logs_query *,
	    const struct web_job *);
void	render_stats(struct kore_buf *, const struct web_job *);
void	render_esc(struct kore_buf *, const char *);
void	render_url_component(struct kore_buf *, const char *);

/* svg_chart.c: server-rendered charts (inline SVG, no script, no style). */
void	svg_bars(struct kore_buf *, const char *, const struct tally *,
	    size_t, size_t);
void	svg_sparkline(struct kore_buf *, const struct series *);

/* assets.c: htmx and the stylesheet, read once in the parent. */
#define ASSET_HTMX	0
#define ASSET_CSS	1
struct web_assets;
int		 assets_load(struct app *, char *, size_t);
const char	*assets_version(const struct app *, int);

/* metrics.c: counters in memory shared by every worker. */
struct metrics;
int	metrics_parent_init(struct app *, char *, size_t);
void	metrics_worker_init(struct app *);
void	metrics_worker_teardown(struct app *);

#endif
