/* SPDX-License-Identifier: ISC */
/*
 * The front door: every connection starts here (front_connect is the
 * listener's connect callback in kore.conf) and every answer leaves
 * through front_response().
 *
 * Kore 4.1 answers one request per read of its header buffer: bytes
 * buffered behind a request are dropped, or counted as that request's
 * body (an unsigned count then wraps and the request hangs), and a body
 * on GET, HEAD, DELETE or OPTIONS is never read, so it is parsed as the
 * next request. Before Kore parses a head, front_header_recv() checks its
 * framing (lib/http_framing.c): a head Kore would misread is refused here
 * with a JSON error and the connection closed; a request with bytes
 * behind it, or with a body Kore will not read, is cut to what Kore takes
 * and answered with "connection: close", the connection closed after the
 * write, so nothing behind it is ever taken for a request.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <yajl/yajl_gen.h>

#include "app.h"
#include "front.h"
#include "http_framing.h"

/* What the front door knows about one connection (c->hdlr_extra). */
struct front_conn {
	int	close_after;	/* close once this request is answered */
	int	discard;	/* closing: drop whatever else arrives */
};

static int	front_read(struct connection *, size_t *);
static int	front_header_recv(struct netbuf *);
static int	front_busy(struct connection *);
static int	front_refuse(struct connection *, struct netbuf *, int,
		    const char *);
static int	front_has_header(struct http_request *, const char *);
static void	front_timeouts(void *, u_int64_t);

void
front_connect(struct connection *c)
{
	/* Kore frees c->hdlr_extra with the connection. */
	c->hdlr_extra = kore_calloc(1, sizeof(struct front_conn));
	c->proto = CONN_PROTO_HTTP;
	if (http_keepalive_time != 0)
		c->idle_timer.length = http_keepalive_time * 1000;
	c->read = front_read;
	net_recv_queue(c, http_header_max, NETBUF_CALL_CB_ALWAYS,
	    front_header_recv);
}

/*
 * A head or body that does not arrive within http_header_timeout or
 * http_body_timeout: Kore checks every 500 ms and answers an empty 408.
 * This timer runs every FRONT_TIMEOUT_TICK_MS and answers those
 * connections FRONT_TIMEOUT_EARLY_MS before Kore would, with the front
 * door's JSON, so Kore's check never finds them.
 */
void
front_worker_init(void)
{
	(void)kore_timer_add(front_timeouts, FRONT_TIMEOUT_TICK_MS, NULL, 0);
}

static void
front_timeouts(void *arg, u_int64_t now)
{
	struct connection	*c, *next;
	u_int64_t		 waited;

	(void)arg;
	for (c = TAILQ_FIRST(&connections); c != NULL; c = next) {
		next = TAILQ_NEXT(c, list);
		if (c->proto != CONN_PROTO_HTTP || c->hdlr_extra == NULL ||
		    c->state != CONN_STATE_ESTABLISHED || c->http_timeout == 0)
			continue;
		waited = now > c->http_start ? now - c->http_start : 0;
		if (waited + FRONT_TIMEOUT_EARLY_MS < c->http_timeout)
			continue;
		/* Closed once the answer is written (CONN_CLOSE_EMPTY). */
		c->http_timeout = 0;
		(void)front_refuse(c, c->rnb, 408, "the request did not "
		    "arrive in time");
	}
}

/*
 * Kore sets its own header callback again after every answer; every read
 * puts ours back in front of it.
 */
static int
front_read(struct connection *c, size_t *bytes)
{
	if (c->rnb != NULL && c->rnb->cb == http_header_recv)
		c->rnb->cb = front_header_recv;
	return (net_read(c, bytes));
}

