/* SPDX-License-Identifier: ISC */
/*
 * idempotency-key metadata on marimba-grpc: a Cast or CastStream made
 * again with the same key is answered with the same ids (a ULID whose
 * time is the key's), other votes under the key get other ids, a call
 * without a key gets new ids each time, and a malformed, future or
 * expired key (or two keys) is INVALID_ARGUMENT with nothing produced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <grpc/grpc.h>

#include "vote.pb-c.h"

#include "cast_request.h"
#include "deconst.h"
#include "idem_key.h"
#include "test_grpc_util.h"
#include "vote_id.h"

#define CALL_MS		10000
#define N_STREAM	5
#define TTL_S		3600	/* MARIMBA_DEDUPE_TTL_S of the server */

static int
setup(void **state)
{
	static struct tg_fixture	 f;
	static const char		*extra[] = {
	    "MARIMBA_DEDUPE_TTL_S=3600", NULL };

	if (tg_fixture_up(&f, "grpc-idem", extra) == -1)
		return (-1);
	*state = &f;
	return (0);
}

/*
 * Casts n votes (a CastStream if stream) with key as idempotency-key
 * metadata (none if NULL, twice if twice); the ids go into ids.
 */
static grpc_status_code
cast(struct tg_fixture *f, const struct vote *votes, size_t n, int stream,
    const char *key, int twice, char (*ids)[VOTE_ID_LEN + 1])
{
	Marimba__V1__CastReply		*one;
	Marimba__V1__CastStreamReply	*many;
	struct rpc_msg			 msgs[N_STREAM];
	struct rpc_result		 res;
	grpc_metadata			 md[2];
	grpc_status_code		 st;
	uint8_t				*buf;
	size_t				 i, len, nmd;

	assert_true(n <= N_STREAM);
	for (i = 0; i < n; i++) {
		assert_int_equal(cast_request_encode(&votes[i], &buf, &len), 0);
		msgs[i].data = buf;
		msgs[i].len = len;
	}
	memset(md, 0, sizeof(md));
	nmd = 0;
	for (i = 0; key != NULL && i < (twice ? 2u : 1u); i++) {
		md[i].key = grpc_slice_from_static_string(
		    RPC_MD_IDEMPOTENCY_KEY);
		md[i].value = grpc_slice_from_copied_string(key);
		nmd++;
	}
	assert_int_equal(rpc_call_md(f->ch, f->cq, stream ?
	    RPC_METHOD_CAST_STREAM : RPC_METHOD_CAST, nmd > 0 ? md : NULL, nmd,
	    msgs, n, stream, CALL_MS, &res), 0);
	for (i = 0; i < nmd; i++)
		grpc_slice_unref(md[i].value);
	for (i = 0; i < n; i++)
		free(DECONST(void *, msgs[i].data));
	st = res.status;
	if (st == GRPC_STATUS_OK && !stream) {
		one = marimba__v1__cast_reply__unpack(NULL, res.reply_len,
		    res.reply);
		assert_non_null(one);
		assert_int_equal(strlen(one->id), VOTE_ID_LEN);
		memcpy(ids[0], one->id, VOTE_ID_LEN + 1);
		marimba__v1__cast_reply__free_unpacked(one, NULL);
	} else if (st == GRPC_STATUS_OK) {
		many = marimba__v1__cast_stream_reply__unpack(NULL,
		    res.reply_len, res.reply);
		assert_non_null(many);
		assert_int_equal(many->n_ids, n);
		for (i = 0; i < n; i++) {
			assert_int_equal(strlen(many->ids[i]), VOTE_ID_LEN);
			memcpy(ids[i], many->ids[i], VOTE_ID_LEN + 1);
		}
		marimba__v1__cast_stream_reply__free_unpacked(many, NULL);
	} else
		print_message("status %d: %s\n", st, res.details);
	rpc_result_clear(&res);
	return (st);
}

