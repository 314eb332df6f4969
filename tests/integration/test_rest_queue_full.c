/* SPDX-License-Identifier: ISC */
/*
 * Back-pressure: with a producer queue of one message, a batch that does
 * not fit gets 503 with Retry-After at once (not after the ack timeout);
 * its first vote, already queued, still reaches Kafka (a 503'd batch may
 * be partly in Kafka), and a vote retried after that gets 202.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "config.h"
#include "test_rest_support.h"
#include "vote_id.h"

static const char one[] =
    "{\"name\":\"Easy Easy\",\"album\":\"Tierra Firme\",\"year\":2014,"
    "\"rank\":5}";

static void
test_full_queue_is_503_at_once(void **state)
{
	struct marimba_config	 cfg;
	struct rest_kore	*kore;
	struct rest_resp	 resp;
	char			 topic[128], batch[1024];
	const char		*env[] = { "MARIMBA_QUEUE_MAX=1",
	    "MARIMBA_ACK_TIMEOUT_MS=10000", NULL };
	struct timespec		 pause = { 0, 100 * 1000 * 1000 };
	int64_t			 t0, took;
	int			 i;

	kore = calloc(1, sizeof(*kore));
	assert_non_null(kore);
	/* rest_kore_teardown stops it if an assertion fails. */
	*state = kore;
	assert_int_equal(rest_setup(&cfg, kore, topic, sizeof(topic),
	    "test-rest-full", 1, env), 0);
	assert_int_equal(rest_wait_ready(kore, 15000, 200), 0);

	snprintf(batch, sizeof(batch), "[%s,%s,%s]", one, one, one);
	t0 = marimba_now_ms();
	assert_int_equal(rest_request(kore, "POST", "/api/votes",
	    "application/json", batch, strlen(batch), &resp), 0);
	took = marimba_now_ms() - t0;
	assert_int_equal(resp.status, 503);
	assert_true(resp.retry_after[0] != '\0');
	assert_string_equal(resp.content_type, "application/json");
	/* At once: far less than the 10 s ack timeout. */
	assert_true(took < 2000);

	/* Once the batch's first vote is acknowledged there is room again. */
	for (i = 0; i < 50; i++) {
		assert_int_equal(rest_request(kore, "POST", "/api/votes",
		    "application/json", one, strlen(one), &resp), 0);
		if (resp.status != 503)
			break;
		(void)nanosleep(&pause, NULL);
	}
	assert_int_equal(resp.status, 202);
	/* The batch's first vote and this one; never the rest of it. */
	assert_int_equal(rest_topic_count(cfg.kafka_brokers, topic), 2);

	assert_int_equal(rest_kore_stop(kore, 15000), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_full_queue_is_503_at_once,
		    rest_kore_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
