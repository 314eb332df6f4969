/* SPDX-License-Identifier: ISC */
/*
 * Requests of POST /api/votes parked until librdkafka reports on each of
 * their messages: the delivery reports count acks and wake the request
 * after the last one; a request whose client went away is detached so
 * late reports never touch it, and the last reference frees the context.
 */
#include <stdlib.h>

#include "parked.h"

static void	votes_onfree(struct http_request *);

void
votes_park(struct votes_parked *list, struct votes_ctx *ctx)
{
	struct http_request	*req = ctx->req;

	req->hdlr_extra = ctx;
	req->onfree = votes_onfree;
	LIST_INSERT_HEAD(list, ctx, list);
	ctx->parked = 1;
	http_request_sleep(req);
}

void
votes_delivered(void *opaque, int err, const char *reason, void *arg)
{
	struct votes_ctx	*ctx = opaque;

	(void)arg;
	if (ctx == NULL)
		return;
	if (err == 0)
		ctx->acked++;
	else if (!ctx->failed) {
		ctx->failed = 1;
		kore_log(LOG_NOTICE, "votes: delivery failed: %s", reason);
	}

	if (ctx->outstanding > 0)
		ctx->outstanding--;
	if (ctx->outstanding > 0)
		return;
	if (ctx->req != NULL)
		http_request_wakeup(ctx->req);
	else
		votes_ctx_release(ctx);
}

/*
 * Shutdown after the flush: wakes every request still waiting so it is
 * answered (503 unless all its votes were acknowledged).
 */
void
votes_fail_parked(struct votes_parked *list)
{
	struct votes_ctx	*ctx;

	LIST_FOREACH(ctx, list, list) {
		if (ctx->req != NULL && ctx->outstanding > 0)
			http_request_wakeup(ctx->req);
	}
}

/* Requests waiting for their delivery reports. */
size_t
votes_parked_count(struct votes_parked *list)
{
	struct votes_ctx	*ctx;
	size_t			 n;

	n = 0;
	LIST_FOREACH(ctx, list, list) {
		if (ctx->req != NULL && ctx->outstanding > 0)
			n++;
	}
	return (n);
}

/* Kore frees the request: detach so late reports never touch it. */
static void
votes_onfree(struct http_request *req)
{
	struct votes_ctx	*ctx = req->hdlr_extra;

	req->hdlr_extra = NULL;
	req->onfree = NULL;
	if (ctx == NULL)
		return;
	ctx->req = NULL;
	if (ctx->outstanding > 0) {
		kore_log(LOG_NOTICE, "votes: client gone with %zu votes in "
		    "flight", ctx->outstanding);
	}
	if (ctx->outstanding == 0)
		votes_ctx_release(ctx);
}

void
votes_ctx_release(struct votes_ctx *ctx)
{
	if (ctx->req != NULL || ctx->outstanding > 0)
		return;
	if (ctx->parked)
		LIST_REMOVE(ctx, list);
	free(ctx->votes);
	free(ctx);
}
