/* SPDX-License-Identifier: ISC */
/*
 * Answers of the log viewer: HTML always with the security headers (a
 * strict Content-Security-Policy: no inline script or style anywhere),
 * gzip'd when the client takes it; the fragments htmx polls carry an
 * ETag of their content and are a bodiless 304 when the client already
 * shows it; JSON errors {"error":"...","field":"..."} (made by reply.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/front.h"
#include "core/reply.h"
#include "gzip.h"
#include "store_mongo.h"
#include "web_reply.h"

/* Smaller answers are sent as they are: gzip would not pay. */
#define WEB_GZIP_MIN	512

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
	const char	*ae;
	uint8_t		*gz;
	size_t		 gzlen;

	web_security_headers(req);
	http_response_header(req, "content-type", "text/html; charset=utf-8");
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "vary", "Accept-Encoding");
	if (buf->offset >= WEB_GZIP_MIN &&
	    http_request_header(req, "accept-encoding", &ae) &&
	    gzip_accepted(ae) &&
	    gzip_compress(buf->data, buf->offset, &gz, &gzlen) == 0) {
		http_response_header(req, "content-encoding", "gzip");
		front_response(req, status, gz, gzlen);
		free(gz);
		return;
	}
	/* No gzip (or no memory for it): the answer as it is. */
	front_response(req, status, buf->data, buf->offset);
}

/* The ETag of a fragment's HTML: W/"<16 hex digits of FNV-1a>". */
void
web_etag(const void *data, size_t len, char etag[WEB_ETAG_LEN])
{
	const uint8_t	*p = data;
	uint64_t	 h;
	size_t		 i;

	h = 0xcbf29ce484222325ULL;
	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	(void)snprintf(etag, WEB_ETAG_LEN, "W/\"%016llx\"",
	    (unsigned long long)h);
}

/*
 * A fragment htmx swaps in: 200 with an ETag (a 64-bit FNV-1a hash of
 * the HTML; weak, as it names the gzip'd answer too), or 304 and no
 * body when If-None-Match names that ETag, that is when the client
 * shows exactly this already. The page's script sends If-None-Match
 * itself (the answers are no-store, so the browser's cache never does),
 * and htmx is told not to swap on a 304.
 */
void
web_fragment(struct http_request *req, struct kore_buf *buf)
{
	const char	*inm;
	char		 etag[WEB_ETAG_LEN];

	web_etag(buf->data, buf->offset, etag);
	http_response_header(req, "etag", etag);
	if (http_request_header(req, "if-none-match", &inm) &&
	    strcmp(inm, etag) == 0) {
		/* No body: none of the page's headers, few bytes. */
		http_response_header(req, "cache-control", "no-store");
		front_response(req, HTTP_STATUS_NOT_MODIFIED, NULL, 0);
		return;
	}
	web_html(req, HTTP_STATUS_OK, buf);
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

/*
 * Too many store reads waiting already (why: web_jobs_admit's 0), or
 * every log read slot of all workers taken (-1): come back in a second.
 */
int
web_busy(struct http_request *req, int why)
{
	http_response_header(req, "retry-after", APP_RETRY_AFTER);
	return (web_json_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
	    why == -1 ? LOGS_BUSY_MSG : "busy, retry later", NULL));
}
