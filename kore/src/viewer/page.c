/* SPDX-License-Identifier: ISC */
/*
 * GET / (the log viewer), GET /fragments/logs and GET /fragments/stats
 * (what htmx fetches every few seconds). The page takes the same query
 * parameters as /api/logs (?band=...&limit=50), so its URL can be
 * shared. Store reads run on a pool thread (web_job.c). The page itself
 * reads Redis only (tallies, series): it never waits for MongoDB, and
 * htmx loads the logs panel. Each good logs table is kept per filter
 * (logs_cache.c); when MongoDB fails, the last one is sent, marked stale
 * with its age. A store that is down only blanks its part of the page.
 */
#include <string.h>
#include <time.h>

#include "core/reply.h"
#include "html.h"
#include "logs_cache.h"
#include "page_render.h"
#include "web.h"
#include "web_job.h"
#include "web_reply.h"

/* The id of the page's filter form: htmx names it in HX-Trigger. */
#define FILTERS_ID	"filters"

#define PAGE_BUF	16384

int	page_index(struct http_request *);
int	fragment_logs(struct http_request *);
int	fragment_stats(struct http_request *);

static int	page_serve(struct http_request *, int);
static void	page_logs(struct http_request *, struct kore_buf *,
		    struct web_job *, struct logs_cache *);
static void	page_push_url(struct http_request *,
		    const struct logs_query *);
static int	page_bad_request(struct http_request *,
		    const struct vote_error *);

int
page_index(struct http_request *req)
{
	return (page_serve(req, JOB_TALLIES | JOB_SERIES | JOB_PAGE));
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
	struct logs_cached	 c;
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
			return (page_bad_request(req, &err));
		if (wj == NULL) {
			return (web_json_error(req,
			    HTTP_STATUS_SERVICE_UNAVAILABLE,
			    "stores not configured", NULL));
		}
		if ((rc = web_jobs_admit(wj, want)) != 1)
			return (web_busy(req, rc));
	}
	if ((job = web_job_step(req, wj, want, &q)) == NULL)
		return (KORE_RESULT_RETRY);

	b = kore_buf_alloc(PAGE_BUF);
	if (want & JOB_LOGS) {
		page_logs(req, b, job, web_jobs_logs_cache(wj));
	} else if (want & JOB_PAGE) {
		memset(&c, 0, sizeof(c));
		c.now = time(NULL);
		c.html = logs_cache_get(web_jobs_logs_cache(wj), &job->q,
		    &c.len, &c.at);
		render_page(b, &job->q, job, &c);
		web_html(req, HTTP_STATUS_OK, b);
	} else {
		render_stats(b, job);
		web_fragment(req, b);
	}
	kore_buf_free(b);
	return (KORE_RESULT_OK);
}

/*
 * The logs table: kept as the filter's last good one when read, else
 * that last one marked stale. For htmx a fragment (with the page's
 * <title> and URL when the filter form asked); for a browser without
 * script (no HX-Request) a page of its own.
 */
static void
page_logs(struct http_request *req, struct kore_buf *b, struct web_job *job,
    struct logs_cache *cache)
{
	struct logs_cached	 c;
	struct kore_buf		*t;
	const char		*v;

	/* A page behind a cursor is not the filter's newest: not kept. */
	if (job->q.before[0] != '\0')
		cache = NULL;
	memset(&c, 0, sizeof(c));
	c.now = time(NULL);
	t = kore_buf_alloc(PAGE_BUF);
	if (job->logs_rc == 0) {
		render_logs(t, &job->q, job);
		/* No memory for the copy: only the stale answer is lost. */
		(void)logs_cache_put(cache, &job->q, t->data, t->offset,
		    c.now);
	} else {
		c.html = logs_cache_get(cache, &job->q, &c.len, &c.at);
	}
	if (!http_request_header(req, "hx-request", &v)) {
		render_logs_doc(b, &job->q, job, &c);
		web_html(req, HTTP_STATUS_OK, b);
		kore_buf_free(t);
		return;
	}
	if (http_request_header(req, "hx-trigger", &v) &&
	    strcmp(v, FILTERS_ID) == 0) {
		render_title(b, &job->q);
		page_push_url(req, &job->q);
	}
	if (job->logs_rc == 0)
		kore_buf_append(b, t->data, t->offset);
	else
		render_logs_stale(b, job->logs_rc, &c);
	kore_buf_free(t);
	web_fragment(req, b);
}

/* The page's own URL for this filter, for htmx to put in the address bar. */
static void
page_push_url(struct http_request *req, const struct logs_query *q)
{
	struct kore_buf	*u;

	u = kore_buf_alloc(256);
	kore_buf_appendf(u, "/?limit=%d", q->limit);
	if (q->band[0] != '\0') {
		kore_buf_appendf(u, "&band=");
		render_url_component(u, q->band);
	}
	if (q->source[0] != '\0') {
		kore_buf_appendf(u, "&source=");
		render_url_component(u, q->source);
	}
	http_response_header(req, "hx-push-url", kore_buf_stringify(u, NULL));
	kore_buf_free(u);
}

static int
page_bad_request(struct http_request *req, const struct vote_error *err)
{
	struct kore_buf	*b;

	b = kore_buf_alloc(1024);
	kore_buf_appendf(b, "<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>marimba · bad request</title>"
	    "<link rel=\"stylesheet\" href=\"/assets/marimba.css\"></head>"
	    "<body><main class=\"wrap\"><h1>Bad request</h1>"
	    "<p class=\"down\">");
	render_esc(b, err->message);
	kore_buf_appendf(b, "</p><p><a href=\"/\">Back to the live votes</a>"
	    "</p></main></body></html>\n");
	web_html(req, HTTP_STATUS_BAD_REQUEST, b);
	kore_buf_free(b);
	return (KORE_RESULT_OK);
}
