/* SPDX-License-Identifier: ISC */
/*
 * Per-call state machines of marimba-grpc (see server_call.h): Cast,
 * CastStream, grpc.health.v1.Health/Check, and UNIMPLEMENTED for the rest.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>

#include "grpc/health/v1/health.pb-c.h"
#include "vote.pb-c.h"

#include "call_acks.h"
#include "call_key.h"
#include "cast_request.h"
#include "grpc_buf.h"
#include "log.h"
#include "rpc_client.h"
#include "server.h"
#include "server_burst.h"
#include "server_call.h"
#include "vote.h"
#include "vote_id.h"

#define HEALTH_SERVICE_VOTES	"marimba.v1.VoteService"
/* A grpc.health.v1 serving status, by its short name. */
#define HEALTH_STATUS(s) \
	GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__##s

static const char *const call_method_names[METHOD_COUNT] = {
	[METHOD_UNKNOWN] = "(unknown method)",
	[METHOD_CAST] = RPC_METHOD_CAST,
	[METHOD_CAST_STREAM] = RPC_METHOD_CAST_STREAM,
	[METHOD_HEALTH_CHECK] = RPC_METHOD_HEALTH_CHECK,
};

enum call_state {
	CALL_REQUESTED,		/* waiting for a client */
	CALL_READING,		/* receiving request messages */
	CALL_CONFIRMING,	/* half-closed; is the call still alive? */
	CALL_PRODUCING,		/* waiting for delivery reports */
	CALL_REPLYING,		/* the status is being sent */
	CALL_DONE,		/* status sent; freed once nothing is left */
};

struct call {
	TAILQ_ENTRY(call)	 entry;
	TAILQ_ENTRY(call)	 park;		/* in s->parked */
	int			 parked;
	struct server		*s;
	grpc_call		*gc;
	grpc_call_details	 details;	/* unregistered calls only */
	gpr_timespec		 deadline;	/* registered calls */
	grpc_metadata_array	 req_md;
	struct tag		 t_new;
	struct tag		 t_recv;
	struct tag		 t_close;
	struct tag		 t_status;
	struct tag		 t_headers;
	int			 batches;	/* started, not completed */
	int			 close_cancelled;
	int			 closed;	/* RECV_CLOSE_ON_SERVER done */
	int			 close_started;	/* RECV_CLOSE_ON_SERVER asked */
	int			 sent_headers;
	char			*peer;		/* counted in s->peers */
	enum call_method	 method;
	enum call_state		 state;
	grpc_byte_buffer	*payload;	/* a unary call's request */
	grpc_byte_buffer	*recv_buf;
	grpc_byte_buffer	*reply_buf;
	grpc_slice		 status_details;

	struct vote		*votes;
	size_t			 nvotes;
	size_t			 cap;
	struct call_acks	 acks;
	grpc_status_code	 enqueue_status; /* OK unless one failed */
	int64_t			 ack_deadline_ms;
	int64_t			 started_ms;
};

