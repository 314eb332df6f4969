/* SPDX-License-Identifier: ISC */
/*
 * Kafka goes away and comes back: Kore runs against a private Kafka
 * (scripts/stack with its own state dir and ports) with a 2 s ack timeout.
 * With the broker stopped a vote gets 503 + Retry-After within the timeout
 * and /readyz says 503; once it is started again votes get 202 without
 * restarting Kore. Only the private instance is ever stopped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_rest_support.h"
#include "vote_id.h"

#define ACK_TIMEOUT_MS	2000
#define MARGIN_MS	1500

struct fixture {
	char			state_dir[128];
	char			brokers[64];
	int			kafka_port;
	int			controller_port;
	struct rest_kore	kore;
	int			kore_up;
};

static const char vote[] =
    "{\"name\":\"Malacates Trébol Shop\",\"album\":\"Niño Rata\","
    "\"year\":2011,\"rank\":1}";

/* scripts/stack up|down kafka for the private instance only. */
static int
stack(struct fixture *f, const char *verb)
{
	char	cmd[1024];

	snprintf(cmd, sizeof(cmd), "cd '%s' && MARIMBA_STACK_DIR='%s' "
	    "MARIMBA_KAFKA_PORT=%d MARIMBA_KAFKA_CONTROLLER_PORT=%d "
	    "timeout 150 scripts/stack %s kafka >&2", MARIMBA_SOURCE_DIR,
	    f->state_dir, f->kafka_port, f->controller_port, verb);
	return (system(cmd) == 0 ? 0 : -1);
}

static int	teardown(void **);

/*
 * Stops the private Kafka of an earlier run of this test that died
 * without its teardown (its pid, in the directory name, is gone).
 */
static void
reap_stale_instances(void)
{
	char	cmd[2048];

	snprintf(cmd, sizeof(cmd), "cd '%s' && "
	    "for d in var/stack-resttest-*; do "
	    "[ -d \"$d\" ] || continue; pid=${d##*-}; "
	    "kill -0 \"$pid\" 2>/dev/null && continue; "
	    "p=$(sed -n 's/^listeners=PLAINTEXT:[/][/]127.0.0.1:\\([0-9]*\\),"
	    "CONTROLLER:[/][/]127.0.0.1:\\([0-9]*\\)$/\\1 \\2/p' "
	    "\"$d/kafka/server.properties\" 2>/dev/null); "
	    "if [ -n \"$p\" ]; then MARIMBA_STACK_DIR=\"$d\" "
	    "MARIMBA_KAFKA_PORT=${p%% *} "
	    "MARIMBA_KAFKA_CONTROLLER_PORT=${p##* } "
	    "timeout 60 scripts/stack down kafka >&2; fi; rm -rf \"$d\"; "
	    "done", MARIMBA_SOURCE_DIR);
	(void)system(cmd);
}

static int
setup(void **state)
{
	struct fixture	*f;
	char		 topic[128];
	const char	*env[] = { "MARIMBA_ACK_TIMEOUT_MS=2000", NULL };

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (-1);
	snprintf(f->state_dir, sizeof(f->state_dir), "var/stack-resttest-%d",
	    (int)getpid());
	f->kafka_port = net_free_port();
	do {
		f->controller_port = net_free_port();
	} while (f->controller_port == f->kafka_port);
	snprintf(f->brokers, sizeof(f->brokers), "127.0.0.1:%d",
	    f->kafka_port);
	*state = f;

	reap_stale_instances();
	rest_unique_topic(topic, sizeof(topic), "test-rest-down");
	if (stack(f, "up") == -1 ||
	    rest_topic_create(f->brokers, topic, 1) == -1)
		goto fail;
	if (rest_kore_start(&f->kore, f->brokers, topic, env) == -1)
		goto fail;
	f->kore_up = 1;
	if (rest_wait_ready(&f->kore, 15000, 200) == -1)
		goto fail;
	return (0);

fail:
	/* Stop what started here; cmocka's teardown then finds nothing. */
	(void)teardown(state);
	*state = NULL;
	return (-1);
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[512];
	int		 rc = 0;

	if (f == NULL)
		return (0);
	if (f->kore_up && rest_kore_stop(&f->kore, 15000) != 0)
		rc = -1;
	if (stack(f, "down") == -1)
		rc = -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", MARIMBA_SOURCE_DIR,
	    f->state_dir);
	(void)system(cmd);
	free(f);
	return (rc);
}

static void
test_down_then_up(void **state)
{
	struct fixture		*f = *state;
	struct rest_resp	 resp;
	int64_t			 t0, took;
	char			 v[32];
	int			 i;

	assert_int_equal(rest_request(&f->kore, "POST", "/api/votes",
	    "application/json", vote, strlen(vote), &resp), 0);
	assert_int_equal(resp.status, 202);

	assert_int_equal(stack(f, "down"), 0);

	t0 = marimba_now_ms();
	assert_int_equal(rest_request(&f->kore, "POST", "/api/votes",
	    "application/json", vote, strlen(vote), &resp), 0);
	took = marimba_now_ms() - t0;
	fprintf(stderr, "broker down: %ld after %lld ms: %s\n", resp.status,
	    (long long)took, resp.body);
	assert_int_equal(resp.status, 503);
	assert_true(resp.retry_after[0] != '\0');
	assert_string_equal(resp.content_type, "application/json");
	assert_true(took <= ACK_TIMEOUT_MS + MARGIN_MS);

	assert_int_equal(rest_wait_ready(&f->kore, 5000, 503), 0);
	assert_int_equal(rest_request(&f->kore, "GET", "/readyz", NULL, NULL,
	    0, &resp), 0);
	assert_int_equal(rest_json_string(resp.body, "status", v, sizeof(v)),
	    0);
	assert_string_equal(v, "unavailable");
	assert_int_equal(rest_json_string(resp.body, "kafka", v, sizeof(v)),
	    0);
	assert_string_equal(v, "down");

	assert_int_equal(stack(f, "up"), 0);
	assert_int_equal(rest_wait_ready(&f->kore, 20000, 200), 0);
	/* The producer reconnects on its own; allow it a few attempts. */
	for (i = 0; i < 10; i++) {
		assert_int_equal(rest_request(&f->kore, "POST", "/api/votes",
		    "application/json", vote, strlen(vote), &resp), 0);
		if (resp.status == 202)
			break;
		fprintf(stderr, "after restart: %ld %s\n", resp.status,
		    resp.body);
	}
	assert_int_equal(resp.status, 202);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_then_up),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
