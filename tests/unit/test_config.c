/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/config.c: defaults, overrides and rejected values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static void
test_defaults(void **state)
{
	struct marimba_config	cfg;
	char			err[256];

	(void)state;
	unsetenv("MARIMBA_KAFKA_BROKERS");
	unsetenv("MARIMBA_HTTP_PORT");
	unsetenv("MARIMBA_ACK_TIMEOUT_MS");
	unsetenv("MARIMBA_REQUEST_TIMEOUT_MS");
	unsetenv("MARIMBA_PRODUCER_LINGER_MS");
	unsetenv("MARIMBA_PRODUCER_STICKY_MS");
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.kafka_brokers, "127.0.0.1:9092");
	assert_string_equal(cfg.kafka_topic, "votes");
	assert_int_equal(cfg.http_port, 8080);
	assert_int_equal(cfg.redis_port, 6379);
	assert_int_equal(cfg.max_batch, 1000);
	/* A broker crash is fenced in ~6 s: votes wait well past that. */
	assert_int_equal(cfg.ack_timeout_ms, 20000);
	assert_int_equal(cfg.request_timeout_ms, 5000);
	assert_int_equal(cfg.producer_linger_ms, 1);
	assert_int_equal(cfg.producer_sticky_ms, 10);
	assert_string_equal(cfg.consumer_sinks, "redis,mongo");
	assert_string_equal(cfg.metrics_addr, "127.0.0.1");
	assert_int_equal(cfg.metrics_port, 9464);
	assert_int_equal(cfg.redis_linger_ms, 0);
	assert_int_equal(cfg.mongo_linger_ms, 50);
	assert_int_equal(cfg.mongo_inflight, 2);
	assert_int_equal(cfg.redis_inflight, 3);
	assert_int_equal(cfg.grpc.max_streams, 100);
	assert_int_equal(cfg.grpc.stream_timeout_ms, 30000);
	assert_int_equal(cfg.grpc.max_age_ms, 1800000);
	assert_int_equal(cfg.log_reads_max, 4);
	assert_int_equal(cfg.log_read_timeout_ms, 2000);
}

static void
test_override(void **state)
{
	struct marimba_config	cfg;
	char			err[256];

	(void)state;
	setenv("MARIMBA_KAFKA_BROKERS", "127.0.0.1:19092", 1);
	setenv("MARIMBA_HTTP_PORT", "18080", 1);
	setenv("MARIMBA_GRPC_MAX_AGE_MS", "0", 1);
	/* 0: the partition of the vote id's hash, as before. */
	setenv("MARIMBA_PRODUCER_STICKY_MS", "0", 1);
	setenv("MARIMBA_PRODUCER_LINGER_MS", "5", 1);
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.kafka_brokers, "127.0.0.1:19092");
	assert_int_equal(cfg.http_port, 18080);
	assert_int_equal(cfg.grpc.max_age_ms, 0);
	assert_int_equal(cfg.producer_sticky_ms, 0);
	assert_int_equal(cfg.producer_linger_ms, 5);
	unsetenv("MARIMBA_PRODUCER_STICKY_MS");
	unsetenv("MARIMBA_PRODUCER_LINGER_MS");
	unsetenv("MARIMBA_KAFKA_BROKERS");
	unsetenv("MARIMBA_HTTP_PORT");
	unsetenv("MARIMBA_GRPC_MAX_AGE_MS");
}

static void
test_rejects_bad_numbers(void **state)
{
	struct marimba_config	cfg;
	char			err[256];
	const char		*bad[] = { "0", "65536", "80x", "-1", "abc" };
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("MARIMBA_HTTP_PORT", bad[i], 1);
		assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)),
		    -1);
		assert_non_null(strstr(err, "MARIMBA_HTTP_PORT"));
	}
	unsetenv("MARIMBA_HTTP_PORT");
	/* The mongo sink: 1 (synchronous) to 4 insert workers. */
	for (i = 0; i < 2; i++) {
		setenv("MARIMBA_MONGO_INFLIGHT", i == 0 ? "0" : "5", 1);
		assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)),
		    -1);
		assert_non_null(strstr(err, "MARIMBA_MONGO_INFLIGHT"));
	}
	unsetenv("MARIMBA_MONGO_INFLIGHT");
	/* The redis sink's pipeline: 1 (synchronous) to 8 batches. */
	for (i = 0; i < 2; i++) {
		setenv("MARIMBA_REDIS_INFLIGHT", i == 0 ? "0" : "9", 1);
		assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)),
		    -1);
		assert_non_null(strstr(err, "MARIMBA_REDIS_INFLIGHT"));
	}
	setenv("MARIMBA_REDIS_INFLIGHT", "8", 1);
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.redis_inflight, 8);
	unsetenv("MARIMBA_REDIS_INFLIGHT");
	setenv("MARIMBA_PRODUCER_STICKY_MS", "-1", 1);
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "MARIMBA_PRODUCER_STICKY_MS"));
	unsetenv("MARIMBA_PRODUCER_STICKY_MS");
}

static void
test_rejects_long_string(void **state)
{
	struct marimba_config	cfg;
	char			err[256], big[600];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	setenv("MARIMBA_MONGO_URI", big, 1);
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "MARIMBA_MONGO_URI"));
	unsetenv("MARIMBA_MONGO_URI");
}

static void
test_grafana_url(void **state)
{
	struct marimba_config	cfg;
	char			err[256];
	const char		*bad[] = { "javascript:alert(1)", "ftp://x",
				    "//grafana", "https://g/a b",
				    "https://g/\x01", "grafana:3000" };
	size_t			i;

	(void)state;
	unsetenv("MARIMBA_GRAFANA_URL");
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.grafana_url, "");
	setenv("MARIMBA_GRAFANA_URL", "https://grafana.example/d/x?a=1&b=2",
	    1);
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.grafana_url,
	    "https://grafana.example/d/x?a=1&b=2");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("MARIMBA_GRAFANA_URL", bad[i], 1);
		assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)),
		    -1);
		assert_non_null(strstr(err, "MARIMBA_GRAFANA_URL"));
	}
	unsetenv("MARIMBA_GRAFANA_URL");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_rejects_bad_numbers),
		cmocka_unit_test(test_rejects_long_string),
		cmocka_unit_test(test_grafana_url),
	};

	return (cmocka_run_group_tests_name("config", tests, NULL, NULL));
}