static void	call_free(struct call *);
static void	call_maybe_free(struct call *);
static void	call_start(struct call *);
static int	call_admit(struct call *);
static void	call_closed(struct call *);
static void	call_confirm(struct call *);
static void	call_confirmed(struct call *, int);
static void	call_summary(struct server *, int64_t);
static int	call_recv(struct call *);
static void	call_received(struct call *, grpc_byte_buffer *);
static void	call_reply(struct call *, grpc_status_code, grpc_byte_buffer *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
static void	call_add_vote(struct call *, const uint8_t *, size_t);
static void	call_produce(struct call *);
static void	call_send_votes(struct call *);
static void	call_finish_produce(struct call *);
static void	call_health(struct call *, const uint8_t *, size_t);

int
call_register_methods(struct server *s)
{
	static const grpc_server_register_method_payload_handling payload[] = {
		[METHOD_CAST] =
		    GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER,
		[METHOD_CAST_STREAM] =
		    GRPC_SRM_PAYLOAD_NONE,
		[METHOD_HEALTH_CHECK] =
		    GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER,
	};
	int	m;

	for (m = METHOD_UNKNOWN + 1; m < METHOD_COUNT; m++) {
		if ((s->methods[m] = grpc_server_register_method(s->srv,
		    call_method_names[m], NULL, payload[m], 0)) == NULL)
			return (-1);
	}
	return (0);
}

int
call_request(struct server *s, enum call_method method)
{
	struct call	*c;
	grpc_call_error	 rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (-1);
	c->s = s;
	c->method = method;
	c->state = CALL_REQUESTED;
	c->t_new.kind = TAG_NEW_CALL;
	c->t_recv.kind = TAG_RECV;
	c->t_close.kind = TAG_CLOSE;
	c->t_status.kind = TAG_STATUS;
	c->t_headers.kind = TAG_HEADERS;
	c->t_new.call = c->t_recv.call = c->t_close.call =
	    c->t_status.call = c->t_headers.call = c;
	c->status_details = grpc_empty_slice();
	c->enqueue_status = GRPC_STATUS_OK;
	grpc_call_details_init(&c->details);
	grpc_metadata_array_init(&c->req_md);

	if (method == METHOD_UNKNOWN)
		rc = grpc_server_request_call(s->srv, &c->gc, &c->details,
		    &c->req_md, s->cq, s->cq, &c->t_new);
	else
		rc = grpc_server_request_registered_call(s->srv,
		    s->methods[method], &c->gc, &c->deadline, &c->req_md,
		    method == METHOD_CAST_STREAM ? NULL : &c->payload, s->cq,
		    s->cq, &c->t_new);
	if (rc != GRPC_CALL_OK) {
		grpc_call_details_destroy(&c->details);
		grpc_metadata_array_destroy(&c->req_md);
		free(c);
		return (-1);
	}
	c->batches = 1;
	TAILQ_INSERT_TAIL(&s->calls, c, entry);
	s->ncalls++;
	return (0);
}

void
call_event(struct tag *t, int success)
{
	struct call		*c = t->call;
	grpc_byte_buffer	*bb;

	c->batches--;
	switch (t->kind) {
	case TAG_NEW_CALL:
		if (!success) {
			/* The server is shutting down. */
			c->state = CALL_DONE;
			break;
		}
		if (!c->s->shutting_down &&
		    call_request(c->s, c->method) == -1)
			log_error("cannot request another call");
		call_start(c);
		break;
	case TAG_RECV:
		bb = c->recv_buf;
		c->recv_buf = NULL;
		if (c->state != CALL_READING) {
			/* Answered or cancelled meanwhile. */
			if (bb != NULL)
				grpc_byte_buffer_destroy(bb);
			break;
		}
		if (!success) {
			if (bb != NULL)
				grpc_byte_buffer_destroy(bb);
			call_reply(c, GRPC_STATUS_CANCELLED, NULL,
			    "the request could not be read");
			break;
		}
		call_received(c, bb);
		if (bb != NULL)
			grpc_byte_buffer_destroy(bb);
		break;
	case TAG_CLOSE:
		call_closed(c);
		break;
	case TAG_HEADERS:
		call_confirmed(c, success);
		break;
	case TAG_STATUS:
		if (!c->closed && c->close_started)
			call_closed(c);	/* a unary call: in the same batch */
		c->state = CALL_DONE;
		break;
	case TAG_SHUTDOWN:
		break;
	}
	call_maybe_free(c);
}

void
call_delivered(struct call *c, int err, const char *reason)
{
	int	last;

	if ((last = call_acks_report(&c->acks, err, reason)) == -1) {
		log_error("a delivery report no vote of the call waited for");
		return;
	}
	if (c->state == CALL_PRODUCING && last)
		call_finish_produce(c);
	call_maybe_free(c);
}

void
call_sweep(struct server *s, int64_t now)
{
	struct call	*c, *next;
	int64_t		 stream_ms;

	stream_ms = s->cfg->grpc.stream_timeout_ms;
	for (c = TAILQ_FIRST(&s->calls); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CALL_READING &&
		    now - c->started_ms >= stream_ms) {
			/* Nothing was produced; the client may retry. */
			call_reply(c, GRPC_STATUS_DEADLINE_EXCEEDED, NULL,
			    "the call did not half-close within %lld ms "
			    "(MARIMBA_GRPC_STREAM_TIMEOUT_MS); nothing was "
			    "produced", (long long)stream_ms);
			continue;
		}
		if (c->state != CALL_PRODUCING || c->parked ||
		    now < c->ack_deadline_ms)
			continue;
		/* Late reports still arrive; the call lives until then. */
		call_reply(c, GRPC_STATUS_UNAVAILABLE, NULL,
		    "Kafka did not acknowledge the vote within %d ms",
		    s->cfg->ack_timeout_ms);
	}
	call_summary(s, now);
}

