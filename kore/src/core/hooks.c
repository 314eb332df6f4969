/* SPDX-License-Identifier: ISC */
/*
 * The module's hooks without a concern's insides: the parent loads the
 * configuration, the assets and the shared metrics once, then lets each
 * concern of module.c's table start; each worker starts the concerns in
 * table order and, at exit, stops them in the same order (the votes
 * answer what is parked before the viewer closes its stores).
 */
#include <stdio.h>

#include "app.h"
#include "assets.h"
#include "front.h"
#include "hooks.h"
#include "metrics.h"

/* Bytes of a failed step's reason. */
#define APP_ERR_MAX	512

void
app_parent_configure(const struct app_concern *const *concerns, size_t n)
{
	struct app	*a = app_get();
	char		 err[APP_ERR_MAX];
	size_t		 i;

	/* Log lines reach a pipe or file as they happen. */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	(void)setvbuf(stderr, NULL, _IOLBF, 0);

	if (n > APP_CONCERNS_MAX)
		fatal("marimba: %zu concerns, at most %d", n,
		    APP_CONCERNS_MAX);
	for (i = 0; i < n; i++)
		a->concern[i] = concerns[i];
	a->nconcerns = n;

	if (marimba_config_load(&a->cfg, err, sizeof(err)) == -1)
		fatal("marimba: configuration: %s", err);
	if (assets_load(a, err, sizeof(err)) == -1)
		fatal("marimba: assets: %s", err);
	if (metrics_parent_init(a, err, sizeof(err)) == -1)
		fatal("marimba: metrics: %s", err);
	for (i = 0; i < a->nconcerns; i++) {
		if (a->concern[i]->parent_init != NULL &&
		    a->concern[i]->parent_init(a, err, sizeof(err)) == -1)
			fatal("marimba: %s: %s", a->concern[i]->name, err);
	}
}

void
app_worker_configure(void)
{
	struct app	*a = app_get();
	char		 err[APP_ERR_MAX];
	size_t		 i;

	a->stopping = 0;
	for (i = 0; i < a->nconcerns; i++) {
		if (a->concern[i]->worker_init != NULL &&
		    a->concern[i]->worker_init(a, err, sizeof(err)) == -1)
			fatal("marimba: %s: %s", a->concern[i]->name, err);
	}
	metrics_worker_init(a);
	front_worker_init();
}

void
app_worker_teardown(void)
{
	struct app	*a = app_get();
	size_t		 i;

	a->stopping = 1;
	metrics_worker_teardown(a);
	for (i = 0; i < a->nconcerns; i++) {
		if (a->concern[i]->worker_fini != NULL)
			a->concern[i]->worker_fini(a);
	}
}
