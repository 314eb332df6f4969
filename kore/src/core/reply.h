/* SPDX-License-Identifier: ISC */
/*
 * JSON answers made by yajl's generator (reply.c), for every concern:
 * errors, a vote's contract error, status, the ids of accepted votes.
 */
#ifndef MARIMBA_KORE_CORE_REPLY_H
#define MARIMBA_KORE_CORE_REPLY_H

#include <kore/kore.h>
#include <kore/http.h>

#include <yajl/yajl_gen.h>

#include "vote.h"

int	reply_error(struct http_request *, int, const char *, const char *,
	    long);
int	reply_vote_error(struct http_request *, int,
	    const struct vote_error *);
int	reply_status(struct http_request *, int, const char *, const char *);
int	reply_ids(struct http_request *, int, const struct vote *, size_t,
	    int);
int	reply_method_not_allowed(struct http_request *, const char *);
int	reply_json(struct http_request *, int, yajl_gen);

#endif