/*
 * One info line per SERVER_SUMMARY_MS for the calls not answered OK
 * (each one is a debug line), so a flood of bad or cancelled calls does
 * not flood the log.
 */
static void
call_summary(struct server *s, int64_t now)
{
	struct server_refusals	*r = &s->refusals;
	char			 line[512];
	size_t			 i, len;
	unsigned long		 total;
	int			 n;

	if (now - r->since_ms < SERVER_SUMMARY_MS)
		return;
	len = 0;
	total = 0;
	line[0] = '\0';
	for (i = 0; i < sizeof(r->by_status) / sizeof(r->by_status[0]);
	    i++) {
		if (r->by_status[i] == 0)
			continue;
		total += r->by_status[i];
		n = snprintf(line + len, sizeof(line) - len, " %s %lu",
		    rpc_status_name((grpc_status_code)i), r->by_status[i]);
		if (n > 0 && (size_t)n < sizeof(line) - len)
			len += (size_t)n;
	}
	if (total > 0 || r->cancelled > 0)
		log_info("last %lld s: %lu calls answered with an error:%s; "
		    "%lu ended by the client before their answer (nothing "
		    "produced)", (long long)(now - r->since_ms) / 1000, total,
		    total > 0 ? line : " none", r->cancelled);
	memset(r, 0, sizeof(*r));
	r->since_ms = now;
}

static void
call_start(struct call *c)
{
	grpc_op			 op;

	grpc_byte_buffer	*bb;

	c->started_ms = server_now_ms();
	if (c->method == METHOD_CAST_STREAM) {
		/*
		 * Completes when the call ends: after our status, or when
		 * cancelled, which a stream must notice before it produces.
		 * A unary call has its request already; its RECV_CLOSE goes
		 * with the reply (call_reply()), one event less per call.
		 */
		memset(&op, 0, sizeof(op));
		op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
		op.data.recv_close_on_server.cancelled = &c->close_cancelled;
		if (grpc_call_start_batch(c->gc, &op, 1, &c->t_close, NULL) !=
		    GRPC_CALL_OK) {
			log_error("cannot start RECV_CLOSE_ON_SERVER");
			grpc_call_cancel(c->gc, NULL);
			c->state = CALL_DONE;
			return;
		}
		c->batches++;
		c->close_started = 1;
	}

	if (call_admit(c) == -1)
		return;
	switch (c->method) {
	case METHOD_UNKNOWN:
		call_reply(c, GRPC_STATUS_UNIMPLEMENTED, NULL,
		    "unknown method");
		break;
	case METHOD_CAST:
	case METHOD_HEALTH_CHECK:
		/* The core read the request (NULL: there was none). */
		c->state = CALL_READING;
		bb = c->payload;
		c->payload = NULL;
		call_received(c, bb);
		if (bb != NULL)
			grpc_byte_buffer_destroy(bb);
		break;
	case METHOD_CAST_STREAM:
		c->state = CALL_READING;
		if (call_recv(c) == -1)
			call_reply(c, GRPC_STATUS_INTERNAL, NULL,
			    "cannot read the request");
		break;
	case METHOD_COUNT:
		break;
	}
}

