/* SPDX-License-Identifier: ISC */
/*
 * marimba-grpc against the real Kafka: valid votes through Cast and
 * CastStream come back as ids and land on the topic exactly once each
 * with source "grpc"; bad requests are INVALID_ARGUMENT (or
 * RESOURCE_EXHAUSTED for size) and produce nothing; unknown methods are
 * UNIMPLEMENTED; the health check says SERVING.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <grpc/grpc.h>

#include "vote.pb-c.h"

#include "cast_request.h"
#include "deconst.h"
#include "test_grpc_util.h"

#define MAX_BATCH	50	/* MARIMBA_MAX_BATCH of the server under test */
#define N_UNARY		20
#define N_STREAM	25
#define CALL_MS		10000

static int
setup(void **state)
{
	static struct tg_fixture	 f;
	static const char		*extra[] = { "MARIMBA_MAX_BATCH=50",
	    NULL };

	if (tg_fixture_up(&f, "grpc-cast", extra) == -1)
		return (-1);
	*state = &f;
	return (0);
}

/* Every id is on the topic exactly once, carrying votes[i]. */
static void
assert_on_topic(struct tg_fixture *f, const struct vote *votes,
    char (*ids)[VOTE_ID_LEN + 1], size_t n)
{
	struct vote	*got;
	size_t		 ngot, i, j, seen;

	assert_int_equal(tg_topic_read(TG_BROKERS, f->topic, &got, &ngot), 0);
	for (i = 0; i < n; i++) {
		seen = 0;
		for (j = 0; j < ngot; j++) {
			if (strcmp(got[j].id, ids[i]) != 0)
				continue;
			seen++;
			assert_string_equal(got[j].name, votes[i].name);
			assert_string_equal(got[j].album, votes[i].album);
			assert_int_equal(got[j].year, votes[i].year);
			assert_int_equal(got[j].rank, votes[i].rank);
			assert_string_equal(got[j].source, "grpc");
			assert_true(got[j].received_at_ms > 0);
		}
		assert_int_equal(seen, 1);
	}
	free(got);
}

static void
test_cast_unary(void **state)
{
	struct tg_fixture	*f = *state;
	struct vote		 votes[N_UNARY];
	char			 ids[N_UNARY][VOTE_ID_LEN + 1], why[256];
	long			 before;
	int			 i;

	before = tg_topic_count(TG_BROKERS, f->topic);
	assert_true(before >= 0);
	for (i = 0; i < N_UNARY; i++) {
		tg_vote(&votes[i], i);
		assert_int_equal(tg_cast(f->ch, f->cq, &votes[i], ids[i],
		    CALL_MS, why, sizeof(why)), GRPC_STATUS_OK);
	}
	assert_int_equal(tg_topic_count(TG_BROKERS, f->topic),
	    before + N_UNARY);
	assert_on_topic(f, votes, ids, N_UNARY);
}

static void
test_cast_stream(void **state)
{
	struct tg_fixture	*f = *state;
	struct vote		 votes[N_STREAM];
	char			 ids[N_STREAM][VOTE_ID_LEN + 1], why[256];
	long			 before;
	int			 i;

	before = tg_topic_count(TG_BROKERS, f->topic);
	assert_true(before >= 0);
	for (i = 0; i < N_STREAM; i++)
		tg_vote(&votes[i], 100 + i);
	assert_int_equal(tg_cast_stream(f->ch, f->cq, votes, N_STREAM, ids,
	    CALL_MS, why, sizeof(why)), GRPC_STATUS_OK);
	for (i = 1; i < N_STREAM; i++)
		assert_string_not_equal(ids[i], ids[i - 1]);
	assert_int_equal(tg_topic_count(TG_BROKERS, f->topic),
	    before + N_STREAM);
	assert_on_topic(f, votes, ids, N_STREAM);
}

/* One raw call; returns the status and copies the details. */
static grpc_status_code
raw_call(struct tg_fixture *f, const char *method, const struct rpc_msg *msgs,
    size_t n, int stream, char *why, size_t whylen)
{
	struct rpc_result	res;
	grpc_status_code	st;

	assert_int_equal(rpc_call(f->ch, f->cq, method, msgs, n, stream,
	    CALL_MS, &res), 0);
	st = res.status;
	(void)snprintf(why, whylen, "%s", res.details);
	rpc_result_clear(&res);
	return (st);
}

