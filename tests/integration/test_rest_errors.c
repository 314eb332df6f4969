/* SPDX-License-Identifier: ISC */
/*
 * The votes API refuses bad requests with the right status and a JSON
 * body, one request per class of mistake, and none of them puts anything
 * on Kafka (the test's own topic stays empty, even for a batch whose only
 * bad element is the last one).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "config.h"
#include "test_rest_support.h"

#define MAX_BODY	4096
#define MAX_BATCH	5

static const char good[] =
    "{\"name\":\"Bohemia Suburbana\",\"album\":\"Mi Vida\","
    "\"year\":1995,\"rank\":2}";

static int
setup(void **state)
{
	const char	*env[] = { "MARIMBA_MAX_BODY=4096",
	    "MARIMBA_MAX_BATCH=5", NULL };

	*state = rest_fixture_new(sizeof(struct rest_fixture),
	    "test-rest-errors", 3, env, 0);
	return (*state == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	return (rest_fixture_free(*state));
}

/*
 * Sends one request and checks the status, that the body is a JSON object
 * with an "error" string, and (if not NULL/-1) its field and index.
 */
static void
expect(struct rest_fixture *f, const char *method, const char *path,
    const char *ctype, const char *body, size_t len, long status,
    const char *field, long index)
{
	struct rest_resp	 resp;
	const char		*err_path[] = { "error", NULL };
	const char		*field_path[] = { "field", NULL };
	const char		*index_path[] = { "index", NULL };
	yajl_val		 root, v;
	const char		*s;
	char			 perr[128];

	assert_int_equal(rest_request(&f->kore, method, path, ctype, body,
	    len, &resp), 0);
	if (resp.status != status)
		fprintf(stderr, "%s %s: got %ld (%s), want %ld\n", method,
		    path, resp.status, resp.body, status);
	assert_int_equal(resp.status, status);
	assert_string_equal(resp.content_type, "application/json");

	root = yajl_tree_parse(resp.body, perr, sizeof(perr));
	if (root == NULL)
		fprintf(stderr, "not JSON: %s (%s)\n", resp.body, perr);
	assert_non_null(root);
	v = yajl_tree_get(root, err_path, yajl_t_string);
	assert_non_null(v);
	s = YAJL_GET_STRING(v);
	assert_non_null(s);
	assert_true(*s != '\0');
	if (field != NULL) {
		v = yajl_tree_get(root, field_path, yajl_t_string);
		if (v == NULL)
			fprintf(stderr, "no field in %s\n", resp.body);
		assert_non_null(v);
		s = YAJL_GET_STRING(v);
		assert_non_null(s);
		assert_string_equal(s, field);
	}
	if (index >= 0) {
		v = yajl_tree_get(root, index_path, yajl_t_number);
		assert_non_null(v);
		assert_int_equal(YAJL_GET_INTEGER(v), index);
	}
	/* A contract error always says field and index (-1: none). */
	if (status == 400) {
		assert_non_null(yajl_tree_get(root, field_path,
		    yajl_t_string));
		assert_non_null(yajl_tree_get(root, index_path,
		    yajl_t_number));
	}
	yajl_tree_free(root);

	if (status == 405)
		assert_true(resp.allow[0] != '\0');
}

static void
post(struct rest_fixture *f, const char *body, long status, const char *field,
    long index)
{
	expect(f, "POST", "/api/votes", "application/json", body,
	    strlen(body), status, field, index);
}

static void
test_bad_json(void **state)
{
	struct rest_fixture	*f = *state;

	post(f, "{\"name\":\"Alux Nahual\",", 400, NULL, -1);
	post(f, "", 400, NULL, -1);
	post(f, "[]", 400, NULL, -1);
	post(f, "\"a vote\"", 400, NULL, -1);
	post(f, "{\"name\":\"a\",\"album\":\"b\",\"year\":1990,\"rank\":1} {}",
	    400, NULL, -1);
}

