/* SPDX-License-Identifier: ISC */
/*
 * GET and HEAD /api/votes (tallies.c), the half of the route module.c
 * hands to the log viewer.
 */
#ifndef MARIMBA_KORE_VIEWER_TALLIES_H
#define MARIMBA_KORE_VIEWER_TALLIES_H

#include <kore/kore.h>
#include <kore/http.h>

int	tallies_get(struct http_request *);

#endif
