/* SPDX-License-Identifier: ISC */
/*
 * Answers of the log viewer (web_reply.c): HTML with the security
 * headers, JSON errors and documents, a 503 when too busy.
 */
#ifndef MARIMBA_KORE_VIEWER_WEB_REPLY_H
#define MARIMBA_KORE_VIEWER_WEB_REPLY_H

#include <stddef.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <yajl/yajl_gen.h>

void	web_html(struct http_request *, int, struct kore_buf *);
void	web_security_headers(struct http_request *);
int	web_json_error(struct http_request *, int, const char *,
	    const char *);
int	web_json_done(struct http_request *, int, yajl_gen, int);
int	web_busy(struct http_request *);

#endif
