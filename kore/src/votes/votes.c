/* SPDX-License-Identifier: ISC */
/*
 * POST /api/votes: checks the request, parses and validates the whole body
 * (one vote or an array), produces every vote to Kafka and parks the
 * request until librdkafka reports on each message. 202 with the ids only
 * when every vote was acknowledged by the broker, 503 otherwise.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/app.h"
#include "core/metrics.h"
#include "core/reply.h"
#include "idem_key.h"
#include "ingest.h"
#include "parked.h"
#include "vote.h"
#include "vote_id.h"
#include "vote_producer.h"
#include "votes.h"

static int	votes_start(struct app *, struct votes *,
		    struct http_request *);
static int	votes_finish(struct app *, struct http_request *,
		    struct votes_ctx *);
static int	votes_content_type_ok(struct http_request *);
static int	votes_read_body(struct http_request *, size_t, uint8_t **,
		    size_t *);
static int	votes_key(struct app *, struct http_request *,
		    struct idem_key *, char *, size_t);

/*
 * POST only (module.c sends GET and HEAD of the route to the viewer).
 * The worker's votes state exists from its start to its exit, which is
 * when Kore runs handlers; app->stopping refuses new votes at the end.
 */
int
votes_api_post(struct http_request *req)
{
	struct app		*app = app_get();
	struct votes		*v = votes_state();
	struct votes_ctx	*ctx;

	if ((ctx = req->hdlr_extra) != NULL)
		return (votes_finish(app, req, ctx));
	return (votes_start(app, v, req));
}

static int
votes_start(struct app *app, struct votes *v, struct http_request *req)
{
	struct votes_ctx	*ctx;
	struct vote		*votes;
	struct vote_error	 verr;
	struct idem_key		 key;
	enum vote_status	 st;
	enum vote_send_status	 sst;
	uint8_t			*body;
	char			 why[256];
	size_t			 len, count, i;
	int			 batch, keyed;

	if (!votes_content_type_ok(req)) {
		return (reply_error(req, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type must be application/json", NULL, -1));
	}
	if (req->http_body_length > app->cfg.max_body) {
		return (reply_error(req, HTTP_STATUS_REQUEST_ENTITY_TOO_LARGE,
		    "request body too large", NULL, -1));
	}
	if (app->stopping) {
		http_response_header(req, "retry-after", APP_RETRY_AFTER);
		return (reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "shutting down", NULL, -1));
	}

	if ((keyed = votes_key(app, req, &key, why, sizeof(why))) == -1) {
		return (reply_error(req, HTTP_STATUS_BAD_REQUEST, why,
		    "Idempotency-Key", -1));
	}

	switch (votes_read_body(req, app->cfg.max_body, &body, &len)) {
	case 0:
		break;
	case 1:
		return (reply_error(req, HTTP_STATUS_REQUEST_ENTITY_TOO_LARGE,
		    "request body too large", NULL, -1));
	default:
		return (reply_error(req, HTTP_STATUS_INTERNAL_ERROR,
		    "cannot read the request body", NULL, -1));
	}

	memset(&verr, 0, sizeof(verr));
	verr.index = -1;
	votes = NULL;
	count = 0;
	st = vote_parse_json_batch(body, len, &v->limits, &votes, &count,
	    &verr);
	batch = vote_json_is_array(body, len);
	free(body);
	switch (st) {
	case VOTE_OK:
		break;
	case VOTE_ETOOBIG:
		return (reply_vote_error(req,
		    HTTP_STATUS_REQUEST_ENTITY_TOO_LARGE, &verr));
	case VOTE_EINVAL:
		return (reply_vote_error(req, HTTP_STATUS_BAD_REQUEST, &verr));
	default:
		return (reply_error(req, HTTP_STATUS_INTERNAL_ERROR,
		    "out of memory", NULL, -1));
	}

	if (idem_votes_accept(votes, count, "rest", keyed ? &key : NULL) ==
	    -1) {
		free(votes);
		return (reply_error(req, HTTP_STATUS_INTERNAL_ERROR,
		    "cannot make a vote id", NULL, -1));
	}

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		free(votes);
		return (reply_error(req, HTTP_STATUS_INTERNAL_ERROR,
		    "out of memory", NULL, -1));
	}
	ctx->req = req;
	ctx->votes = votes;
	ctx->count = count;
	ctx->batch = batch;

	for (i = 0; i < count; i++) {
		sst = vote_producer_send(v->producer, &votes[i], ctx);
		if (sst != VOTE_SEND_OK)
			break;
		ctx->outstanding++;
	}

	if (i < count) {
		/*
		 * Answer now. Messages already enqueued still report to ctx,
		 * which is freed by the last of those reports.
		 */
		ctx->req = NULL;
		votes_ctx_release(ctx);
		kore_log(LOG_NOTICE, "votes: %s after %zu of %zu votes",
		    sst == VOTE_SEND_FULL ? "producer queue full" :
		    "cannot enqueue", i, count);
		http_response_header(req, "retry-after", APP_RETRY_AFTER);
		return (reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    sst == VOTE_SEND_FULL ? "busy, retry later" :
		    "cannot queue votes for Kafka", NULL, -1));
	}

	votes_park(&v->parked, ctx);
	return (KORE_RESULT_RETRY);
}