/* A CastRequest with any strings (longer than struct vote allows). */
static struct rpc_msg
request(const char *name, const char *album, uint32_t year, uint32_t rank)
{
	Marimba__V1__CastRequest	 req = MARIMBA__V1__CAST_REQUEST__INIT;
	struct rpc_msg			 m;
	uint8_t				*buf;

	req.name = DECONST(char *, name);
	req.album = DECONST(char *, album);
	req.year = year;
	req.rank = rank;
	m.len = marimba__v1__cast_request__get_packed_size(&req);
	buf = malloc(m.len + 1);
	assert_non_null(buf);
	(void)marimba__v1__cast_request__pack(&req, buf);
	m.data = buf;
	return (m);
}

static void
assert_invalid(struct tg_fixture *f, struct rpc_msg m, const char *expect)
{
	char	why[256];

	assert_int_equal(raw_call(f, RPC_METHOD_CAST, &m, 1, 0, why,
	    sizeof(why)), GRPC_STATUS_INVALID_ARGUMENT);
	if (strstr(why, expect) == NULL)
		fail_msg("details '%s' do not mention '%s'", why, expect);
	free(DECONST(void *, m.data));
}

static void
test_bad_requests(void **state)
{
	struct tg_fixture	*f = *state;
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
	/* name "ab\0cd", album "x", year 2000, rank 1, by hand. */
	static const uint8_t nul[] = { 0x0a, 0x05, 'a', 'b', 0x00, 'c', 'd',
	    0x12, 0x01, 'x', 0x18, 0xd0, 0x0f, 0x20, 0x01 };
	struct rpc_msg	 m, batch[4], *big;
	struct vote	 v;
	char		 longname[VOTE_NAME_MAX + 2], why[256], *huge;
	long		 before;
	size_t		 i;

	before = tg_topic_count(TG_BROKERS, f->topic);
	assert_true(before >= 0);

	m.data = garbage;
	m.len = sizeof(garbage);
	assert_int_equal(raw_call(f, RPC_METHOD_CAST, &m, 1, 0, why,
	    sizeof(why)), GRPC_STATUS_INVALID_ARGUMENT);
	m.data = nul;
	m.len = sizeof(nul);
	assert_int_equal(raw_call(f, RPC_METHOD_CAST, &m, 1, 0, why,
	    sizeof(why)), GRPC_STATUS_INVALID_ARGUMENT);
	m.data = (const uint8_t *)"";
	m.len = 0;	/* every field missing */
	assert_int_equal(raw_call(f, RPC_METHOD_CAST, &m, 1, 0, why,
	    sizeof(why)), GRPC_STATUS_INVALID_ARGUMENT);

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_invalid(f, request("", "Resistencia", 2008, 2), "name");
	assert_invalid(f, request("   ", "Resistencia", 2008, 2), "name");
	assert_invalid(f, request("Bohemia Suburbana", "", 2008, 2), "album");
	assert_invalid(f, request(longname, "Resistencia", 2008, 2), "name");
	assert_invalid(f, request("Bohemia", longname, 2008, 2), "album");
	assert_invalid(f, request("Bohemia", "Resistencia", 1899, 2), "year");
	assert_invalid(f, request("Bohemia", "Resistencia", 2101, 2), "year");
	assert_invalid(f, request("Bohemia", "Resistencia", 2008, 0), "rank");
	assert_invalid(f, request("Bohemia", "Resistencia", 2008, 1001),
	    "rank");
	assert_invalid(f, request("Bohemia\xc3\x28", "Resistencia", 2008, 2),
	    "UTF-8");

	/* A batch with one bad vote: nothing of it is produced. */
	for (i = 0; i < 4; i++)
		batch[i] = request("Alux Nahual", "Alux Nahual", 1981,
		    i == 2 ? 0 : (uint32_t)i + 1);
	assert_int_equal(raw_call(f, RPC_METHOD_CAST_STREAM, batch, 4, 1, why,
	    sizeof(why)), GRPC_STATUS_INVALID_ARGUMENT);
	if (strstr(why, "vote 2") == NULL)
		fail_msg("details '%s' do not name vote 2", why);
	for (i = 0; i < 4; i++)
		free(DECONST(void *, batch[i].data));

	/* The first vote bad: the answer comes while the client still sends. */
	big = calloc(MAX_BATCH, sizeof(*big));
	assert_non_null(big);
	for (i = 0; i < MAX_BATCH; i++)
		big[i] = request(i == 0 ? "" : "Alux Nahual", "Alux Nahual",
		    1981, 1);
	assert_int_equal(raw_call(f, RPC_METHOD_CAST_STREAM, big, MAX_BATCH,
	    1, why, sizeof(why)), GRPC_STATUS_INVALID_ARGUMENT);
	if (strstr(why, "vote 0: name") == NULL)
		fail_msg("details '%s' do not name vote 0", why);
	for (i = 0; i < MAX_BATCH; i++)
		free(DECONST(void *, big[i].data));
	free(big);

	/* An empty stream, and one longer than MARIMBA_MAX_BATCH. */
	assert_int_equal(raw_call(f, RPC_METHOD_CAST_STREAM, NULL, 0, 1, why,
	    sizeof(why)), GRPC_STATUS_INVALID_ARGUMENT);
	big = calloc(MAX_BATCH + 1, sizeof(*big));
	assert_non_null(big);
	for (i = 0; i < MAX_BATCH + 1; i++)
		big[i] = request("Alux Nahual", "Alux Nahual", 1981, 1);
	assert_int_equal(raw_call(f, RPC_METHOD_CAST_STREAM, big,
	    MAX_BATCH + 1, 1, why, sizeof(why)),
	    GRPC_STATUS_RESOURCE_EXHAUSTED);
	for (i = 0; i < MAX_BATCH + 1; i++)
		free(DECONST(void *, big[i].data));
	free(big);

	/* A message over the 64 KiB limit is refused by the gRPC core. */
	huge = malloc(70 * 1024);
	assert_non_null(huge);
	memset(huge, 'x', 70 * 1024 - 1);
	huge[70 * 1024 - 1] = '\0';
	m = request(huge, "Resistencia", 2008, 2);
	assert_int_equal(raw_call(f, RPC_METHOD_CAST, &m, 1, 0, why,
	    sizeof(why)), GRPC_STATUS_RESOURCE_EXHAUSTED);
	free(DECONST(void *, m.data));
	free(huge);

	/* Still works after all that. */
	tg_vote(&v, 7);
	assert_int_equal(tg_cast(f->ch, f->cq, &v, NULL, CALL_MS, why,
	    sizeof(why)), GRPC_STATUS_OK);

	/* Exactly the one good vote was produced (it was acknowledged). */
	assert_int_equal(tg_topic_count(TG_BROKERS, f->topic), before + 1);
}

