/* SPDX-License-Identifier: ISC */
/*
 * Implements redis_side.h with hiredis (blocking, with timeouts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "redis_side.h"

#define REDIS_CONNECT_TIMEOUT_S	2
#define REDIS_IO_TIMEOUT_S	30	/* HGETALL of a large hash */

redisContext *
redis_side_connect(const struct marimba_config *cfg, char *err, size_t errlen)
{
	redisContext	*c;
	struct timeval	 tv;

	tv.tv_sec = REDIS_CONNECT_TIMEOUT_S;
	tv.tv_usec = 0;
	c = redisConnectWithTimeout(cfg->redis_host, cfg->redis_port, tv);
	if (c == NULL) {
		(void)snprintf(err, errlen, "redis: out of memory");
		return (NULL);
	}
	tv.tv_sec = REDIS_IO_TIMEOUT_S;
	if (c->err != 0 || redisSetTimeout(c, tv) != REDIS_OK) {
		(void)snprintf(err, errlen, "redis %s:%d: %s", cfg->redis_host,
		    cfg->redis_port, c->errstr);
		redisFree(c);
		return (NULL);
	}
	return (c);
}

void
redis_side_key(char *dst, const char *prefix, const char *name)
{
	(void)snprintf(dst, REDIS_SIDE_KEY_MAX, "%s:%s", prefix, name);
}

int
redis_side_hash(const redisReply *r, struct count_map *m)
{
	const redisReply	*f, *v;
	size_t			 i;

	if (r->type != REDIS_REPLY_ARRAY)
		return (-1);
	for (i = 0; i + 1 < r->elements; i += 2) {
		f = r->element[i];
		v = r->element[i + 1];
		if (f->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING)
			return (-1);
		if (count_map_add(m, f->str, f->len,
		    strtoll(v->str, NULL, 10)) == -1)
			return (-1);
	}
	return (0);
}

int
redis_side_tally(redisContext *c, const char *prefix, int multi,
    struct tally *t, char *err, size_t errlen)
{
	redisReply	*r, *ex, *replies[4];
	char		 key[REDIS_SIDE_KEY_MAX];
	const char	*names[] = { "bands", "albums", "sources" };
	struct count_map *maps[3];
	size_t		 i, j;
	int		 rv;

	tally_init(t);
	maps[0] = &t->bands;
	maps[1] = &t->albums;
	maps[2] = &t->sources;
	if (multi)
		(void)redisAppendCommand(c, "MULTI");
	redis_side_key(key, prefix, "total");
	(void)redisAppendCommand(c, "GET %s", key);
	for (i = 0; i < 3; i++) {
		redis_side_key(key, prefix, names[i]);
		(void)redisAppendCommand(c, "HGETALL %s", key);
	}
	if (multi)
		(void)redisAppendCommand(c, "EXEC");
	rv = 0;
	memset(replies, 0, sizeof(replies));
	for (i = 0; i < (multi ? 6U : 4U); i++) {
		if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
			(void)snprintf(err, errlen, "redis: %s", c->errstr);
			rv = -1;
			break;
		}
		if (r->type == REDIS_REPLY_ERROR && rv == 0) {
			(void)snprintf(err, errlen, "redis: %s", r->str);
			rv = -1;
		}
		if (!multi)
			replies[i] = r;
		else if (i == 5)
			replies[0] = r;
		else
			freeReplyObject(r);
	}
	/* With MULTI the four answers are the elements of EXEC's. */
	ex = replies[0];
	if (rv == 0 && multi && (ex->type != REDIS_REPLY_ARRAY ||
	    ex->elements != 4)) {
		(void)snprintf(err, errlen, "redis: transaction failed");
		rv = -1;
	}
	for (j = 0; rv == 0 && j < 4; j++) {
		r = multi ? ex->element[j] : replies[j];
		if (r->type == REDIS_REPLY_ERROR) {
			(void)snprintf(err, errlen, "redis: %s", r->str);
			rv = -1;
		} else if (j == 0)
			t->total = r->type == REDIS_REPLY_STRING ?
			    strtoll(r->str, NULL, 10) : 0;
		else if (redis_side_hash(r, maps[j - 1]) == -1) {
			(void)snprintf(err, errlen, "redis: %s: not a hash "
			    "of counts", names[j - 1]);
			rv = -1;
		}
	}
	for (j = 0; j < 4; j++) {
		if (replies[j] != NULL)
			freeReplyObject(replies[j]);
	}
	if (rv == -1)
		tally_free(t);
	return (rv);
}

int
redis_side_seen(redisContext *c, const char *prefix,
    char (*ids)[VOTE_ID_LEN + 1], size_t n, char *present, char *err,
    size_t errlen)
{
	redisReply	*r;
	size_t		 i;
	int		 rv;

	for (i = 0; i < n; i++)
		(void)redisAppendCommand(c, "EXISTS %s:seen:%s", prefix,
		    ids[i]);
	rv = 0;
	for (i = 0; i < n; i++) {
		if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
			(void)snprintf(err, errlen, "redis: %s", c->errstr);
			return (-1);
		}
		if (r->type != REDIS_REPLY_INTEGER) {
			if (rv == 0)
				(void)snprintf(err, errlen, "redis: EXISTS: "
				    "%s", r->type == REDIS_REPLY_ERROR ?
				    r->str : "unexpected reply");
			rv = -1;
		} else
			present[i] = r->integer == 1;
		freeReplyObject(r);
	}
	return (rv);
}
