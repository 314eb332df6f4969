/* SPDX-License-Identifier: ISC */
/*
 * The Idempotency-Key header of POST /api/votes: a request sent again
 * with the same key and body is answered with the same ids (a ULID
 * whose time is the key's; a batch's ids follow its order), another body
 * under the key gets other ids, no key means new ids every time, and a
 * malformed, future or expired key is a 400 naming the header, with
 * nothing produced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "config.h"
#include "idem_key.h"
#include "test_rest_support.h"
#include "vote_id.h"

#define TTL_S		3600	/* MARIMBA_DEDUPE_TTL_S of the server */
#define MAX_IDS		8

static const char	one[] = "{\"name\":\"Alux Nahual\",\"album\":"
			    "\"Alux Nahual\",\"year\":1979,\"rank\":1}";
static const char	other[] = "{\"name\":\"Alux Nahual\",\"album\":"
			    "\"Alux Nahual\",\"year\":1979,\"rank\":2}";
static const char	batch[] = "[{\"name\":\"Easy Easy\",\"album\":"
			    "\"Tierra Firme\",\"year\":1990,\"rank\":1},"
			    "{\"name\":\"Easy Easy\",\"album\":"
			    "\"Tierra Firme\",\"year\":1990,\"rank\":1},"
			    "{\"name\":\"Viernes Verde\",\"album\":"
			    "\"Verde\",\"year\":1999,\"rank\":3}]";

static int
setup(void **state)
{
	const char	*env[] = { "MARIMBA_DEDUPE_TTL_S=3600", NULL };

	*state = rest_fixture_new(sizeof(struct rest_fixture),
	    "test-rest-idem", 3, env, 15000);
	return (*state == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	return (rest_fixture_free(*state));
}

static size_t
write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct rest_resp	*r = arg;

	return (rest_append(r->body, sizeof(r->body), &r->body_len, data,
	    size * n));
}

/* POSTs body with key as Idempotency-Key (none if NULL). */
static void
post(struct rest_fixture *f, const char *key, const char *body,
    struct rest_resp *r)
{
	CURL			*c;
	struct curl_slist	*hdrs;
	char			 url[128], line[128];

	memset(r, 0, sizeof(*r));
	assert_non_null(c = curl_easy_init());
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/votes",
	    f->kore.port);
	hdrs = curl_slist_append(NULL, "Expect:");
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (key != NULL) {
		(void)snprintf(line, sizeof(line), "Idempotency-Key: %s", key);
		hdrs = curl_slist_append(hdrs, line);
	}
	assert_non_null(hdrs);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
}

/* POSTs and expects a 202 with n ids, copied into ids. */
static void
post_ok(struct rest_fixture *f, const char *key, const char *body, size_t n,
    char (*ids)[VOTE_ID_LEN + 1])
{
	struct rest_resp	r;

	post(f, key, body, &r);
	if (r.status != 202)
		fail_msg("status %ld: %s", r.status, r.body);
	assert_int_equal(rest_parse_ids(r.body, ids, MAX_IDS), n);
}

static void
test_retry_same_id(void **state)
{
	struct rest_fixture	*f = *state;
	char		 key[IDEM_KEY_ULID_LEN + 1];
	char		 a[MAX_IDS][VOTE_ID_LEN + 1];
	char		 b[MAX_IDS][VOTE_ID_LEN + 1];
	size_t		 i;

	assert_int_equal(idem_key_new(key, marimba_now_ms()), 0);
	post_ok(f, key, one, 1, a);
	post_ok(f, key, one, 1, b);
	assert_string_equal(a[0], b[0]);
	assert_memory_equal(a[0], key, 10);	/* the key's time */

	/* The same key in lower case is the same key. */
	for (i = 0; key[i] != '\0'; i++) {
		if (key[i] >= 'A' && key[i] <= 'Z')
			key[i] = (char)(key[i] - 'A' + 'a');
	}
	post_ok(f, key, one, 1, b);
	assert_string_equal(a[0], b[0]);

	/* Another vote under the same key is another vote. */
	post_ok(f, key, other, 1, b);
	assert_string_not_equal(a[0], b[0]);

	/* No key: new ids each time, as before. */
	post_ok(f, NULL, one, 1, a);
	post_ok(f, NULL, one, 1, b);
	assert_string_not_equal(a[0], b[0]);
}

static void
test_batch_retry_same_ids(void **state)
{
	struct rest_fixture	*f = *state;
	char		 key[IDEM_KEY_ULID_LEN + 1];
	char		 a[MAX_IDS][VOTE_ID_LEN + 1];
	char		 b[MAX_IDS][VOTE_ID_LEN + 1];
	long		 before;
	int		 i;

	assert_int_equal(idem_key_new(key, marimba_now_ms()), 0);
	before = rest_topic_count(f->cfg.kafka_brokers, f->topic);
	post_ok(f, key, batch, 3, a);
	post_ok(f, key, batch, 3, b);
	for (i = 0; i < 3; i++)
		assert_string_equal(a[i], b[i]);
	/* Two equal votes of one batch are two votes: their index differs. */
	assert_string_not_equal(a[0], a[1]);
	assert_string_not_equal(a[1], a[2]);
	/* Both attempts were produced: the consumer's dedupe counts once. */
	assert_int_equal(rest_topic_count(f->cfg.kafka_brokers, f->topic),
	    before + 6);
}

static void
test_bad_keys(void **state)
{
	struct rest_fixture		*f = *state;
	struct rest_resp	 r;
	char			 future[IDEM_KEY_ULID_LEN + 1];
	char			 old[IDEM_KEY_ULID_LEN + 1], field[64];
	const char		*bad[] = {
		"retry-1",
		"01ARYZ6S41TSV4RRFFQ69G5FAVX",
		"9b2e5f0c-3d4a-4e1b-8c7d-6f5a4b3c2d1e",	/* v4: no time */
		future,
		old,
	};
	long			 before;
	size_t			 i;

	assert_int_equal(idem_key_new(future, marimba_now_ms() + 600000), 0);
	assert_int_equal(idem_key_new(old, marimba_now_ms() -
	    (int64_t)(TTL_S + 60) * 1000), 0);
	before = rest_topic_count(f->cfg.kafka_brokers, f->topic);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		post(f, bad[i], one, &r);
		if (r.status != 400)
			fail_msg("key '%s': status %ld: %s", bad[i], r.status,
			    r.body);
		assert_int_equal(rest_json_string(r.body, "field", field,
		    sizeof(field)), 0);
		assert_string_equal(field, "Idempotency-Key");
	}
	assert_int_equal(rest_topic_count(f->cfg.kafka_brokers, f->topic),
	    before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_same_id),
		cmocka_unit_test(test_batch_retry_same_ids),
		cmocka_unit_test(test_bad_keys),
	};

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return (1);
	return (cmocka_run_group_tests(tests, setup, teardown));
}
