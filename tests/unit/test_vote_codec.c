/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/vote_codec.c: encode/decode round trip, short
 * buffers, and decode refusing garbage, truncations and every message
 * that breaks the contract (crafted with the protobuf-c generated code).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vote.pb-c.h"

#include "vote_codec.h"
#include "vote_id.h"

static void
accepted_vote(struct vote *v)
{
	memset(v, 0, sizeof(*v));
	(void)snprintf(v->name, sizeof(v->name), "Caf\xc3\xa9 Tacvba");
	(void)snprintf(v->album, sizeof(v->album), "Re");
	v->year = 1994;
	v->rank = 1000;
	assert_int_equal(vote_accept(v, "grpc"), 0);
}

static void
good_message(Marimba__V1__Vote *msg, char *id)
{
	marimba__v1__vote__init(msg);
	assert_int_equal(vote_id_new(id, 1700000000000), 0);
	msg->id = id;
	msg->name = "Viernes Verde";
	msg->album = "Paraiso";
	msg->year = 2010;
	msg->rank = 12;
	msg->source = "rest";
	msg->received_at_ms = 1700000000000;
}

/* Packs msg and decodes it; returns the status, err filled. */
static enum vote_status
decode_message(const Marimba__V1__Vote *msg, struct vote *v,
    struct vote_error *err)
{
	uint8_t			buf[1024];
	size_t			len;

	len = marimba__v1__vote__get_packed_size(msg);
	assert_true(len <= sizeof(buf));
	assert_int_equal(marimba__v1__vote__pack(msg, buf), len);
	return (vote_decode(buf, len, v, err));
}

static void
test_round_trip(void **state)
{
	struct vote		in, out;
	struct vote_error	err;
	uint8_t			buf[512];
	size_t			len;

	(void)state;
	accepted_vote(&in);
	assert_int_equal(vote_encode(&in, buf, sizeof(buf), &len), VOTE_OK);
	assert_int_equal(len, vote_encoded_size(&in));
	memset(&out, 0x55, sizeof(out));
	assert_int_equal(vote_decode(buf, len, &out, &err), VOTE_OK);
	assert_string_equal(out.id, in.id);
	assert_string_equal(out.name, in.name);
	assert_string_equal(out.album, in.album);
	assert_int_equal(out.year, in.year);
	assert_int_equal(out.rank, in.rank);
	assert_string_equal(out.source, in.source);
	assert_int_equal(out.received_at_ms, in.received_at_ms);

	/* Longest fields. */
	memset(in.name, 'n', VOTE_NAME_MAX);
	in.name[VOTE_NAME_MAX] = '\0';
	memset(in.album, 'a', VOTE_ALBUM_MAX);
	in.album[VOTE_ALBUM_MAX] = '\0';
	assert_int_equal(vote_encode(&in, buf, sizeof(buf), &len), VOTE_OK);
	assert_int_equal(vote_decode(buf, len, &out, &err), VOTE_OK);
	assert_string_equal(out.name, in.name);
	assert_string_equal(out.album, in.album);
}

static void
test_encode_short_buffer(void **state)
{
	struct vote	v;
	uint8_t		buf[512];
	size_t		need, cap, len;

	(void)state;
	accepted_vote(&v);
	need = vote_encoded_size(&v);
	assert_true(need > 40 && need < sizeof(buf));
	for (cap = 0; cap < need; cap++) {
		memset(buf, 0xaa, sizeof(buf));
		assert_int_equal(vote_encode(&v, buf, cap, &len),
		    VOTE_ETOOBIG);
		assert_int_equal(buf[0], 0xaa);		/* nothing written */
	}
	assert_int_equal(vote_encode(&v, buf, need, &len), VOTE_OK);
	assert_int_equal(len, need);

	/* A member without its NUL cannot be encoded. */
	memset(v.name, 'x', sizeof(v.name));
	assert_int_equal(vote_encoded_size(&v), 0);
	assert_int_equal(vote_encode(&v, buf, sizeof(buf), &len),
	    VOTE_EINVAL);
}

