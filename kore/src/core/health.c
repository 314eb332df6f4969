/* SPDX-License-Identifier: ISC */
/*
 * GET /healthz (the process answers) and GET /readyz: 200 when no check
 * the concerns report (Kafka from the votes, Redis and MongoDB from the
 * log viewer) is down, else 503; the body lists each check. A check
 * that answers but whose reads fail is "degraded": still 200, with
 * "status":"degraded", since votes are still taken.
 */

#include <yajl/yajl_gen.h>

#include "app.h"
#include "front.h"
#include "json_gen.h"
#include "reply.h"

int	healthz(struct http_request *);
int	readyz(struct http_request *);

int
healthz(struct http_request *req)
{
	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
		return (reply_method_not_allowed(req, "GET, HEAD"));
	return (reply_status(req, HTTP_STATUS_OK, "ok", NULL));
}

int
readyz(struct http_request *req)
{
	struct app		*app = app_get();
	struct app_ready	 r;
	yajl_gen		 g;
	const char		*status;
	size_t			 i;
	int			 ready, degraded;

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
		return (reply_method_not_allowed(req, "GET, HEAD"));
	app_ready_collect(app, &r);
	ready = 1;
	degraded = 0;
	for (i = 0; i < r.n; i++) {
		ready = ready && r.check[i].state != APP_CHECK_DOWN;
		degraded = degraded || r.check[i].state == APP_CHECK_DEGRADED;
	}
	status = !ready ? "unavailable" : degraded ? "degraded" : "ok";

	if ((g = yajl_gen_alloc(NULL)) == NULL)
		goto fail;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_str_member(g, "status", status) == -1)
		goto fail;
	for (i = 0; i < r.n; i++) {
		if (json_gen_str(g, r.check[i].name) == -1 ||
		    json_gen_str(g, r.check[i].note != NULL ? r.check[i].note :
		    app_check_text(r.check[i].state)) == -1)
			goto fail;
	}
	if (yajl_gen_map_close(g) != yajl_gen_status_ok)
		goto fail;
	if (!ready)
		http_response_header(req, "retry-after", APP_RETRY_AFTER);
	if (reply_json(req, ready ? HTTP_STATUS_OK :
	    HTTP_STATUS_SERVICE_UNAVAILABLE, g) == -1)
		goto fail;
	yajl_gen_free(g);
	return (KORE_RESULT_OK);
fail:
	if (g != NULL)
		yajl_gen_free(g);
	front_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
	return (KORE_RESULT_OK);
}
