/* SPDX-License-Identifier: ISC */
/*
 * REST load (see loadgen.h): one thread drives a libcurl multi handle,
 * POSTing one vote per request to http://127.0.0.1:<port>/api/votes at
 * the generator's rate, with at most `concurrency` requests in flight.
 * The port is read for every request, so Kore may come back elsewhere.
 * Keyed, a request refused (503, no answer) keeps its slot and is made
 * again with its Idempotency-Key once its backoff is over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "idem_key.h"
#include "loadgen.h"
#include "vote_id.h"

#define REST_RESP_MAX	1024
#define REST_WAIT_MS	20	/* longest curl_multi_poll */

struct rest_slot {
	CURL			*easy;
	char			 resp[REST_RESP_MAX];
	size_t			 resp_len;
	int64_t			 sent_us;	/* the first attempt's */
	size_t			 vote;
	struct curl_slist	*hdrs;		/* keyed: with its key */
	int			 attempt;
	int64_t			 retry_us;	/* 0, or when to try again */
};

struct rest_impl {
	CURLM			*multi;
	struct curl_slist	*hdrs;
	char			**bodies;	/* JSON of each vote */
	size_t			*body_lens;
	size_t			 nbodies;
	struct rest_slot	*slots;
	int			*free_slots;	/* a stack of slot numbers */
	int			 nfree;
};

static void	*rest_main(void *);
static void	 rest_send(struct lg_gen *, struct rest_impl *, long);
static void	 rest_post(struct lg_gen *, struct rest_impl *,
		    struct rest_slot *);
static int	 rest_retry(struct lg_gen *, struct rest_slot *, long,
		    CURLcode);
static void	 rest_done(struct lg_gen *, struct rest_impl *, CURLMsg *);
static int	 rest_id(const char *, char *);
static size_t	 rest_write(char *, size_t, size_t, void *);
static char	*rest_body(const struct vote *, size_t *);
static void	 rest_impl_free(struct rest_impl *, int);
static void	 rest_free(struct lg_gen *);