static void
test_cast_retry_same_id(void **state)
{
	struct tg_fixture	*f = *state;
	struct vote		 v, w;
	char			 key[IDEM_KEY_ULID_LEN + 1];
	char			 a[1][VOTE_ID_LEN + 1], b[1][VOTE_ID_LEN + 1];
	char			 c[1][VOTE_ID_LEN + 1];

	tg_vote(&v, 1);
	assert_int_equal(idem_key_new(key, marimba_now_ms()), 0);
	assert_int_equal(cast(f, &v, 1, 0, key, 0, a), GRPC_STATUS_OK);
	assert_int_equal(cast(f, &v, 1, 0, key, 0, b), GRPC_STATUS_OK);
	assert_string_equal(a[0], b[0]);
	assert_memory_equal(a[0], key, 10);	/* the key's time */

	/* Another vote under the same key is another vote. */
	tg_vote(&w, 2);
	assert_int_equal(cast(f, &w, 1, 0, key, 0, c), GRPC_STATUS_OK);
	assert_string_not_equal(c[0], a[0]);

	/* Without a key, every call is new. */
	assert_int_equal(cast(f, &v, 1, 0, NULL, 0, a), GRPC_STATUS_OK);
	assert_int_equal(cast(f, &v, 1, 0, NULL, 0, b), GRPC_STATUS_OK);
	assert_string_not_equal(a[0], b[0]);
}

static void
test_stream_retry_same_ids(void **state)
{
	struct tg_fixture	*f = *state;
	struct vote		 votes[N_STREAM];
	char			 a[N_STREAM][VOTE_ID_LEN + 1];
	char			 b[N_STREAM][VOTE_ID_LEN + 1];
	const char		*key = "01890a5d-ac96-774b-bcce-b302099a8057";
	char			 now_key[40];
	int64_t			 ms;
	size_t			 i;

	/* A UUIDv7 of now: the example's random part, our time. */
	ms = marimba_now_ms();
	(void)snprintf(now_key, sizeof(now_key), "%08llx-%04llx%s",
	    (unsigned long long)(ms >> 16), (unsigned long long)(ms & 0xffff),
	    key + 13);
	for (i = 0; i < N_STREAM; i++)
		tg_vote(&votes[i], 10 + (int)i);
	assert_int_equal(cast(f, votes, N_STREAM, 1, now_key, 0, a),
	    GRPC_STATUS_OK);
	assert_int_equal(cast(f, votes, N_STREAM, 1, now_key, 0, b),
	    GRPC_STATUS_OK);
	for (i = 0; i < N_STREAM; i++) {
		assert_string_equal(a[i], b[i]);
		assert_true(vote_id_is_valid(a[i]));
		if (i > 0)
			assert_string_not_equal(a[i], a[i - 1]);
	}
}

static void
test_bad_keys(void **state)
{
	struct tg_fixture	*f = *state;
	struct vote		 v;
	char			 ids[1][VOTE_ID_LEN + 1];
	char			 future[IDEM_KEY_ULID_LEN + 1];
	char			 old[IDEM_KEY_ULID_LEN + 1];
	char			 good[IDEM_KEY_ULID_LEN + 1];
	long			 before;

	tg_vote(&v, 3);
	assert_int_equal(idem_key_new(future, marimba_now_ms() + 600000), 0);
	assert_int_equal(idem_key_new(old, marimba_now_ms() -
	    (int64_t)(TTL_S + 60) * 1000), 0);
	assert_int_equal(idem_key_new(good, marimba_now_ms()), 0);
	before = tg_topic_count(TG_BROKERS, f->topic);
	assert_int_equal(cast(f, &v, 1, 0, "retry-1", 0, ids),
	    GRPC_STATUS_INVALID_ARGUMENT);
	/* A UUIDv4 carries no time. */
	assert_int_equal(cast(f, &v, 1, 0,
	    "9b2e5f0c-3d4a-4e1b-8c7d-6f5a4b3c2d1e", 0, ids),
	    GRPC_STATUS_INVALID_ARGUMENT);
	assert_int_equal(cast(f, &v, 1, 0, future, 0, ids),
	    GRPC_STATUS_INVALID_ARGUMENT);
	assert_int_equal(cast(f, &v, 1, 0, old, 0, ids),
	    GRPC_STATUS_INVALID_ARGUMENT);
	assert_int_equal(cast(f, &v, 1, 1, good, 1, ids),
	    GRPC_STATUS_INVALID_ARGUMENT);
	assert_int_equal(tg_topic_count(TG_BROKERS, f->topic), before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cast_retry_same_id),
		cmocka_unit_test(test_stream_retry_same_ids),
		cmocka_unit_test(test_bad_keys),
	};

	return (cmocka_run_group_tests(tests, setup, tg_fixture_teardown));
}