/*
 * Counts the call against its connection's MARIMBA_GRPC_MAX_STREAMS and
 * answers RESOURCE_EXHAUSTED over it. -1 if the call was answered.
 */
static int
call_admit(struct call *c)
{
	struct server	*s = c->s;
	size_t		 open;

	if ((c->peer = grpc_call_get_peer(c->gc)) == NULL) {
		call_reply(c, GRPC_STATUS_INTERNAL, NULL, "no peer address");
		return (-1);
	}
	if ((open = peer_table_add(s->peers, c->peer)) == 0) {
		gpr_free(c->peer);
		c->peer = NULL;
		call_reply(c, GRPC_STATUS_RESOURCE_EXHAUSTED, NULL,
		    "out of memory");
		return (-1);
	}
	if (open > (size_t)s->cfg->grpc.max_streams) {
		call_reply(c, GRPC_STATUS_RESOURCE_EXHAUSTED, NULL,
		    "more than %d calls open on this connection "
		    "(MARIMBA_GRPC_MAX_STREAMS); retry later",
		    s->cfg->grpc.max_streams);
		return (-1);
	}
	return (0);
}

/*
 * RECV_CLOSE_ON_SERVER completed: the stream is gone. Before our status
 * was sent that means the call was cancelled (by the client, its deadline
 * or a lost connection); a call that had not produced yet produces nothing.
 */
static void
call_closed(struct call *c)
{
	c->closed = 1;
	if (c->peer != NULL) {
		peer_table_del(c->s->peers, c->peer);
		gpr_free(c->peer);
		c->peer = NULL;
	}
	if (c->state == CALL_READING || c->state == CALL_CONFIRMING) {
		log_debug("%s: cancelled before the votes were produced",
		    call_method_names[c->method]);
		c->s->refusals.cancelled++;
		c->state = CALL_DONE;
	}
}

/*
 * A stream read its end. The core delivers the same empty read when the
 * call is cancelled, so before producing, the initial metadata is sent on
 * its own: that fails if the stream was already cancelled or reset, and
 * succeeds only on a live, half-closed call (call_confirmed()).
 */
static void
call_confirm(struct call *c)
{
	grpc_op		op;

	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_INITIAL_METADATA;
	if (grpc_call_start_batch(c->gc, &op, 1, &c->t_headers, NULL) !=
	    GRPC_CALL_OK) {
		call_reply(c, GRPC_STATUS_INTERNAL, NULL,
		    "cannot send the initial metadata");
		return;
	}
	c->batches++;
	c->sent_headers = 1;
	c->state = CALL_CONFIRMING;
}

static void
call_confirmed(struct call *c, int success)
{
	if (c->state != CALL_CONFIRMING)
		return;		/* call_closed() saw the cancellation */
	if (!success || c->closed) {
		log_debug("%s: cancelled before the votes were produced",
		    call_method_names[c->method]);
		c->s->refusals.cancelled++;
		grpc_call_cancel(c->gc, NULL);
		c->state = CALL_DONE;
		return;
	}
	call_produce(c);
}

static int
call_recv(struct call *c)
{
	grpc_op		op;

	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &c->recv_buf;
	if (grpc_call_start_batch(c->gc, &op, 1, &c->t_recv, NULL) !=
	    GRPC_CALL_OK)
		return (-1);
	c->batches++;
	return (0);
}

static void
call_received(struct call *c, grpc_byte_buffer *bb)
{
	uint8_t		*data;
	size_t		 len;

	if (bb == NULL) {
		/* The client half-closed, or the call was cancelled. */
		if (c->method == METHOD_CAST_STREAM && c->nvotes > 0)
			call_confirm(c);
		else if (c->method == METHOD_CAST_STREAM)
			call_reply(c, GRPC_STATUS_INVALID_ARGUMENT, NULL,
			    "the stream carried no CastRequest");
		else
			call_reply(c, GRPC_STATUS_INVALID_ARGUMENT, NULL,
			    "the call carried no request message");
		return;
	}
	if (gbuf_read(bb, &data, &len) == -1) {
		call_reply(c, GRPC_STATUS_RESOURCE_EXHAUSTED, NULL,
		    "out of memory");
		return;
	}

	switch (c->method) {
	case METHOD_HEALTH_CHECK:
		call_health(c, data, len);
		break;
	case METHOD_CAST:
	case METHOD_CAST_STREAM:
		call_add_vote(c, data, len);
		break;
	case METHOD_UNKNOWN:
	case METHOD_COUNT:
		break;
	}
	free(data);
}

