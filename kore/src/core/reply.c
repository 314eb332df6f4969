/* SPDX-License-Identifier: ISC */
/*
 * JSON answers. Bodies are produced by yajl's generator, so any text that
 * came from a client (a field name in an error) is escaped by it.
 */
#include <stdio.h>

#include <yajl/yajl_gen.h>

#include "front.h"
#include "json_gen.h"
#include "reply.h"

static int	reply_error_body(struct http_request *, int, const char *,
		    const char *, long, int);
static int	reply_gen(struct http_request *, int, yajl_gen);
static int	reply_fail(struct http_request *, yajl_gen);

/*
 * {"error":message} plus "field" unless field is NULL or "" and "index"
 * unless index is negative.
 */
int
reply_error(struct http_request *req, int status, const char *message,
    const char *field, long index)
{
	return (reply_error_body(req, status, message, field, index, 0));
}

/*
 * A vote that breaks the contract: always error, field and index (field
 * "" and index -1 when they do not apply), as docs/vote-contract.md says.
 */
int
reply_vote_error(struct http_request *req, int status,
    const struct vote_error *verr)
{
	return (reply_error_body(req, status, verr->message, verr->field,
	    verr->index, 1));
}

/* Both error shapes: with always, field and index are never left out. */
static int
reply_error_body(struct http_request *req, int status, const char *message,
    const char *field, long index, int always)
{
	yajl_gen	g;

	if ((g = yajl_gen_alloc(NULL)) == NULL)
		goto fail;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_str_member(g, "error", message) == -1)
		goto fail;
	if (always || (field != NULL && *field != '\0')) {
		if (json_gen_str_member(g, "field",
		    field == NULL ? "" : field) == -1)
			goto fail;
	}
	if (always || index >= 0) {
		if (json_gen_str(g, "index") == -1 ||
		    yajl_gen_integer(g, index) != yajl_gen_status_ok)
			goto fail;
	}
	if (yajl_gen_map_close(g) != yajl_gen_status_ok)
		goto fail;
	return (reply_gen(req, status, g));

fail:
	return (reply_fail(req, g));
}

int
reply_status(struct http_request *req, int status, const char *state,
    const char *kafka)
{
	yajl_gen	g;

	if ((g = yajl_gen_alloc(NULL)) == NULL)
		goto fail;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_str_member(g, "status", state) == -1)
		goto fail;
	if (kafka != NULL) {
		if (json_gen_str_member(g, "kafka", kafka) == -1)
			goto fail;
	}
	if (yajl_gen_map_close(g) != yajl_gen_status_ok)
		goto fail;
	return (reply_gen(req, status, g));

fail:
	return (reply_fail(req, g));
}

/* {"id":"..."} for a single vote, {"ids":[...]} for a batch. */
int
reply_ids(struct http_request *req, int status, const struct vote *votes,
    size_t count, int batch)
{
	yajl_gen	g;
	size_t		i;

	if ((g = yajl_gen_alloc(NULL)) == NULL)
		goto fail;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_str(g, batch ? "ids" : "id") == -1)
		goto fail;
	if (batch && yajl_gen_array_open(g) != yajl_gen_status_ok)
		goto fail;
	for (i = 0; i < count; i++) {
		if (json_gen_str(g, votes[i].id) == -1)
			goto fail;
	}
	if (batch && yajl_gen_array_close(g) != yajl_gen_status_ok)
		goto fail;
	if (yajl_gen_map_close(g) != yajl_gen_status_ok)
		goto fail;
	return (reply_gen(req, status, g));

fail:
	return (reply_fail(req, g));
}

int
reply_method_not_allowed(struct http_request *req, const char *allow)
{
	http_response_header(req, "allow", allow);
	return (reply_error(req, HTTP_STATUS_METHOD_NOT_ALLOWED,
	    "method not allowed", NULL, -1));
}

/*
 * Sends what g holds as application/json with status. Returns -1, having
 * sent nothing, when g holds no document. Never frees g: the caller picks
 * its own error answer.
 */
int
reply_json(struct http_request *req, int status, yajl_gen g)
{
	const unsigned char	*buf;
	size_t			 len;

	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
		return (-1);
	http_response_header(req, "content-type", "application/json");
	http_response_header(req, "cache-control", "no-store");
	/* The body is copied into the connection's buffer. */
	front_response(req, status, buf, len);
	return (0);
}

/* Sends what g holds and frees g. */
static int
reply_gen(struct http_request *req, int status, yajl_gen g)
{
	if (reply_json(req, status, g) == -1)
		return (reply_fail(req, g));
	yajl_gen_free(g);
	return (KORE_RESULT_OK);
}

/* Frees g (if any) and answers 500 with no body. */
static int
reply_fail(struct http_request *req, yajl_gen g)
{
	if (g != NULL)
		yajl_gen_free(g);
	front_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
	return (KORE_RESULT_OK);
}
