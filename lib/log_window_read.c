/* SPDX-License-Identifier: ISC */
/*
 * The log window's reader (log_window.h): one EVAL of
 * log_window_read.lua on the caller's connection (the log viewer's pool
 * threads share no script state; Redis caches the compiled script), so a
 * page costs one round trip and O(log window + page) in Redis, and each
 * member is parsed back into a log (log_window_doc.c). The page of every
 * log is merged from the two source windows.
 */
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "log_window.h"
#include "log_window_int.h"

extern const char	log_window_read_lua[];

int
log_window_read(redisContext *c, const char *prefix,
    const struct logs_query *q, struct log_entry *out, size_t *n, int *more,
    char *err, size_t errlen)
{
	static const char *const sources[] = { "rest", "grpc" };
	redisReply	*r, *e;
	/* built, bands, cut, then the windows: one, or both sources. */
	char		 keys[5][LW_KEY_MAX], numkeys[8], want[24];
	char		 max[VOTE_ID_LEN + 2];
	const char	*argv[11];
	size_t		 i, nkeys;
	int		 argc, rc;

	*n = 0;
	*more = 0;
	if (q->band[0] != '\0' && q->source[0] != '\0')
		return (0);	/* no window for both at once */
	(void)snprintf(keys[0], sizeof(keys[0]), "%s:logwin:built", prefix);
	(void)snprintf(keys[1], sizeof(keys[1]), "%s:logwin:bands", prefix);
	(void)snprintf(keys[2], sizeof(keys[2]), "%s:logwin:cut", prefix);
	nkeys = 3;
	if (q->band[0] != '\0')
		(void)snprintf(keys[nkeys++], sizeof(keys[0]),
		    "%s:logwin:band:%s", prefix, q->band);
	else if (q->source[0] != '\0')
		(void)snprintf(keys[nkeys++], sizeof(keys[0]),
		    "%s:logwin:source:%s", prefix, q->source);
	else
		for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
			(void)snprintf(keys[nkeys++], sizeof(keys[0]),
			    "%s:logwin:source:%s", prefix, sources[i]);
	if (q->before[0] != '\0')
		(void)snprintf(max, sizeof(max), "(%s", q->before);
	else
		(void)snprintf(max, sizeof(max), "+");
	(void)snprintf(numkeys, sizeof(numkeys), "%zu", nkeys);
	(void)snprintf(want, sizeof(want), "%d", q->limit + 1);

	argc = 0;
	argv[argc++] = "EVAL";
	argv[argc++] = log_window_read_lua;
	argv[argc++] = numkeys;
	for (i = 0; i < nkeys; i++)
		argv[argc++] = keys[i];
	argv[argc++] = q->band;
	argv[argc++] = max;
	argv[argc++] = want;
	r = redisCommandArgv(c, argc, argv, NULL);
	if (r == NULL) {
		(void)snprintf(err, errlen, "redis: %s", c->errstr);
		return (-1);
	}
	rc = -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->elements > (size_t)q->limit + 2) {
		(void)snprintf(err, errlen, "log window: %s",
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		goto done;
	}
	rc = 0;
	if (r->element[0]->integer != 1)
		goto done;
	for (i = 1; i < r->elements; i++) {
		e = r->element[i];
		if (*n == (size_t)q->limit) {
			*more = 1;	/* the one past the page */
			break;
		}
		if (e->type != REDIS_REPLY_STRING ||
		    log_window_member_parse(e->str, e->len, &out[*n]) == -1) {
			(void)snprintf(err, errlen, "log window: a member "
			    "that is not a log");
			rc = -1;
			*n = 0;
			goto done;
		}
		(*n)++;
	}
	rc = 1;
done:
	freeReplyObject(r);
	return (rc);
}