static void
call_add_vote(struct call *c, const uint8_t *data, size_t len)
{
	struct vote		*v;
	struct vote_error	 err;
	size_t			 ncap;

	if (c->nvotes >= c->s->cfg->max_batch) {
		call_reply(c, GRPC_STATUS_RESOURCE_EXHAUSTED, NULL,
		    "a stream may carry at most %zu votes (MARIMBA_MAX_BATCH)",
		    c->s->cfg->max_batch);
		return;
	}
	if (c->nvotes == c->cap) {
		ncap = c->cap == 0 ? 1 : c->cap * 2;
		if (ncap > c->s->cfg->max_batch)
			ncap = c->s->cfg->max_batch;
		if ((v = reallocarray(c->votes, ncap, sizeof(*v))) == NULL) {
			call_reply(c, GRPC_STATUS_RESOURCE_EXHAUSTED, NULL,
			    "out of memory");
			return;
		}
		c->votes = v;
		c->cap = ncap;
	}

	v = &c->votes[c->nvotes];
	if (cast_request_decode(data, len, v, &err) != VOTE_OK) {
		if (c->method == METHOD_CAST_STREAM)
			call_reply(c, GRPC_STATUS_INVALID_ARGUMENT, NULL,
			    "vote %zu: %s", c->nvotes, err.message);
		else
			call_reply(c, GRPC_STATUS_INVALID_ARGUMENT, NULL,
			    "%s", err.message);
		return;
	}
	c->nvotes++;

	/* A unary call has its one message; the core checks there's no more. */
	if (c->method == METHOD_CAST) {
		call_produce(c);
		return;
	}
	if (call_recv(c) == -1)
		call_reply(c, GRPC_STATUS_INTERNAL, NULL,
		    "cannot read the next message");
}

static void
call_produce(struct call *c)
{
	struct server		*s = c->s;
	struct idem_key		 key;
	char			 why[256];
	int			 keyed;

	if (c->nvotes == 0) {
		call_reply(c, GRPC_STATUS_INVALID_ARGUMENT, NULL,
		    "the stream carried no CastRequest");
		return;
	}
	/* With an idempotency key a retry gets the same ids (call_key.h). */
	if ((keyed = call_key(&c->req_md, marimba_now_ms(),
	    (int64_t)s->cfg->dedupe_ttl_s * 1000, &key, why,
	    sizeof(why))) == -1) {
		call_reply(c, GRPC_STATUS_INVALID_ARGUMENT, NULL, "%s", why);
		return;
	}
	if ((size_t)vote_producer_queue_len(s->vp) + c->nvotes >
	    (size_t)s->cfg->queue_max) {
		call_reply(c, GRPC_STATUS_RESOURCE_EXHAUSTED, NULL,
		    "the Kafka producer queue is full; retry later");
		return;
	}
	if (idem_votes_accept(c->votes, c->nvotes, "grpc",
	    keyed ? &key : NULL) == -1) {
		call_reply(c, GRPC_STATUS_INTERNAL, NULL,
		    "cannot make a vote id");
		return;
	}

	/* From here on a cancellation no longer stops the votes. */
	c->state = CALL_PRODUCING;
	c->ack_deadline_ms = server_now_ms() + s->cfg->ack_timeout_ms +
	    SERVER_ACK_MARGIN_MS;
	if (burst_parks(&s->burst)) {
		c->parked = 1;
		TAILQ_INSERT_TAIL(&s->parked, c, park);
		return;
	}
	call_send_votes(c);
}

