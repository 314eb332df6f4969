/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the set-up and tear-down of kore/src/viewer/store.c
 * (no server needed: nothing answers on the ports used). stores_new()
 * either makes everything or undoes what it made in one cleanup path;
 * in the ASan tree LeakSanitizer fails this test on anything a failed
 * or a whole set-up leaves behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "store.h"

static void
config(struct marimba_config *cfg)
{
	char	err[256];

	assert_int_equal(marimba_config_load(cfg, err, sizeof(err)), 0);
	/* Port 1 on loopback: refused at once, nothing listens there. */
	(void)snprintf(cfg->redis_host, sizeof(cfg->redis_host), "127.0.0.1");
	cfg->redis_port = 1;
	(void)snprintf(cfg->mongo_uri, sizeof(cfg->mongo_uri),
	    "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100");
}

/* A bad URI fails before anything is made, and says which setting. */
static void
test_bad_uri(void **state)
{
	struct marimba_config	cfg;
	char			err[256];

	(void)state;
	config(&cfg);
	(void)snprintf(cfg.mongo_uri, sizeof(cfg.mongo_uri), "not a uri");
	err[0] = '\0';
	assert_null(stores_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "MARIMBA_MONGO_URI"));
}

/*
 * The whole set-up, then the tear-down: the health thread is joined
 * and every lock, pool and connection freed. Nothing is up before a
 * check reached it.
 */
static void
test_new_free(void **state)
{
	struct marimba_config	 cfg;
	struct stores		*st;
	char			 err[256];
	int			 i;

	(void)state;
	config(&cfg);
	for (i = 0; i < 3; i++) {
		st = stores_new(&cfg, err, sizeof(err));
		assert_non_null(st);
		assert_false(stores_redis_up(st));
		assert_false(stores_mongo_up(st));
		stores_free(st);
	}
	stores_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_bad_uri),
		cmocka_unit_test(test_new_free),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