int
lg_rest_start(struct lg_gen *g)
{
	struct rest_impl	*r;
	size_t			 i;
	int			 n;

	if (g->rate <= 0 || g->concurrency < 1 || g->nvotes == 0) {
		fprintf(stderr, "loadgen: rest: bad settings\n");
		return (-1);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    pthread_mutex_init(&g->lock, NULL) != 0 ||
	    (r = calloc(1, sizeof(*r))) == NULL)
		return (-1);
	g->impl = r;
	g->impl_free = rest_free;
	if ((r->multi = curl_multi_init()) == NULL ||
	    (r->bodies = calloc(g->nvotes, sizeof(*r->bodies))) == NULL ||
	    (r->body_lens = calloc(g->nvotes, sizeof(*r->body_lens))) ==
	    NULL ||
	    (r->slots = calloc((size_t)g->concurrency,
	    sizeof(*r->slots))) == NULL ||
	    (r->free_slots = calloc((size_t)g->concurrency,
	    sizeof(*r->free_slots))) == NULL)
		goto fail;
	(void)curl_multi_setopt(r->multi, CURLMOPT_MAXCONNECTS,
	    (long)g->concurrency);
	/* Kore does not answer "Expect: 100-continue": don't ask. */
	r->hdrs = curl_slist_append(NULL, "Expect:");
	r->hdrs = curl_slist_append(r->hdrs, "Content-Type: application/json");
	if (r->hdrs == NULL)
		goto fail;
	for (i = 0; i < g->nvotes; i++) {
		if ((r->bodies[i] = rest_body(&g->votes[i],
		    &r->body_lens[i])) == NULL)
			goto fail;
		r->nbodies++;
	}
	for (n = 0; n < g->concurrency; n++) {
		if ((r->slots[n].easy = curl_easy_init()) == NULL)
			goto fail;
		curl_easy_setopt(r->slots[n].easy, CURLOPT_HTTPHEADER,
		    r->hdrs);
		curl_easy_setopt(r->slots[n].easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(r->slots[n].easy, CURLOPT_TIMEOUT_MS,
		    (long)g->timeout_ms);
		curl_easy_setopt(r->slots[n].easy, CURLOPT_CONNECTTIMEOUT_MS,
		    (long)g->timeout_ms);
		/*
		 * Kore answers 408 and closes a keep-alive connection idle
		 * for http_header_timeout (10 s); reusing one at that
		 * moment reads the 408 as the answer. Don't reuse old ones.
		 */
		curl_easy_setopt(r->slots[n].easy, CURLOPT_MAXAGE_CONN, 5L);
		curl_easy_setopt(r->slots[n].easy, CURLOPT_WRITEFUNCTION,
		    rest_write);
		curl_easy_setopt(r->slots[n].easy, CURLOPT_WRITEDATA,
		    &r->slots[n]);
		curl_easy_setopt(r->slots[n].easy, CURLOPT_PRIVATE,
		    &r->slots[n]);
		r->free_slots[r->nfree++] = n;
	}
	if ((g->threads = calloc(1, sizeof(*g->threads))) == NULL)
		goto fail;
	g->t0_us = marimba_mono_us();
	if (pthread_create(&g->threads[0], NULL, rest_main, g) != 0) {
		fprintf(stderr, "loadgen: rest: cannot start its thread\n");
		goto fail;
	}
	g->nthreads = 1;
	return (0);
fail:
	fprintf(stderr, "loadgen: rest: cannot set up (out of memory?)\n");
	rest_impl_free(r, g->concurrency);
	g->impl = NULL;
	g->impl_free = NULL;
	free(g->threads);
	g->threads = NULL;
	return (-1);
}

static void *
rest_main(void *arg)
{
	struct lg_gen		*g = arg;
	struct rest_impl	*r = g->impl;
	CURLMsg			*msg;
	int64_t			 now, next_us;
	long			 k, due, lag_max, wait_ms;
	int			 running, left, stopping, n;

	k = 0;
	lag_max = (long)g->rate + 1;
	for (;;) {
		now = marimba_mono_us();
		stopping = atomic_load(&g->stop);
		if (!stopping) {
			/* Vote k is due at t0 + k / rate. */
			due = (long)((double)(now - g->t0_us) * g->rate /
			    1e6) + 1;
			if (due - k > lag_max) {
				pthread_mutex_lock(&g->lock);
				g->counts.skipped += due - lag_max - k;
				pthread_mutex_unlock(&g->lock);
				k = due - lag_max;
			}
			while (k < due && r->nfree > 0)
				rest_send(g, r, k++);
		} else if (r->nfree == g->concurrency)
			break;
		/* Keyed requests whose backoff is over (also when stopping). */
		for (n = 0; g->keyed && n < g->concurrency; n++) {
			if (r->slots[n].retry_us != 0 &&
			    r->slots[n].retry_us <= now)
				rest_post(g, r, &r->slots[n]);
		}

		(void)curl_multi_perform(r->multi, &running);
		while ((msg = curl_multi_info_read(r->multi, &left)) != NULL) {
			if (msg->msg == CURLMSG_DONE)
				rest_done(g, r, msg);
		}

		wait_ms = REST_WAIT_MS;
		if (!stopping && r->nfree > 0) {
			next_us = g->t0_us + (int64_t)((double)k * 1e6 /
			    g->rate);
			/*
			 * Rounded up: a vote due in under a millisecond is
			 * waited for (curl_multi_poll counts in ms), not
			 * spun for with zero-timeout polls over every
			 * connection, which took most of a core at 1,000
			 * votes/s and starved the pipeline under test.
			 */
			wait_ms = (long)((next_us - marimba_mono_us() + 999) /
			    1000);
			if (wait_ms < 0)
				wait_ms = 0;
			if (wait_ms > REST_WAIT_MS)
				wait_ms = REST_WAIT_MS;
		}
		if (wait_ms > 0 || r->nfree < g->concurrency)
			(void)curl_multi_poll(r->multi, NULL, 0, (int)wait_ms,
			    NULL);
	}
	g->t1_us = marimba_mono_us();
	return (NULL);
}

/* Takes a free slot for vote k: a new request (and key). */
static void
rest_send(struct lg_gen *g, struct rest_impl *r, long k)
{
	struct rest_slot	*s;
	char			 key[IDEM_KEY_ULID_LEN + 1];
	char			 line[64];

	s = &r->slots[r->free_slots[--r->nfree]];
	s->vote = (size_t)k % g->nvotes;
	s->attempt = 0;
	s->retry_us = 0;
	s->sent_us = marimba_mono_us();
	pthread_mutex_lock(&g->lock);
	g->counts.sent++;
	pthread_mutex_unlock(&g->lock);

	curl_slist_free_all(s->hdrs);
	s->hdrs = NULL;
	if (g->keyed) {
		if (idem_key_new(key, marimba_now_ms()) == 0) {
			(void)snprintf(line, sizeof(line),
			    "Idempotency-Key: %s", key);
			s->hdrs = curl_slist_append(NULL, line);
		}
		if (s->hdrs != NULL)
			s->hdrs = curl_slist_append(s->hdrs, "Expect:");
		if (s->hdrs != NULL)
			s->hdrs = curl_slist_append(s->hdrs,
			    "Content-Type: application/json");
		if (s->hdrs == NULL) {
			r->free_slots[r->nfree++] = (int)(s - r->slots);
			pthread_mutex_lock(&g->lock);
			g->counts.failed++;
			pthread_mutex_unlock(&g->lock);
			return;
		}
	}
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER,
	    s->hdrs != NULL ? s->hdrs : r->hdrs);
	rest_post(g, r, s);
}