static int
front_header_recv(struct netbuf *nb)
{
	struct connection	*c = nb->owner;
	struct front_conn	*fc = c->hdlr_extra;
	struct http_framing	 f;
	uint64_t		 need;

	if (fc->discard) {
		nb->s_off = 0;
		return (KORE_RESULT_OK);
	}
	if (front_busy(c)) {
		/*
		 * Pipelined behind a request still being served (a POST
		 * waiting for Kafka): answer that one, then close.
		 */
		fc->close_after = 1;
		fc->discard = 1;
		nb->s_off = 0;
		return (KORE_RESULT_OK);
	}

	if (!http_framing_check(nb->buf, nb->s_off, http_body_max, &f)) {
		if (nb->s_off < nb->b_len)
			return (KORE_RESULT_OK);	/* more to come */
		/* Kore would read 0 bytes into a full buffer and hang up. */
		if (memchr(nb->buf, '\n', nb->s_off) == NULL)
			return (front_refuse(c, nb, 414,
			    "request line too long"));
		return (front_refuse(c, nb, 431,
		    "request header fields too large"));
	}
	if (f.status != 0)
		return (front_refuse(c, nb, f.status, f.error));
	if (f.as_options) {
		/*
		 * A method Kore does not know (it would answer an empty
		 * 400): Kore gets OPTIONS, which every route answers 405
		 * with Allow.
		 */
		if (nb->s_off - f.method_len + 7 > nb->b_len)
			return (front_refuse(c, nb, 431,
			    "request header fields too large"));
		memmove(nb->buf + f.method_off + 7, nb->buf + f.method_off +
		    f.method_len, nb->s_off - f.method_off - f.method_len);
		memcpy(nb->buf + f.method_off, "OPTIONS", 7);
		nb->s_off = nb->s_off - f.method_len + 7;
		f.head_len = f.head_len - f.method_len + 7;
	}

	need = http_framing_request_len(&f);
	if (nb->s_off > need) {
		nb->s_off = need;	/* Kore must not see the rest */
		fc->close_after = 1;
	}
	if (!f.reads_body && f.has_length && f.content_length > 0)
		fc->close_after = 1;	/* a body Kore will not read */
	return (http_header_recv(nb));
}

/* A request of c has not been answered yet. */
static int
front_busy(struct connection *c)
{
	struct http_request	*req;

	TAILQ_FOREACH(req, &c->http_requests, olist) {
		if (!(req->flags & HTTP_REQUEST_DELETE) && req->status == 0)
			return (1);
	}
	return (0);
}

/*
 * Answers {"error":why} with status before Kore made a request of the
 * head, and closes. What else the client sent is read and dropped until
 * then, so the close is a FIN rather than a reset where possible.
 */
static int
front_refuse(struct connection *c, struct netbuf *nb, int status,
    const char *why)
{
	struct front_conn	*fc = c->hdlr_extra;
	struct kore_buf		 head;
	yajl_gen		 g;
	const unsigned char	*body;
	const char		*text;
	size_t			 len;

	/* Kore's table has no 431 (RFC 6585). */
	text = status == 431 ? "Request Header Fields Too Large" :
	    http_status_text(status);
	fc->discard = 1;
	if (nb != NULL)
		nb->s_off = 0;
	c->flags |= CONN_CLOSE_EMPTY;
	body = NULL;
	len = 0;
	if ((g = yajl_gen_alloc(NULL)) != NULL &&
	    (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    yajl_gen_string(g, (const unsigned char *)"error", 5) !=
	    yajl_gen_status_ok ||
	    yajl_gen_string(g, (const unsigned char *)why, strlen(why)) !=
	    yajl_gen_status_ok ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok ||
	    yajl_gen_get_buf(g, &body, &len) != yajl_gen_status_ok)) {
		body = NULL;
		len = 0;
	}

	kore_buf_init(&head, 512);
	kore_buf_appendf(&head, "HTTP/1.1 %d %s\r\nserver: kore (%s)\r\n"
	    "content-type: application/json\r\ncache-control: no-store\r\n"
	    "x-content-type-options: nosniff\r\nconnection: close\r\n"
	    "content-length: %zu\r\n\r\n", status, text, kore_version, len);
	net_send_queue(c, head.data, head.offset);
	if (len > 0)
		net_send_queue(c, body, len);
	kore_buf_cleanup(&head);
	if (g != NULL)
		yajl_gen_free(g);
	kore_log(LOG_NOTICE, "front: %d %s", status, why);

	if (!net_send_flush(c))
		kore_connection_disconnect(c);
	return (KORE_RESULT_OK);
}

/* The answer already has the field name. */
static int
front_has_header(struct http_request *req, const char *name)
{
	struct http_header	*hdr;

	TAILQ_FOREACH(hdr, &req->resp_headers, list) {
		if (strcasecmp(hdr->header, name) == 0)
			return (1);
	}
	return (0);
}

/*
 * Every answer of the module: http_response() with nosniff, and
 * "connection: close" (the connection closed once written) when the
 * front door saw bytes behind the request.
 */
void
front_response(struct http_request *req, int status, const void *d,
    size_t len)
{
	struct front_conn	*fc;

	if (req->owner != NULL && (fc = req->owner->hdlr_extra) != NULL &&
	    fc->close_after) {
		req->owner->flags |= CONN_CLOSE_EMPTY;
		fc->discard = 1;
	}
	http_response_header(req, "x-content-type-options", "nosniff");
	if (status == HTTP_STATUS_SERVICE_UNAVAILABLE &&
	    !front_has_header(req, "retry-after"))
		http_response_header(req, "retry-after", APP_RETRY_AFTER);
	http_response(req, status, d, len);
}
