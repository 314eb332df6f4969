/* SPDX-License-Identifier: ISC */
/*
 * The log window's members (lib/log_window_doc.c): a log survives the
 * round trip whatever its text (quotes, backslashes, control-free UTF-8,
 * markup, longest fields), members sort by id, and anything that is not
 * a member the consumer writes is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "log_window.h"

#define ID	"01M8SSQKEEV9NWRA2F35EP7NPX"

static void
entry(struct log_entry *e, const char *id, const char *name,
    const char *album)
{
	memset(e, 0, sizeof(*e));
	strcpy(e->id, id);
	strcpy(e->name, name);
	strcpy(e->album, album);
	e->year = 1987;
	e->rank = 1000;
	strcpy(e->source, "grpc");
	e->accepted_ms = 1796162622123LL;
}

static void
round_trip(const struct log_entry *e)
{
	char			m[LOG_WINDOW_MEMBER_MAX];
	struct log_entry	back;
	int			len;

	len = log_window_member(e, m, sizeof(m));
	assert_true(len > VOTE_ID_LEN + 1);
	assert_int_equal((size_t)len, strlen(m));
	assert_memory_equal(m, e->id, VOTE_ID_LEN);
	assert_int_equal(m[VOTE_ID_LEN], '\t');
	assert_int_equal(log_window_member_parse(m, (size_t)len, &back), 0);
	assert_memory_equal(&back, e, sizeof(back));
}

static void
test_round_trip(void **state)
{
	struct log_entry	e;
	char			longest[VOTE_NAME_MAX + 1];

	(void)state;
	entry(&e, ID, "Alux Nahual", "Hombres de maíz");
	round_trip(&e);
	entry(&e, ID, "<script>alert(1)</script>", "\"><img src=x "
	    "onerror=alert(1)> \\ \" ' \xe2\x80\x94 \xf0\x9f\x8e\xb5");
	round_trip(&e);
	/* Every byte escaped would be longest: '"' and '\\' are. */
	memset(longest, '"', VOTE_NAME_MAX);
	longest[VOTE_NAME_MAX] = '\0';
	entry(&e, ID, longest, longest);
	round_trip(&e);
}

static void
test_sorts_by_id(void **state)
{
	struct log_entry	a, b;
	char			ma[LOG_WINDOW_MEMBER_MAX];
	char			mb[LOG_WINDOW_MEMBER_MAX];

	(void)state;
	/* An older id with a "bigger" JSON still sorts first. */
	entry(&a, "01M8SSQKEEV9NWRA2F35EP7NPW", "zzzz", "zzzz");
	entry(&b, ID, "aaaa", "aaaa");
	assert_true(log_window_member(&a, ma, sizeof(ma)) > 0);
	assert_true(log_window_member(&b, mb, sizeof(mb)) > 0);
	assert_true(strcmp(ma, mb) < 0);
	/* A member sorts after its bare id, before the next id. */
	assert_true(strcmp(mb, ID) > 0);
	assert_true(strcmp(mb, "01M8SSQKEEV9NWRA2F35EP7NPY") < 0);
}

static void
test_refuses(void **state)
{
	static const char	*bad[] = {
		"",
		ID,
		ID "\t",
		ID " {\"name\":\"a\"}",
		"01M8SSQKEEV9NWRA2F35EP7NP\t{}",
		"81M8SSQKEEV9NWRA2F35EP7NPX\t{\"name\":\"a\",\"album\":\"b\","
		    "\"year\":1,\"rank\":1,\"source\":\"rest\","
		    "\"accepted_ms\":1}",
		ID "\t{\"name\":\"a\",\"album\":\"b\",\"year\":1,\"rank\":1,"
		    "\"source\":\"rest\"}",
		ID "\t{\"name\":\"a\",\"album\":\"b\",\"year\":\"1\","
		    "\"rank\":1,\"source\":\"rest\",\"accepted_ms\":1}",
		ID "\t{\"name\":\"a\",\"album\":\"b\",\"year\":1.5,\"rank\":1,"
		    "\"source\":\"rest\",\"accepted_ms\":1}",
		ID "\t{\"name\":\"a\",\"album\":\"b\",\"year\":1,\"rank\":1,"
		    "\"source\":\"toolong!\",\"accepted_ms\":1}",
		ID "\t{\"name\":\"a\",\"album\":\"b\",\"year\":1,\"rank\":1,"
		    "\"source\":\"rest\",\"accepted_ms\":1",
		ID "\t[1,2,3]",
		ID "\tnull",
	};
	struct log_entry	e;
	char			huge[LOG_WINDOW_MEMBER_MAX + 8];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (log_window_member_parse(bad[i], strlen(bad[i]), &e) != -1)
			fail_msg("accepted: %s", bad[i]);
	}
	/* A NUL inside, and more than any member can be. */
	assert_int_equal(log_window_member_parse(ID "\t{}\0x", 30, &e), -1);
	memset(huge, 'a', sizeof(huge));
	memcpy(huge, ID "\t", VOTE_ID_LEN + 1);
	assert_int_equal(log_window_member_parse(huge, sizeof(huge), &e), -1);
	/* Too small a buffer: refused, not cut. */
	entry(&e, ID, "Alux Nahual", "Hombres");
	assert_int_equal(log_window_member(&e, huge, 40), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_sorts_by_id),
		cmocka_unit_test(test_refuses),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
