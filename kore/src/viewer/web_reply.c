/* SPDX-License-Identifier: ISC */
/*
 * Answers of the log viewer: HTML always with the security headers (a
 * strict Content-Security-Policy: no inline script or style anywhere),
 * and JSON errors {"error":"...","field":"..."} (made by reply.c).
 */
#include <stdio.h>
#include <string.h>

#include "core/app.h"
#include "core/front.h"
#include "core/reply.h"
#include "web_reply.h"

#define WEB_CSP	"default-src 'self'; script-src 'self'; style-src 'self'; " \
		"img-src 'self' data:; object-src 'none'; base-uri 'none'; " \
		"frame-ancestors 'none'"

void
web_security_headers(struct http_request *req)
{
	http_response_header(req, "content-security-policy", WEB_CSP);
	http_response_header(req, "referrer-policy", "no-referrer");
	http_response_header(req, "x-frame-options", "DENY");
}

void
web_html(struct http_request *req, int status, struct kore_buf *buf)
{
	web_security_headers(req);
	http_response_header(req, "content-type", "text/html; charset=utf-8");
	http_response_header(req, "cache-control", "no-store");
	front_response(req, status, buf->data, buf->offset);
}

/* {"error":...,"field":...} (field left out when NULL or ""). */
int
web_json_error(struct http_request *req, int status, const char *message,
    const char *field)
{
	return (reply_error(req, status, message, field, -1));
}

/*
 * The end of a JSON answer made with yajl: when ok, g's document with
 * status; otherwise (or when g holds none) a 500 {"error":"cannot make
 * the answer"}. Frees g (which may be NULL).
 */
int
web_json_done(struct http_request *req, int status, yajl_gen g, int ok)
{
	if (ok && g != NULL && reply_json(req, status, g) == 0) {
		yajl_gen_free(g);
		return (KORE_RESULT_OK);
	}
	if (g != NULL)
		yajl_gen_free(g);
	return (web_json_error(req, HTTP_STATUS_INTERNAL_ERROR,
	    "cannot make the answer", NULL));
}

/* Too many store reads waiting already: come back in a second. */
int
web_busy(struct http_request *req)
{
	http_response_header(req, "retry-after", APP_RETRY_AFTER);
	return (web_json_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
	    "busy, retry later", NULL));
}