static void
test_truncations(void **state)
{
	struct vote		v, out;
	struct vote_error	err;
	uint8_t			buf[512], *copy;
	size_t			len, cut;

	(void)state;
	accepted_vote(&v);
	assert_int_equal(vote_encode(&v, buf, sizeof(buf), &len), VOTE_OK);
	for (cut = 0; cut < len; cut++) {
		/* An exact-size heap copy, so ASan sees any over-read. */
		copy = malloc(cut > 0 ? cut : 1);
		assert_non_null(copy);
		memcpy(copy, buf, cut);
		if (vote_decode(copy, cut, &out, &err) != VOTE_EINVAL)
			fail_msg("prefix of %zu bytes accepted", cut);
		assert_string_equal(out.name, "");
		free(copy);
	}
}

static void
test_garbage(void **state)
{
	struct vote		v, out;
	struct vote_error	err;
	uint8_t			good[512], *buf;
	size_t			len, goodlen, i, k;

	(void)state;
	srand(20151);
	for (i = 0; i < 20000; i++) {
		len = (size_t)rand() % 300;
		buf = malloc(len > 0 ? len : 1);
		assert_non_null(buf);
		for (k = 0; k < len; k++)
			buf[k] = (uint8_t)rand();
		assert_int_equal(vote_decode(buf, len, &out, &err),
		    VOTE_EINVAL);
		free(buf);
	}

	/* One flipped byte in a good message: decodes safely or refuses. */
	accepted_vote(&v);
	assert_int_equal(vote_encode(&v, good, sizeof(good), &goodlen),
	    VOTE_OK);
	for (i = 0; i < goodlen; i++) {
		for (k = 0; k < 8; k++) {
			buf = malloc(goodlen);
			assert_non_null(buf);
			memcpy(buf, good, goodlen);
			buf[i] ^= (uint8_t)(1U << k);
			if (vote_decode(buf, goodlen, &out, &err) == VOTE_OK)
				assert_int_equal(vote_validate(&out, NULL),
				    VOTE_OK);
			free(buf);
		}
	}
}

static void
test_decode_contract(void **state)
{
	Marimba__V1__Vote	msg;
	struct vote		v;
	struct vote_error	err;
	char			id[VOTE_ID_LEN + 1], name[200];

	(void)state;
	good_message(&msg, id);
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_OK);
	assert_string_equal(v.name, "Viernes Verde");

	/* A name longer than the struct member: refused, not truncated. */
	memset(name, 'x', sizeof(name));
	name[VOTE_NAME_MAX + 1] = '\0';
	msg.name = name;
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "name");
	assert_string_equal(v.name, "");
	name[sizeof(name) - 1] = '\0';
	msg.album = name;
	msg.name = "ok";
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "album");

	good_message(&msg, id);
	msg.name = "bad \xc0\xaf utf-8";
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "name");

	good_message(&msg, id);
	msg.name = "";
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "name");

	good_message(&msg, id);
	msg.year = 1899;
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "year");

	good_message(&msg, id);
	msg.rank = 0;
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "rank");

	good_message(&msg, id);
	msg.id = "";
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "id");
	msg.id = "01ARYZ6S41TSV4RRFFQ69G5FAVX";		/* 27 chars */
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "id");
	msg.id = "01aryz6s41tsv4rrffq69g5fav";		/* lowercase */
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);

	good_message(&msg, id);
	msg.source = "kafka";
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "source");
	msg.source = "restful";			/* longer than the member */
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
	msg.source = "";
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);

	good_message(&msg, id);
	msg.received_at_ms = 0;
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "received_at_ms");
	msg.received_at_ms = -5;
	assert_int_equal(decode_message(&msg, &v, &err), VOTE_EINVAL);
}

static void
test_decode_embedded_nul(void **state)
{
	Marimba__V1__Vote	msg;
	struct vote		v;
	struct vote_error	err;
	char			id[VOTE_ID_LEN + 1];
	uint8_t			buf[512], *p;
	size_t			len;

	(void)state;
	good_message(&msg, id);
	len = marimba__v1__vote__pack(&msg, buf);
	assert_int_equal(vote_decode(buf, len, &v, &err), VOTE_OK);
	/* "Viernes Verde" becomes "Viernes\0Verde" on the wire. */
	p = memmem(buf, len, "Viernes Verde", 13);
	assert_non_null(p);
	p[7] = '\0';
	assert_int_equal(vote_decode(buf, len, &v, &err), VOTE_EINVAL);
	assert_string_equal(v.name, "");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_encode_short_buffer),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_decode_contract),
		cmocka_unit_test(test_decode_embedded_nul),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
