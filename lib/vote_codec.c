/* SPDX-License-Identifier: ISC */
/*
 * struct vote to and from the protobuf-c marimba.v1.Vote message that
 * travels on the Kafka topic. Decoding checks the whole contract (the
 * client fields through vote_set_fields(), then id, source and time), so
 * a consumer never stores a vote a producer could not have accepted.
 */
#include <stdio.h>
#include <string.h>

#include "vote.pb-c.h"

#include "deconst.h"
#include "vote_codec.h"
#include "vote_id.h"

/*
 * Points msg's strings at v's members. -1 if one is not NUL-terminated
 * inside its member (the vote was never filled through the contract).
 */
static int
codec_message(const struct vote *v, Marimba__V1__Vote *msg)
{
	if (strnlen(v->id, sizeof(v->id)) == sizeof(v->id) ||
	    strnlen(v->name, sizeof(v->name)) == sizeof(v->name) ||
	    strnlen(v->album, sizeof(v->album)) == sizeof(v->album) ||
	    strnlen(v->source, sizeof(v->source)) == sizeof(v->source))
		return (-1);

	marimba__v1__vote__init(msg);
	msg->id = DECONST(char *, v->id);
	msg->name = DECONST(char *, v->name);
	msg->album = DECONST(char *, v->album);
	msg->year = v->year;
	msg->rank = v->rank;
	msg->source = DECONST(char *, v->source);
	msg->received_at_ms = v->received_at_ms;

	return (0);
}

size_t
vote_encoded_size(const struct vote *v)
{
	Marimba__V1__Vote	msg;

	if (codec_message(v, &msg) == -1)
		return (0);

	return (marimba__v1__vote__get_packed_size(&msg));
}

enum vote_status
vote_encode(const struct vote *v, uint8_t *buf, size_t cap, size_t *len)
{
	Marimba__V1__Vote	msg;
	size_t			need;

	*len = 0;
	if (codec_message(v, &msg) == -1)
		return (VOTE_EINVAL);

	need = marimba__v1__vote__get_packed_size(&msg);
	if (need > cap)
		return (VOTE_ETOOBIG);

	*len = marimba__v1__vote__pack(&msg, buf);

	return (VOTE_OK);
}

/* The checks of the members the producer, not the client, fills in. */
static enum vote_status
codec_check_stamp(const Marimba__V1__Vote *msg, struct vote *v,
    struct vote_error *err)
{
	if (!vote_id_is_valid(msg->id)) {
		vote_error_set(err, "id", "id must be a ULID of %d Crockford "
		    "base32 characters", VOTE_ID_LEN);
		return (VOTE_EINVAL);
	}
	if (strcmp(msg->source, "rest") != 0 &&
	    strcmp(msg->source, "grpc") != 0) {
		vote_error_set(err, "source", "source must be rest or grpc");
		return (VOTE_EINVAL);
	}
	if (msg->received_at_ms <= 0) {
		vote_error_set(err, "received_at_ms",
		    "received_at_ms must be a positive Unix time in ms");
		return (VOTE_EINVAL);
	}

	memcpy(v->id, msg->id, VOTE_ID_LEN + 1);
	(void)snprintf(v->source, sizeof(v->source), "%s", msg->source);
	v->received_at_ms = msg->received_at_ms;

	return (VOTE_OK);
}

enum vote_status
vote_decode(const uint8_t *buf, size_t len, struct vote *v,
    struct vote_error *err)
{
	Marimba__V1__Vote	*msg;
	enum vote_status	 st;
	struct vote_error	 scratch;

	if (err == NULL)
		err = &scratch;
	err->index = -1;
	err->field[0] = '\0';
	err->message[0] = '\0';
	memset(v, 0, sizeof(*v));

	msg = marimba__v1__vote__unpack(NULL, len, buf);
	if (msg == NULL) {
		vote_error_set(err, "body", "not a valid marimba.v1.Vote "
		    "protobuf message");
		return (VOTE_EINVAL);
	}

	/*
	 * protobuf-c hands strings over as C strings: one with a NUL inside
	 * would silently lose its tail. Packing again gives fewer bytes then.
	 */
	if (marimba__v1__vote__get_packed_size(msg) != len) {
		vote_error_set(err, "body", "Vote message is not in canonical "
		    "form (a NUL inside a string, or a field repeated)");
		st = VOTE_EINVAL;
	} else
		st = vote_set_fields(v, msg->name, strlen(msg->name),
		    msg->album, strlen(msg->album), msg->year, msg->rank,
		    err);
	if (st == VOTE_OK)
		st = codec_check_stamp(msg, v, err);
	if (st != VOTE_OK)
		memset(v, 0, sizeof(*v));

	marimba__v1__vote__free_unpacked(msg, NULL);

	return (st);
}