/* Hands the call's votes to the producer; answers once none is left. */
static void
call_send_votes(struct call *c)
{
	struct server		*s = c->s;
	enum vote_send_status	 st;
	size_t			 i;

	for (i = 0; i < c->nvotes; i++) {
		st = vote_producer_send(s->vp, &c->votes[i], c);
		if (st == VOTE_SEND_OK) {
			call_acks_sent(&c->acks);
			continue;
		}
		c->enqueue_status = st == VOTE_SEND_FULL ?
		    GRPC_STATUS_RESOURCE_EXHAUSTED : GRPC_STATUS_UNAVAILABLE;
		break;
	}
	burst_count(&s->burst, i);
	if (c->acks.pending == 0)
		call_finish_produce(c);
}

void
call_produce_parked(struct server *s)
{
	struct call	*c;

	while ((c = TAILQ_FIRST(&s->parked)) != NULL) {
		TAILQ_REMOVE(&s->parked, c, park);
		c->parked = 0;
		call_send_votes(c);
		call_maybe_free(c);
	}
}

static void
call_finish_produce(struct call *c)
{
	Marimba__V1__CastReply		 one = MARIMBA__V1__CAST_REPLY__INIT;
	Marimba__V1__CastStreamReply	 many =
	    MARIMBA__V1__CAST_STREAM_REPLY__INIT;
	grpc_byte_buffer		*bb;
	char				**ids;
	size_t				 i;

	if (c->enqueue_status != GRPC_STATUS_OK) {
		call_reply(c, c->enqueue_status, NULL,
		    "the Kafka producer refused vote %zu of %zu (%s); the "
		    "first %zu may still be delivered", c->acks.enqueued,
		    c->nvotes, c->enqueue_status ==
		    GRPC_STATUS_RESOURCE_EXHAUSTED ? "queue full" : "error",
		    c->acks.enqueued);
		return;
	}
	if (c->acks.err != 0) {
		call_reply(c, GRPC_STATUS_UNAVAILABLE, NULL,
		    "Kafka did not acknowledge the vote: %s",
		    c->acks.reason);
		return;
	}

	if (c->method == METHOD_CAST) {
		one.id = c->votes[0].id;
		bb = gbuf_pack(&one.base);
	} else {
		if ((ids = calloc(c->nvotes, sizeof(*ids))) == NULL) {
			call_reply(c, GRPC_STATUS_INTERNAL, NULL,
			    "out of memory");
			return;
		}
		for (i = 0; i < c->nvotes; i++)
			ids[i] = c->votes[i].id;
		many.n_ids = c->nvotes;
		many.ids = ids;
		many.accepted = (uint32_t)c->nvotes;
		bb = gbuf_pack(&many.base);
		free(ids);
	}
	if (bb == NULL) {
		call_reply(c, GRPC_STATUS_INTERNAL, NULL, "out of memory");
		return;
	}
	call_reply(c, GRPC_STATUS_OK, bb, "%s", "");
}

static void
call_health(struct call *c, const uint8_t *data, size_t len)
{
	Grpc__Health__V1__HealthCheckRequest	*req;
	Grpc__Health__V1__HealthCheckResponse	 resp =
	    GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
	grpc_byte_buffer			*bb;
	int					 known;

	if ((req = grpc__health__v1__health_check_request__unpack(NULL, len,
	    data)) == NULL) {
		call_reply(c, GRPC_STATUS_INVALID_ARGUMENT, NULL,
		    "the message is not a grpc.health.v1.HealthCheckRequest");
		return;
	}
	known = req->service[0] == '\0' ||
	    strcmp(req->service, HEALTH_SERVICE_VOTES) == 0;
	grpc__health__v1__health_check_request__free_unpacked(req, NULL);
	if (!known) {
		call_reply(c, GRPC_STATUS_NOT_FOUND, NULL, "unknown service");
		return;
	}

	if (!c->s->shutting_down && health_probe_serving(c->s->health))
		resp.status = HEALTH_STATUS(SERVING);
	else
		resp.status = HEALTH_STATUS(NOT_SERVING);
	if ((bb = gbuf_pack(&resp.base)) == NULL) {
		call_reply(c, GRPC_STATUS_INTERNAL, NULL, "out of memory");
		return;
	}
	call_reply(c, GRPC_STATUS_OK, bb, "%s", "");
}