static void
test_unknown_method(void **state)
{
	struct tg_fixture	*f = *state;
	struct rpc_msg		 m;
	char			 why[256];

	m.data = (const uint8_t *)"";
	m.len = 0;
	assert_int_equal(raw_call(f, "/marimba.v1.VoteService/Retract", &m,
	    1, 0, why, sizeof(why)), GRPC_STATUS_UNIMPLEMENTED);
	assert_int_equal(raw_call(f, "/grpc.health.v1.Health/Watch", &m, 1, 0,
	    why, sizeof(why)), GRPC_STATUS_UNIMPLEMENTED);
}

static void
test_health(void **state)
{
	struct tg_fixture	*f = *state;
	int			 serving;

	assert_int_equal(tg_health(f->ch, f->cq, "", &serving),
	    GRPC_STATUS_OK);
	assert_int_equal(serving, 1);
	assert_int_equal(tg_health(f->ch, f->cq, "marimba.v1.VoteService",
	    &serving), GRPC_STATUS_OK);
	assert_int_equal(serving, 1);
	assert_int_equal(tg_health(f->ch, f->cq, "marimba.v1.Nothing",
	    &serving), GRPC_STATUS_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_cast_unary),
		cmocka_unit_test(test_cast_stream),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_unknown_method),
	};

	return (cmocka_run_group_tests(tests, setup, tg_fixture_teardown));
}
