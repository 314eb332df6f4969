/*
 * GET /healthz (the process answers) and GET /readyz (Kafka answered a
 * metadata request within the last check; see readiness.c).
 */
#include "app.h"

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
	struct app	*app = app_get();

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
		return (reply_method_not_allowed(req, "GET, HEAD"));
	/* Kafka here; Redis and MongoDB from the log viewer's checks. */
	return (web_readyz(req, !app->stopping && app->readiness != NULL &&
	    readiness_kafka_up(app->readiness)));
}
