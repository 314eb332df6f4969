/* SPDX-License-Identifier: ISC */
/*
 * The Kore module as one piece: the concerns it is made of, in the
 * order their workers start and stop (votes first, so parked requests
 * are answered before the viewer closes its stores), Kore's hooks that
 * hand them to the glue (core/), and the one route two concerns share.
 * The only file that knows every folder; nothing includes it.
 */
#include <kore/kore.h>
#include <kore/hooks.h>
#include <kore/http.h>

#include "core/app.h"
#include "core/hooks.h"
#include "core/reply.h"
#include "viewer/tallies.h"
#include "viewer/web.h"
#include "votes/ingest.h"
#include "votes/votes.h"

int	votes_post(struct http_request *);

static const struct app_concern *const	module_concerns[] = {
	&votes_concern,
	&viewer_concern,
};

void
kore_parent_configure(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	app_parent_configure(module_concerns,
	    sizeof(module_concerns) / sizeof(module_concerns[0]));
}

void
kore_worker_configure(void)
{
	app_worker_configure();
}

void
kore_worker_teardown(void)
{
	app_worker_teardown();
}

/*
 * /api/votes (the route's name in conf/kore.conf.in): POST casts votes
 * (votes/), GET and HEAD read the tallies (viewer/); each then owns the
 * request's hdlr_extra.
 */
int
votes_post(struct http_request *req)
{
	if (req->method == HTTP_METHOD_GET || req->method == HTTP_METHOD_HEAD)
		return (tallies_get(req));
	if (req->method != HTTP_METHOD_POST)
		return (reply_method_not_allowed(req, "GET, HEAD, POST"));
	return (votes_api_post(req));
}
