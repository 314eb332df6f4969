/* SPDX-License-Identifier: ISC */
/*
 * GET /api/logs?limit=&band=&source=&before=: the newest logs first, as
 * {"logs":[{"_id":...},...],"next":"<cursor>"|null}. The cursor is the
 * last log's vote id; "next" is null on the last page. Parameters are
 * checked by logs_query_parse (lib/); any bad one is a 400.
 */
#include <string.h>

#include <yajl/yajl_gen.h>

#include "core/app.h"
#include "core/reply.h"
#include "json_gen.h"
#include "web.h"
#include "web_job.h"
#include "web_reply.h"
#include "web_time.h"

int	logs_api(struct http_request *);

static int	logs_json(struct http_request *, const struct web_job *);

int
logs_api(struct http_request *req)
{
	struct web_jobs		*wj = viewer_jobs();
	struct web_job		*job;
	struct logs_query	 q;
	struct vote_error	 err;
	const char		*qs;
	int			 rc;

	memset(&q, 0, sizeof(q));
	if (req->hdlr_extra == NULL) {
		if (req->method != HTTP_METHOD_GET &&
		    req->method != HTTP_METHOD_HEAD)
			return (reply_method_not_allowed(req, "GET, HEAD"));
		qs = req->query_string;
		if (logs_query_parse(qs, qs == NULL ? 0 : strlen(qs), &q,
		    &err) == -1)
			return (web_json_error(req, HTTP_STATUS_BAD_REQUEST,
			    err.message, err.field));
		if (wj == NULL)
			return (web_json_error(req,
			    HTTP_STATUS_SERVICE_UNAVAILABLE,
			    "logs unavailable: not connected", NULL));
		if ((rc = web_jobs_admit(wj, JOB_LOGS)) != 1)
			return (web_busy(req, rc));
	}
	if ((job = web_job_step(req, wj, JOB_LOGS, &q)) == NULL)
		return (KORE_RESULT_RETRY);
	if (job->logs_rc != 0) {
		kore_log(LOG_NOTICE, "logs: %s", job->logs_err);
		http_response_header(req, "retry-after", APP_RETRY_AFTER);
		return (web_json_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    LOGS_DOWN_MSG(job->logs_rc), NULL));
	}
	return (logs_json(req, job));
}

static int
logs_json(struct http_request *req, const struct web_job *job)
{
	const struct log_entry	*e;
	yajl_gen		 g;
	size_t			 i;
	char			 when[WEB_TIME_ISO_LEN];

	if ((g = yajl_gen_alloc(NULL)) == NULL)
		goto fail;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_str(g, "logs") == -1 ||
	    yajl_gen_array_open(g) != yajl_gen_status_ok)
		goto fail;
	for (i = 0; i < job->nlogs; i++) {
		e = &job->logs[i];
		(void)web_time_iso(e->accepted_ms, when, sizeof(when));
		if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
		    json_gen_str_member(g, "_id", e->id) == -1 ||
		    json_gen_str_member(g, "name", e->name) == -1 ||
		    json_gen_str_member(g, "album", e->album) == -1 ||
		    json_gen_int_member(g, "year", e->year) == -1 ||
		    json_gen_int_member(g, "rank", e->rank) == -1 ||
		    json_gen_str_member(g, "source", e->source) == -1 ||
		    json_gen_str_member(g, "accepted_at", when) == -1 ||
		    yajl_gen_map_close(g) != yajl_gen_status_ok)
			goto fail;
	}
	if (yajl_gen_array_close(g) != yajl_gen_status_ok ||
	    json_gen_str(g, "next") == -1)
		goto fail;
	if (job->more && job->nlogs > 0) {
		if (json_gen_str(g, job->logs[job->nlogs - 1].id) == -1)
			goto fail;
	} else if (yajl_gen_null(g) != yajl_gen_status_ok)
		goto fail;
	if (yajl_gen_map_close(g) != yajl_gen_status_ok)
		goto fail;
	return (web_json_done(req, HTTP_STATUS_OK, g, 1));
fail:
	return (web_json_done(req, HTTP_STATUS_OK, g, 0));
}
