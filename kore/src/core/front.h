/* SPDX-License-Identifier: ISC */
/*
 * The front door (front.c): front_connect is the listener's connect
 * callback in kore.conf, so every connection's request heads are checked
 * before Kore parses them; front_response() is the one way every
 * handler answers: http_response() plus X-Content-Type-Options: nosniff,
 * and "connection: close" (the connection closed once the answer is
 * written) when the front door saw bytes behind the request;
 * front_worker_init() starts the worker's timer that answers heads and
 * bodies that never complete with a JSON 408.
 */
#ifndef MARIMBA_KORE_CORE_FRONT_H
#define MARIMBA_KORE_CORE_FRONT_H

#include <stddef.h>

#include <kore/kore.h>
#include <kore/http.h>

/* How often a worker looks for late heads and bodies, and how early. */
#define FRONT_TIMEOUT_TICK_MS	100
#define FRONT_TIMEOUT_EARLY_MS	250

void	front_connect(struct connection *);
void	front_worker_init(void);
void	front_response(struct http_request *, int, const void *, size_t);

#endif
