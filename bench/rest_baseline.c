/* SPDX-License-Identifier: ISC */
/*
 * The baseline Kore module for bench/rest-bench: its only handler reads
 * nothing and answers 200, so the bench can show what the votes API costs
 * over Kore itself on the same machine.
 */
#include <kore/kore.h>
#include <kore/http.h>

int	baseline(struct http_request *);

int
baseline(struct http_request *req)
{
	static const char	body[] = "{}";

	http_response_header(req, "content-type", "application/json");
	http_response(req, HTTP_STATUS_OK, body, sizeof(body) - 1);
	return (KORE_RESULT_OK);
}
