/* SPDX-License-Identifier: ISC */
/*
 * CastRequest decoding and encoding (see cast_request.h).
 */
#include <stdlib.h>
#include <string.h>

#include "vote.pb-c.h"

#include "cast_request.h"
#include "deconst.h"

static enum vote_status	copy_text(const char *, const char *, char *,
			    size_t, struct vote_error *);

enum vote_status
cast_request_decode(const uint8_t *data, size_t len, struct vote *v,
    struct vote_error *err)
{
	Marimba__V1__CastRequest	*req;
	enum vote_status		 st;
	size_t				 repacked;

	memset(v, 0, sizeof(*v));
	err->index = -1;

	if ((req = marimba__v1__cast_request__unpack(NULL, len,
	    data)) == NULL) {
		vote_error_set(err, "", "the message is not a "
		    "marimba.v1.CastRequest");
		return (VOTE_EINVAL);
	}

	/*
	 * protobuf-c hands strings over NUL-terminated: a NUL inside name
	 * or album would silently shorten it. Such a message (or one that
	 * repeats a field) packs back to a different size: refuse it.
	 */
	repacked = marimba__v1__cast_request__get_packed_size(req);
	if (repacked != len) {
		marimba__v1__cast_request__free_unpacked(req, NULL);
		vote_error_set(err, "", "the CastRequest holds a NUL byte in "
		    "a string or repeats a field");
		return (VOTE_EINVAL);
	}

	if ((st = copy_text("name", req->name, v->name, sizeof(v->name),
	    err)) != VOTE_OK ||
	    (st = copy_text("album", req->album, v->album, sizeof(v->album),
	    err)) != VOTE_OK) {
		marimba__v1__cast_request__free_unpacked(req, NULL);
		return (st);
	}
	v->year = req->year;
	v->rank = req->rank;
	marimba__v1__cast_request__free_unpacked(req, NULL);

	return (vote_validate(v, err));
}

int
cast_request_encode(const struct vote *v, uint8_t **out, size_t *len)
{
	Marimba__V1__CastRequest	 req = MARIMBA__V1__CAST_REQUEST__INIT;
	uint8_t				*p;
	size_t				 n;

	req.name = DECONST(char *, v->name);
	req.album = DECONST(char *, v->album);
	req.year = v->year;
	req.rank = v->rank;

	n = marimba__v1__cast_request__get_packed_size(&req);
	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		return (-1);
	(void)marimba__v1__cast_request__pack(&req, p);
	*out = p;
	*len = n;
	return (0);
}

static enum vote_status
copy_text(const char *field, const char *src, char *dst, size_t dstlen,
    struct vote_error *err)
{
	size_t	len;

	len = strlen(src);
	if (len >= dstlen) {
		vote_error_set(err, field,
		    "%s must be at most %zu bytes of UTF-8, got %zu bytes",
		    field, dstlen - 1, len);
		return (VOTE_EINVAL);
	}
	memcpy(dst, src, len + 1);
	return (VOTE_OK);
}
