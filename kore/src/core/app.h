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

/*
 * One named check of /readyz ("kafka": up), or a note that is shown
 * but does not decide readiness (state set: "window": "rebuilding").
 */
struct app_check {
	const char	*name;
	int		 up;
	const char	*state;
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
 * stores), ready adds the concern's checks to /readyz. An init that
 * fails writes why into err and returns -1; the process then stops.
 */
struct app_concern {
	const char	*name;
	int		(*parent_init)(struct app *, char *, size_t);
	int		(*worker_init)(struct app *, char *, size_t);
	void		(*worker_fini)(struct app *);
	void		(*ready)(struct app *, struct app_ready *);
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
void		 app_ready_add(struct app_ready *, const char *, int);
void		 app_ready_note(struct app_ready *, const char *,
		    const char *);

#endif
