/* SPDX-License-Identifier: ISC */
/*
 * The module glue: the state every concern of the Kore module shares
 * (configuration, the shutdown flag, metrics, assets) and the small
 * interface through which a concern (kore/src/votes/, kore/src/viewer/)
 * hooks into the parent's and the workers' start and stop. The glue
 * knows no concern's insides: module.c hands it the table of concerns.
 */
#ifndef MARIMBA_KORE_CORE_APP_H
#define MARIMBA_KORE_CORE_APP_H

#include <kore/kore.h>
#include <kore/http.h>

#include "config.h"

/* Seconds a client is told to wait before retrying after a 503. */
#define APP_RETRY_AFTER		"1"
/* Concerns one module can hold. */
#define APP_CONCERNS_MAX	4
/* Checks /readyz can list. */
#define APP_CHECKS_MAX		8

struct app;
struct metrics;
struct web_assets;

/* The state of one check. */
#define APP_CHECK_DOWN		0
#define APP_CHECK_UP		1
#define APP_CHECK_DEGRADED	2	/* answers, but its reads fail */

/*
 * One named check of /readyz ("kafka": up), or a note shown as it is
 * that does not decide readiness ("window": "rebuilding").
 */
struct app_check {
	const char	*name;
	int		 state;		/* APP_CHECK_* */
	const char	*note;		/* NULL: the state's text */
};

struct app_ready {
	struct app_check	check[APP_CHECKS_MAX];
	size_t			n;
};

/*
 * What a concern hooks in; any hook may be NULL. parent_init runs once
 * in the parent before the fork, worker_init in each worker (in table
 * order), worker_fini at the worker's exit (in table order too: the
 * votes answer their parked requests before the viewer closes its
 * stores), ready adds the concern's checks to /readyz, metrics appends
 * the concern's own lines to GET /metrics (Prometheus text format). An
 * init that fails writes why into err and returns -1; the process then
 * stops.
 */
struct app_concern {
	const char	*name;
	int		(*parent_init)(struct app *, char *, size_t);
	int		(*worker_init)(struct app *, char *, size_t);
	void		(*worker_fini)(struct app *);
	void		(*ready)(struct app *, struct app_ready *);
	void		(*metrics)(struct app *, struct kore_buf *);
};

/* The one per-process context; handlers reach it with app_get(). */
struct app {
	struct marimba_config		 cfg;
	int				 stopping;	/* refuse work */
	struct metrics			*metrics;	/* metrics.c */
	struct web_assets		*assets;	/* assets.c */
	const struct app_concern	*concern[APP_CONCERNS_MAX];
	void				*state[APP_CONCERNS_MAX];
	size_t				 nconcerns;
};

struct app	*app_get(void);

/* A concern's own state, kept by the glue for it (NULL until set). */
void		*app_state(struct app *, const struct app_concern *);
void		 app_state_set(struct app *, const struct app_concern *,
		    void *);
/* Adds a check; state is APP_CHECK_* (0 down, 1 up). */
void		 app_ready_add(struct app_ready *, const char *, int);
/* Adds a note (counted as up). */
void		 app_ready_note(struct app_ready *, const char *,
		    const char *);
/* Fills r with every concern's checks. */
void		 app_ready_collect(struct app *, struct app_ready *);
/* "up", "degraded" or "down". */
const char	*app_check_text(int);

#endif