/*
 * Sends initial metadata, the reply message if any (taking bb) and the
 * status in one batch. Only the first reply of a call is sent.
 */
static void
call_reply(struct call *c, grpc_status_code status, grpc_byte_buffer *bb,
    const char *fmt, ...)
{
	grpc_op		 ops[4], *op;
	va_list		 ap;
	char		 msg[512];

	if (c->state == CALL_REPLYING || c->state == CALL_DONE) {
		if (bb != NULL)
			grpc_byte_buffer_destroy(bb);
		return;
	}

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (status != GRPC_STATUS_OK) {
		log_debug("%s: %s: %s", call_method_names[c->method],
		    rpc_status_name(status), msg);
		if ((size_t)status < sizeof(c->s->refusals.by_status) /
		    sizeof(c->s->refusals.by_status[0]))
			c->s->refusals.by_status[status]++;
	}

	c->reply_buf = bb;
	grpc_slice_unref(c->status_details);
	c->status_details = grpc_slice_from_copied_string(msg);

	memset(ops, 0, sizeof(ops));
	op = ops;
	if (!c->sent_headers) {
		op->op = GRPC_OP_SEND_INITIAL_METADATA;
		op++;
		c->sent_headers = 1;
	}
	if (bb != NULL) {
		op->op = GRPC_OP_SEND_MESSAGE;
		op->data.send_message.send_message = bb;
		op++;
	}
	op->op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	op->data.send_status_from_server.status = status;
	op->data.send_status_from_server.status_details = &c->status_details;
	op++;
	if (!c->close_started) {
		op->op = GRPC_OP_RECV_CLOSE_ON_SERVER;
		op->data.recv_close_on_server.cancelled = &c->close_cancelled;
		op++;
		c->close_started = 1;
	}

	if (grpc_call_start_batch(c->gc, ops, (size_t)(op - ops),
	    &c->t_status, NULL) != GRPC_CALL_OK) {
		log_error("cannot send the status of a call");
		grpc_call_cancel(c->gc, NULL);
		c->state = CALL_DONE;
		return;
	}
	c->batches++;
	c->state = CALL_REPLYING;
	/*
	 * Answered: for its client the call is over, so it no longer counts
	 * against MARIMBA_GRPC_MAX_STREAMS (its status event may come much
	 * later under load, and a client keeping the cap's worth of calls
	 * in flight would be refused meanwhile). The transport still holds
	 * the stream until the status is written.
	 */
	if (c->peer != NULL) {
		peer_table_del(c->s->peers, c->peer);
		gpr_free(c->peer);
		c->peer = NULL;
	}
}

static void
call_maybe_free(struct call *c)
{
	if (c->state == CALL_DONE && c->batches == 0 &&
	    c->acks.pending == 0 && !c->parked)
		call_free(c);
}

static void
call_free(struct call *c)
{
	TAILQ_REMOVE(&c->s->calls, c, entry);
	c->s->ncalls--;
	if (c->peer != NULL) {
		peer_table_del(c->s->peers, c->peer);
		gpr_free(c->peer);
	}
	if (c->gc != NULL)
		grpc_call_unref(c->gc);
	if (c->recv_buf != NULL)
		grpc_byte_buffer_destroy(c->recv_buf);
	if (c->payload != NULL)
		grpc_byte_buffer_destroy(c->payload);
	if (c->reply_buf != NULL)
		grpc_byte_buffer_destroy(c->reply_buf);
	grpc_slice_unref(c->status_details);
	grpc_call_details_destroy(&c->details);
	grpc_metadata_array_destroy(&c->req_md);
	free(c->votes);
	free(c);
}
