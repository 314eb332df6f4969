/* SPDX-License-Identifier: ISC */
/*
 * GET /api/votes: the live tallies from Redis as
 * {"total":N,"bands":{"<band>":n},"albums":{"<band> — <album>":n},
 *  "sources":{"rest":n,"grpc":n}}; albums are keyed like the consumer's
 * <prefix>:albums hash (docs/redis-keys.md), since two bands can have
 * albums of the same name.
 */

#include <yajl/yajl_gen.h>

#include "core/app.h"
#include "json_gen.h"
#include "tallies.h"
#include "web.h"
#include "web_job.h"
#include "web_reply.h"

static int	tallies_json(struct http_request *, const struct tallies *);
static int	gen_counts(yajl_gen, const char *, const struct tally *,
		    size_t);

/* GET and HEAD of /api/votes (module.c shares the route with the votes). */
int
tallies_get(struct http_request *req)
{
	struct web_jobs	*wj = viewer_jobs();
	struct web_job	*job;
	int		 rc;

	if (req->hdlr_extra == NULL && wj == NULL)
		return (web_json_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "tallies unavailable: not connected", NULL));
	if (req->hdlr_extra == NULL && (rc = web_jobs_admit(wj,
	    JOB_TALLIES)) != 1)
		return (web_busy(req, rc));
	if ((job = web_job_step(req, wj, JOB_TALLIES, NULL)) == NULL)
		return (KORE_RESULT_RETRY);
	if (job->tallies_rc != 0) {
		kore_log(LOG_NOTICE, "tallies: %s", job->tallies_err);
		http_response_header(req, "retry-after", APP_RETRY_AFTER);
		return (web_json_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "tallies unavailable: Redis is down", NULL));
	}
	return (tallies_json(req, &job->tallies));
}

static int
tallies_json(struct http_request *req, const struct tallies *t)
{
	yajl_gen		 g;

	if ((g = yajl_gen_alloc(NULL)) == NULL)
		goto fail;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_int_member(g, "total", t->total) == -1 ||
	    gen_counts(g, "bands", t->bands, t->nbands) == -1 ||
	    gen_counts(g, "albums", t->albums, t->nalbums) == -1 ||
	    json_gen_str(g, "sources") == -1 ||
	    yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_int_member(g, "rest", t->rest) == -1 ||
	    json_gen_int_member(g, "grpc", t->grpc) == -1 ||
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

	if (json_gen_str(g, key) == -1 ||
	    yajl_gen_map_open(g) != yajl_gen_status_ok)
		return (-1);
	for (i = 0; i < n; i++) {
		if (json_gen_int_member(g, t[i].key, t[i].n) == -1)
			return (-1);
	}
	return (yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -1);
}
