/*
 * The log viewer's part of the module hooks (called from app.c): the
 * parent reads the assets and maps the shared metrics before forking;
 * each worker opens its store pools, starts their health checks and
 * wraps the routes for the metrics.
 */
#include <stdio.h>

#include "web.h"

int
web_parent_configure(struct app *app, char *err, size_t errlen)
{
	if (assets_load(app, err, errlen) == -1)
		return (-1);
	return (metrics_parent_init(app, err, errlen));
}

int
web_worker_configure(struct app *app, char *err, size_t errlen)
{
	if ((app->stores = stores_new(&app->cfg, err, errlen)) == NULL)
		return (-1);
	metrics_worker_init(app);
	return (0);
}

void
web_worker_teardown(struct app *app)
{
	metrics_worker_teardown(app);
	stores_free(app->stores);
	app->stores = NULL;
}
