/* SPDX-License-Identifier: ISC */
/*
 * No request smuggling by any method on any route (issue 21): a request
 * whose body is itself a request ("GET /healthz ...") must get exactly
 * one answer. Kore reads bodies only for POST, PUT and PATCH; OPTIONS
 * and DELETE (and GET, HEAD) used to be answered before their body was
 * read, and the body was then answered as a second request. Every method
 * is sent with its head first, a pause, then the body, and again in one
 * write; no vote may reach the topic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "test_raw_http.h"
#include "test_rest_support.h"

#define SMUGGLED	"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
#define PAUSE_MS	150
#define IDLE_MS		300

struct desync {
	struct marimba_config	cfg;
	struct rest_kore	kore;
	char			topic[128];
};

static const char	*routes[] = {
	"/api/votes", "/healthz", "/readyz", "/", "/fragments/logs",
	"/fragments/stats", "/api/logs", "/metrics", "/assets/htmx.min.js",
	"/assets/marimba.css", "/no/such/route",
};

static const struct {
	const char	*name;
	int		 reads_body;	/* Kore reads Content-Length bytes */
} methods[] = {
	{ "GET", 0 }, { "HEAD", 0 }, { "DELETE", 0 }, { "OPTIONS", 0 },
	{ "POST", 1 }, { "PUT", 1 }, { "PATCH", 1 },
};

static int
desync_setup(void **state)
{
	struct desync	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (-1);
	*state = d;
	if (rest_setup(&d->cfg, &d->kore, d->topic, sizeof(d->topic),
	    "test-rest-desync", 1, NULL) == -1 ||
	    rest_wait_ready(&d->kore, 15000, 200) == -1)
		return (-1);
	return (0);
}

static int
desync_teardown(void **state)
{
	struct desync	*d = *state;
	int		 rc;

	if (d == NULL)
		return (0);
	rc = 0;
	if (d->kore.pid > 0 && rest_kore_stop(&d->kore, 20000) != 0)
		rc = -1;
	free(d);
	return (rc);
}

/* One method on one route, the body sent pause_ms after the head. */
static void
one_case(struct desync *d, size_t m, const char *route, long pause_ms)
{
	struct raw_result	r;
	char			head[512], all[1024];
	int			n;

	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", methods[m].name, route,
	    strlen(SMUGGLED));
	assert_true(n > 0 && (size_t)n < sizeof(head));
	if (pause_ms > 0) {
		assert_int_equal(raw_exchange(d->kore.port, head, (size_t)n,
		    SMUGGLED, strlen(SMUGGLED), pause_ms,
		    strcmp(methods[m].name, "HEAD") == 0, IDLE_MS, &r), 0);
	} else {
		(void)snprintf(all, sizeof(all), "%s%s", head, SMUGGLED);
		assert_int_equal(raw_exchange(d->kore.port, all, strlen(all),
		    NULL, 0, 0, strcmp(methods[m].name, "HEAD") == 0,
		    IDLE_MS, &r), 0);
	}

	if (r.n != 1 || r.extra != 0 || (!methods[m].reads_body &&
	    !r.closed)) {
		fprintf(stderr, "%s %s (pause %ld ms): %d answers, %zu bytes "
		    "more, %s\n", methods[m].name, route, pause_ms, r.n,
		    r.extra, r.closed ? "closed" : "open");
	}
	/* Exactly one answer: the body was never taken for a request. */
	assert_int_equal(r.n, 1);
	assert_int_equal(r.extra, 0);
	/* An unread body: the answer says close, and the server closes. */
	if (!methods[m].reads_body)
		assert_true(r.closed);
}

static void
test_body_is_a_request(void **state)
{
	struct desync	*d = *state;
	size_t		 m, i;

	for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
		for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
			one_case(d, m, routes[i], PAUSE_MS);
	}
	assert_int_equal(rest_topic_count(d->cfg.kafka_brokers, d->topic), 0);
}

static void
test_body_in_the_same_write(void **state)
{
	struct desync	*d = *state;
	size_t		 m, i;

	for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
		for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
			one_case(d, m, routes[i], 0);
	}
	assert_int_equal(rest_topic_count(d->cfg.kafka_brokers, d->topic), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_is_a_request),
		cmocka_unit_test(test_body_in_the_same_write),
	};

	return (cmocka_run_group_tests(tests, desync_setup, desync_teardown));
}
