/*
 * GET /api/votes: the live tallies from Redis as
 * {"total":N,"bands":{"<band>":n},"albums":{"<band> — <album>":n},
 *  "sources":{"rest":n,"grpc":n}}; albums are keyed like the consumer's
 * <prefix>:albums hash (docs/redis-keys.md), since two bands can have
 * albums of the same name. Also /readyz's answer with the stores' health.
 */
#include <string.h>

#include <yajl/yajl_gen.h>

#include "web.h"

static int	tallies_json(struct http_request *, const struct tallies *);
static int	gen_key(yajl_gen, const char *);
static int	gen_counts(yajl_gen, const char *, const struct tally *,
		    size_t);

/* Called by votes_post() for GET and HEAD (the route is shared). */
int
votes_get(struct http_request *req)
{
	struct app	*app = app_get();
	struct web_job	*job;

	if (req->hdlr_extra == NULL && app->stores == NULL)
		return (web_json_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "tallies unavailable: not connected", NULL));
	if (req->hdlr_extra == NULL && !stores_job_admit(app->stores))
		return (web_busy(req));
	if ((job = web_job_step(req, app->stores, JOB_TALLIES, NULL)) == NULL)
		return (KORE_RESULT_RETRY);
	if (job->tallies_rc != 0) {
		kore_log(LOG_NOTICE, "tallies: %s", job->tallies_err);
		http_response_header(req, "retry-after", APP_RETRY_AFTER);
		return (web_json_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "tallies unavailable: Redis is down", NULL));
	}
	return (tallies_json(req, &job->tallies));
}

/*
 * The log window's state for /readyz. "rebuilding" does not make the
 * answer a 503: the page works meanwhile (its log reads ask MongoDB).
 */
static const char *
window_name(struct app *app)
{
	switch (store_window_state(app->stores == NULL ? NULL :
	    stores_window(app->stores))) {
	case WINDOW_OK:
		return ("ok");
	case WINDOW_REBUILDING:
		return ("rebuilding");
	case WINDOW_UNKNOWN:
		return ("unknown");
	default:
		return ("off");
	}
}

/* /readyz: 200 when Kafka, Redis and MongoDB all answer, else 503. */
int
web_readyz(struct http_request *req, int kafka_up)
{
	struct app		*app = app_get();
	yajl_gen		 g;
	int			 redis, mongo, ready;

	redis = stores_redis_up(app->stores);
	mongo = stores_mongo_up(app->stores);
	ready = kafka_up && redis && mongo;
	if ((g = yajl_gen_alloc(NULL)) == NULL)
		goto fail;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    gen_key(g, "status") == -1 ||
	    gen_key(g, ready ? "ok" : "unavailable") == -1 ||
	    gen_key(g, "kafka") == -1 || gen_key(g, kafka_up ? "up" : "down") ||
	    gen_key(g, "redis") == -1 || gen_key(g, redis ? "up" : "down") ||
	    gen_key(g, "mongo") == -1 || gen_key(g, mongo ? "up" : "down") ||
	    gen_key(g, "window") == -1 || gen_key(g, window_name(app)) == -1 ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok)
		goto fail;
	if (!ready)
		http_response_header(req, "retry-after", APP_RETRY_AFTER);
	if (reply_json(req, ready ? HTTP_STATUS_OK :
	    HTTP_STATUS_SERVICE_UNAVAILABLE, g, 0) == -1)
		goto fail;
	yajl_gen_free(g);
	return (KORE_RESULT_OK);
fail:
	if (g != NULL)
		yajl_gen_free(g);
	http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
	return (KORE_RESULT_OK);
}

static int
tallies_json(struct http_request *req, const struct tallies *t)
{
	yajl_gen		 g;

	if ((g = yajl_gen_alloc(NULL)) == NULL)
		goto fail;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    gen_key(g, "total") == -1 ||
	    yajl_gen_integer(g, t->total) != yajl_gen_status_ok ||
	    gen_counts(g, "bands", t->bands, t->nbands) == -1 ||
	    gen_counts(g, "albums", t->albums, t->nalbums) == -1 ||
	    gen_key(g, "sources") == -1 ||
	    yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    gen_key(g, "rest") == -1 ||
	    yajl_gen_integer(g, t->rest) != yajl_gen_status_ok ||
	    gen_key(g, "grpc") == -1 ||
	    yajl_gen_integer(g, t->grpc) != yajl_gen_status_ok ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok)
		goto fail;
	return (web_json_done(req, HTTP_STATUS_OK, g, 1));
fail:
	return (web_json_done(req, HTTP_STATUS_OK, g, 0));
}

static int
gen_counts(yajl_gen g, const char *key, const struct tally *t, size_t n)
{
	size_t	i;

	if (gen_key(g, key) == -1 || yajl_gen_map_open(g) != yajl_gen_status_ok)
		return (-1);
	for (i = 0; i < n; i++) {
		if (gen_key(g, t[i].key) == -1 ||
		    yajl_gen_integer(g, t[i].n) != yajl_gen_status_ok)
			return (-1);
	}
	return (yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -1);
}

static int
gen_key(yajl_gen g, const char *s)
{
	if (yajl_gen_string(g, (const unsigned char *)s, strlen(s)) !=
	    yajl_gen_status_ok)
		return (-1);
	return (0);
}