/* Runs when the request is woken: every message has been reported. */
static int
votes_finish(struct app *app, struct http_request *req,
    struct votes_ctx *ctx)
{
	if (ctx->outstanding > 0 && !app->stopping) {
		/* Woken by something else: keep waiting. */
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}
	if (ctx->outstanding == 0 && ctx->acked == ctx->count) {
		metrics_votes_accepted(app, ctx->count);
		return (reply_ids(req, HTTP_STATUS_ACCEPTED, ctx->votes,
		    ctx->count, ctx->batch));
	}
	http_response_header(req, "retry-after", APP_RETRY_AFTER);
	return (reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
	    "Kafka did not acknowledge every vote; retry the request", NULL,
	    -1));
}

/*
 * Copies the body into *out (freed by the caller). Returns 0, 1 if it is
 * longer than max bytes, -1 on error.
 */
static int
votes_read_body(struct http_request *req, size_t max, uint8_t **out,
    size_t *outlen)
{
	uint8_t		*buf;
	size_t		 cap, len;
	ssize_t		 n;

	*out = NULL;
	*outlen = 0;
	/* One byte more than expected tells a body longer than announced. */
	cap = MIN(req->http_body_length, max) + 1;
	if ((buf = malloc(cap)) == NULL)
		return (-1);
	len = 0;
	for (;;) {
		if (len == cap) {
			free(buf);
			return (1);
		}
		n = http_body_read(req, buf + len, cap - len);
		if (n == -1) {
			free(buf);
			return (-1);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			return (1);
		}
	}
	*out = buf;
	*outlen = len;
	return (0);
}

/*
 * The Idempotency-Key header: 1 with *k filled, 0 if there is none, -1
 * (a sentence in err) if it is not a ULID or UUIDv7 or out of the
 * dedupe window. A retry with the same key and body gets the same ids.
 */
static int
votes_key(struct app *app, struct http_request *req, struct idem_key *k,
    char *err, size_t errlen)
{
	const char	*hv;

	if (!http_request_header(req, "idempotency-key", &hv))
		return (0);
	if (idem_key_parse(hv, strlen(hv), marimba_now_ms(),
	    (int64_t)app->cfg.dedupe_ttl_s * 1000, k, err, errlen) !=
	    IDEM_OK)
		return (-1);
	return (1);
}

/* application/json, optionally with parameters such as charset. */
static int
votes_content_type_ok(struct http_request *req)
{
	const char	*ct;
	size_t		 n;

	if (!http_request_header(req, "content-type", &ct))
		return (0);
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n) != 0)
		return (0);
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return (*ct == '\0' || *ct == ';');
}
