/* SPDX-License-Identifier: ISC */
/*
 * GET / (the log viewer), GET /fragments/logs and GET /fragments/stats
 * (what htmx fetches every few seconds). The page takes the same query
 * parameters as /api/logs (?band=...&limit=50), so its URL can be
 * shared. Store reads run on a task thread (web_job.c); a store that is
 * down only blanks its part of the page.
 */
#include <string.h>

#include "core/reply.h"
#include "html.h"
#include "page_render.h"
#include "web.h"
#include "web_job.h"
#include "web_reply.h"

#define PAGE_BUF	16384

int	page_index(struct http_request *);
int	fragment_logs(struct http_request *);
int	fragment_stats(struct http_request *);

static int	page_serve(struct http_request *, int);
static int	page_bad_request(struct http_request *,
		    const struct vote_error *);

int
page_index(struct http_request *req)
{
	return (page_serve(req, JOB_LOGS | JOB_TALLIES | JOB_SERIES));
}

int
fragment_logs(struct http_request *req)
{
	return (page_serve(req, JOB_LOGS));
}

int
fragment_stats(struct http_request *req)
{
	return (page_serve(req, JOB_TALLIES | JOB_SERIES));
}

static int
page_serve(struct http_request *req, int want)
{
	struct web_jobs		*wj = viewer_jobs();
	struct web_job		*job;
	struct logs_query	 q;
	struct vote_error	 err;
	struct kore_buf		*b;
	const char		*qs;

	memset(&q, 0, sizeof(q));
	if (req->hdlr_extra == NULL) {
		if (req->method != HTTP_METHOD_GET &&
		    req->method != HTTP_METHOD_HEAD)
			return (reply_method_not_allowed(req, "GET, HEAD"));
		qs = req->query_string;
		if (logs_query_parse(qs, qs == NULL ? 0 : strlen(qs), &q,
		    &err) == -1)
			return (page_bad_request(req, &err));
		if (wj == NULL) {
			return (web_json_error(req,
			    HTTP_STATUS_SERVICE_UNAVAILABLE,
			    "stores not configured", NULL));
		}
		if (!web_jobs_admit(wj))
			return (web_busy(req));
	}
	if ((job = web_job_step(req, wj, want, &q)) == NULL)
		return (KORE_RESULT_RETRY);

	b = kore_buf_alloc(PAGE_BUF);
	if (want == JOB_LOGS)
		render_logs(b, &job->q, job);
	else if (!(want & JOB_LOGS))
		render_stats(b, job);
	else
		render_page(b, &job->q, job);
	web_html(req, HTTP_STATUS_OK, b);
	kore_buf_free(b);
	return (KORE_RESULT_OK);
}

static int
page_bad_request(struct http_request *req, const struct vote_error *err)
{
	struct kore_buf	*b;

	b = kore_buf_alloc(1024);
	kore_buf_appendf(b, "<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>marimba · bad request</title>"
	    "<link rel=\"stylesheet\" href=\"/assets/marimba.css\"></head>"
	    "<body><main class=\"wrap\"><h1>Bad request</h1><p class=\"down\">");
	render_esc(b, err->message);
	kore_buf_appendf(b, "</p><p><a href=\"/\">Back to the live votes</a>"
	    "</p></main></body></html>\n");
	web_html(req, HTTP_STATUS_BAD_REQUEST, b);
	kore_buf_free(b);
	return (KORE_RESULT_OK);
}
