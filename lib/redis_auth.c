/* SPDX-License-Identifier: ISC */
/*
 * AUTH on a new Redis connection when a password is configured.
 */
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "redis_auth.h"

int
marimba_redis_auth(redisContext *c, const char *password, char *err,
    size_t errlen)
{
	redisReply	*r;
	int		 rc;

	if (password == NULL || *password == '\0')
		return (0);
	/* %b: the password goes as one argument, spaces and all. */
	r = redisCommand(c, "AUTH %b", password, strlen(password));
	if (r == NULL) {
		(void)snprintf(err, errlen, "redis auth: %s",
		    c->err != 0 ? c->errstr : "no reply");
		return (-1);
	}
	rc = 0;
	if (r->type == REDIS_REPLY_ERROR) {
		(void)snprintf(err, errlen, "redis auth: %.*s",
		    (int)r->len, r->str);
		rc = -1;
	} else if (r->type != REDIS_REPLY_STATUS ||
	    strcmp(r->str, "OK") != 0) {
		(void)snprintf(err, errlen, "redis auth: unexpected reply "
		    "type %d", r->type);
		rc = -1;
	}
	freeReplyObject(r);
	return (rc);
}
