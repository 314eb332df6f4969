/* SPDX-License-Identifier: ISC */
/*
 * POST /api/votes (votes.c), the half of the route module.c hands to the
 * votes API.
 */
#ifndef MARIMBA_KORE_VOTES_VOTES_H
#define MARIMBA_KORE_VOTES_VOTES_H

#include <kore/kore.h>
#include <kore/http.h>

int	votes_api_post(struct http_request *);

#endif
