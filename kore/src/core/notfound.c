/* SPDX-License-Identifier: ISC */
/*
 * The catch-all route (last in the configuration): any path no other route
 * matched gets a JSON 404 instead of Kore's own page.
 */
#include "reply.h"

int	not_found(struct http_request *);

int
not_found(struct http_request *req)
{
	return (reply_error(req, HTTP_STATUS_NOT_FOUND, "no such resource",
	    NULL, -1));
}
