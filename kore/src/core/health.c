/*
 * GET /healthz (the process answers) and GET /readyz: 200 when every
 * check the concerns report (Kafka from the votes, Redis and MongoDB
 * from the log viewer) is up, else 503; the body lists each check.
 */
#include <string.h>

#include <yajl/yajl_gen.h>

#include "app.h"
#include "reply.h"

int	healthz(struct http_request *);
int	readyz(struct http_request *);

static int	gen_key(yajl_gen, const char *);

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
	size_t			 i;
	int			 ready;

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
		return (reply_method_not_allowed(req, "GET, HEAD"));
	memset(&r, 0, sizeof(r));
	for (i = 0; i < app->nconcerns; i++) {
		if (app->concern[i]->ready != NULL)
			app->concern[i]->ready(app, &r);
	}
	ready = 1;
	for (i = 0; i < r.n; i++)
		ready = ready && r.check[i].up;

	if ((g = yajl_gen_alloc(NULL)) == NULL)
		goto fail;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    gen_key(g, "status") == -1 ||
	    gen_key(g, ready ? "ok" : "unavailable") == -1)
		goto fail;
	for (i = 0; i < r.n; i++) {
		if (gen_key(g, r.check[i].name) == -1 ||
		    gen_key(g, r.check[i].state != NULL ? r.check[i].state :
		    r.check[i].up ? "up" : "down") == -1)
			goto fail;
	}
	if (yajl_gen_map_close(g) != yajl_gen_status_ok)
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
gen_key(yajl_gen g, const char *s)
{
	if (yajl_gen_string(g, (const unsigned char *)s, strlen(s)) !=
	    yajl_gen_status_ok)
		return (-1);
	return (0);
}