/* Makes one attempt of the slot's request. */
static void
rest_post(struct lg_gen *g, struct rest_impl *r, struct rest_slot *s)
{
	char	url[96];

	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/votes",
	    atomic_load(&g->port));
	s->retry_us = 0;
	s->resp_len = 0;
	s->resp[0] = '\0';
	curl_easy_setopt(s->easy, CURLOPT_URL, url);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, r->bodies[s->vote]);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE,
	    (long)r->body_lens[s->vote]);
	if (curl_multi_add_handle(r->multi, s->easy) != CURLM_OK) {
		r->free_slots[r->nfree++] = (int)(s - r->slots);
		pthread_mutex_lock(&g->lock);
		g->counts.failed++;
		pthread_mutex_unlock(&g->lock);
	}
}

/*
 * A keyed attempt that may not have stored the vote (503, no answer)
 * is made again after its backoff: 1, with the slot kept; 0 otherwise.
 */
static int
rest_retry(struct lg_gen *g, struct rest_slot *s, long status,
    CURLcode result)
{
	if (!g->keyed || s->attempt >= g->retries)
		return (0);
	if (status != 503 && status != 408 && result == CURLE_OK)
		return (0);
	s->retry_us = marimba_mono_us() + lg_backoff_us(s->attempt);
	s->attempt++;
	pthread_mutex_lock(&g->lock);
	g->counts.retried++;
	pthread_mutex_unlock(&g->lock);
	return (1);
}

static void
rest_done(struct lg_gen *g, struct rest_impl *r, CURLMsg *msg)
{
	struct rest_slot	*s;
	char			 id[VOTE_ID_LEN + 1];
	long			 status;
	int64_t			 sent_us, took;
	int			 acked;

	(void)curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
	    (char **)&s);
	status = 0;
	if (msg->data.result == CURLE_OK)
		(void)curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE,
		    &status);
	sent_us = s->sent_us;
	took = marimba_mono_us() - sent_us;
	acked = status == 202 && rest_id(s->resp, id) == 0;
	(void)curl_multi_remove_handle(r->multi, s->easy);
	if (!acked && rest_retry(g, s, status, msg->data.result))
		return;
	r->free_slots[r->nfree++] = (int)(s - r->slots);

	pthread_mutex_lock(&g->lock);
	if (acked) {
		g->counts.acked++;
		(void)latency_add(&g->lat, took);
	} else if (status == 503)
		g->counts.unavailable++;
	else if (msg->data.result != CURLE_OK || status == 408)
		g->counts.failed++;	/* 408: the request was not read */
	else {
		g->counts.other++;
		g->counts.other_code = status;
	}
	pthread_mutex_unlock(&g->lock);
	if (acked)
		lg_sink_ack(g->sink, id, sent_us);
}

