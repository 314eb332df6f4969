/* SPDX-License-Identifier: ISC */
/*
 * Answers of the log viewer (web_reply.c): HTML with the security
 * headers (gzip'd when taken), fragments with an ETag, JSON errors and
 * documents, a 503 when too busy.
 */
#ifndef MARIMBA_KORE_VIEWER_WEB_REPLY_H
#define MARIMBA_KORE_VIEWER_WEB_REPLY_H

#include <stddef.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <yajl/yajl_gen.h>

/* Bytes of an ETag with its NUL. */
#define WEB_ETAG_LEN	24

void	web_html(struct http_request *, int, struct kore_buf *);
void	web_etag(const void *, size_t, char [WEB_ETAG_LEN]);
void	web_fragment(struct http_request *, struct kore_buf *);
void	web_security_headers(struct http_request *);
int	web_json_error(struct http_request *, int, const char *,
	    const char *);
int	web_json_done(struct http_request *, int, yajl_gen, int);
int	web_busy(struct http_request *, int);

#endif