static void
test_bad_fields(void **state)
{
	struct rest_fixture	*f = *state;
	char		 body[512], name[200];

	/* Wrong type. */
	post(f, "{\"name\":1,\"album\":\"b\",\"year\":1990,\"rank\":1}",
	    400, "name", -1);
	post(f, "{\"name\":\"a\",\"album\":\"b\",\"year\":true,\"rank\":1}",
	    400, "year", -1);
	post(f, "{\"name\":\"a\",\"album\":\"b\",\"year\":1990,\"rank\":[1]}",
	    400, "rank", -1);
	/* Missing field. */
	post(f, "{\"name\":\"a\",\"album\":\"b\",\"year\":1990}", 400, "rank",
	    -1);
	/* Unknown field. */
	post(f, "{\"name\":\"a\",\"album\":\"b\",\"year\":1990,\"rank\":1,"
	    "\"color\":\"red\"}", 400, "color", -1);
	/* Oversized field: one byte over VOTE_NAME_MAX. */
	memset(name, 'x', VOTE_NAME_MAX + 1);
	name[VOTE_NAME_MAX + 1] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"album\":\"b\","
	    "\"year\":1990,\"rank\":1}", name);
	post(f, body, 400, "name", -1);
	/* Duplicate key. */
	post(f, "{\"name\":\"a\",\"name\":\"b\",\"album\":\"b\",\"year\":1990,"
	    "\"rank\":1}", 400, "name", -1);
	/* Out of range. */
	post(f, "{\"name\":\"a\",\"album\":\"b\",\"year\":1899,\"rank\":1}",
	    400, "year", -1);
	post(f, "{\"name\":\"a\",\"album\":\"b\",\"year\":1990,\"rank\":0}",
	    400, "rank", -1);
	/* Client text that needs escaping in the answer stays valid JSON. */
	post(f, "{\"name\":\"a\",\"album\":\"b\",\"year\":1990,\"rank\":1,"
	    "\"<\\\"\\u0001\\\\>\":1}", 400, NULL, -1);
}

static void
test_batch_with_one_bad_element(void **state)
{
	struct rest_fixture	*f = *state;
	char		 body[1024];

	/* The last element is bad: nothing of the batch may be produced. */
	snprintf(body, sizeof(body), "[%s,%s,%s,{\"name\":\"a\",\"album\":"
	    "\"b\",\"year\":1990,\"rank\":1001}]", good, good, good);
	post(f, body, 400, "rank", 3);
	snprintf(body, sizeof(body), "[%s,%s,%s,%s,%s,%s]", good, good, good,
	    good, good, good);
	post(f, body, 413, NULL, -1);
}

static void
test_too_large(void **state)
{
	struct rest_fixture	*f = *state;
	char		*body;
	size_t		 big = 40 * MAX_BODY;

	body = malloc(big);
	assert_non_null(body);
	memset(body, ' ', big);
	memcpy(body, good, strlen(good));
	/* Just over MARIMBA_MAX_BODY: our JSON 413. */
	expect(f, "POST", "/api/votes", "application/json", body,
	    MAX_BODY + 1, 413, NULL, -1);
	/* Far over: spooled to disk by Kore, still our JSON 413. */
	expect(f, "POST", "/api/votes", "application/json", body,
	    40 * MAX_BODY, 413, NULL, -1);
	free(body);
}

static void
test_content_type(void **state)
{
	struct rest_fixture	*f = *state;

	expect(f, "POST", "/api/votes", "text/plain", good, strlen(good), 415,
	    NULL, -1);
	expect(f, "POST", "/api/votes", "application/jsonx", good,
	    strlen(good), 415, NULL, -1);
	expect(f, "POST", "/api/votes", "application/x-www-form-urlencoded",
	    good, strlen(good), 415, NULL, -1);
}

static void
test_routes_and_methods(void **state)
{
	struct rest_fixture	*f = *state;

	expect(f, "GET", "/nope", NULL, NULL, 0, 404, NULL, -1);
	expect(f, "POST", "/api/votes/", "application/json", good,
	    strlen(good), 404, NULL, -1);
	expect(f, "GET", "/api", NULL, NULL, 0, 404, NULL, -1);
	/* GET /api/votes is the tallies (kore/src/viewer/tallies.c). */
	expect(f, "DELETE", "/api/votes", NULL, NULL, 0, 405, NULL, -1);
	expect(f, "PATCH", "/api/votes", "application/json", good,
	    strlen(good), 405, NULL, -1);
	expect(f, "POST", "/readyz", "application/json", good, strlen(good),
	    405, NULL, -1);
	expect(f, "PUT", "/api/votes", "application/json", good,
	    strlen(good), 405, NULL, -1);
}

/* Runs last: after the whole corpus the topic must still be empty. */
static void
test_nothing_produced(void **state)
{
	struct rest_fixture	*f = *state;

	assert_int_equal(rest_topic_count(f->cfg.kafka_brokers, f->topic), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_batch_with_one_bad_element),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_routes_and_methods),
		cmocka_unit_test(test_nothing_produced),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