/* The "id" of a 202 body into id; 0 if it is a well-formed vote id. */
static int
rest_id(const char *body, char *id)
{
	static const char	*path[] = { "id", NULL };
	yajl_val		 root, v;
	const char		*s;
	int			 rc;

	if ((root = yajl_tree_parse(body, NULL, 0)) == NULL)
		return (-1);
	rc = -1;
	v = yajl_tree_get(root, path, yajl_t_string);
	if (v != NULL && (s = YAJL_GET_STRING(v)) != NULL &&
	    strlen(s) == VOTE_ID_LEN) {
		memcpy(id, s, VOTE_ID_LEN + 1);
		rc = 0;
	}
	yajl_tree_free(root);
	return (rc);
}

static size_t
rest_write(char *data, size_t size, size_t n, void *arg)
{
	struct rest_slot	*s = arg;
	size_t			 len = size * n, room;

	room = REST_RESP_MAX - 1 - s->resp_len;
	if (len < room)
		room = len;
	memcpy(s->resp + s->resp_len, data, room);
	s->resp_len += room;
	s->resp[s->resp_len] = '\0';
	return (len);
}

/* {"name":..,"album":..,"year":N,"rank":N} in a malloc'ed string. */
static char *
rest_body(const struct vote *v, size_t *len)
{
	yajl_gen		 gen;
	const unsigned char	*buf;
	char			*out;

	if ((gen = yajl_gen_alloc(NULL)) == NULL)
		return (NULL);
	out = NULL;
	if (yajl_gen_map_open(gen) == yajl_gen_status_ok &&
	    yajl_gen_string(gen, (const unsigned char *)"name", 4) ==
	    yajl_gen_status_ok &&
	    yajl_gen_string(gen, (const unsigned char *)v->name,
	    strlen(v->name)) == yajl_gen_status_ok &&
	    yajl_gen_string(gen, (const unsigned char *)"album", 5) ==
	    yajl_gen_status_ok &&
	    yajl_gen_string(gen, (const unsigned char *)v->album,
	    strlen(v->album)) == yajl_gen_status_ok &&
	    yajl_gen_string(gen, (const unsigned char *)"year", 4) ==
	    yajl_gen_status_ok &&
	    yajl_gen_integer(gen, v->year) == yajl_gen_status_ok &&
	    yajl_gen_string(gen, (const unsigned char *)"rank", 4) ==
	    yajl_gen_status_ok &&
	    yajl_gen_integer(gen, v->rank) == yajl_gen_status_ok &&
	    yajl_gen_map_close(gen) == yajl_gen_status_ok &&
	    yajl_gen_get_buf(gen, &buf, len) == yajl_gen_status_ok &&
	    (out = malloc(*len + 1)) != NULL) {
		memcpy(out, buf, *len);
		out[*len] = '\0';
	}
	yajl_gen_free(gen);
	return (out);
}

static void
rest_impl_free(struct rest_impl *r, int nslots)
{
	size_t	i;
	int	n;

	if (r == NULL)
		return;
	for (n = 0; r->slots != NULL && n < nslots; n++) {
		curl_slist_free_all(r->slots[n].hdrs);
		if (r->slots[n].easy != NULL) {
			if (r->multi != NULL)
				(void)curl_multi_remove_handle(r->multi,
				    r->slots[n].easy);
			curl_easy_cleanup(r->slots[n].easy);
		}
	}
	for (i = 0; i < r->nbodies; i++)
		free(r->bodies[i]);
	free(r->bodies);
	free(r->body_lens);
	free(r->slots);
	free(r->free_slots);
	curl_slist_free_all(r->hdrs);
	if (r->multi != NULL)
		curl_multi_cleanup(r->multi);
	free(r);
}

static void
rest_free(struct lg_gen *g)
{
	rest_impl_free(g->impl, g->concurrency);
	g->impl = NULL;
}
