/* SPDX-License-Identifier: ISC */
/*
 * The one per-process struct app that Kore's handlers reach with
 * app_get(), the state the glue keeps for each concern, and the list of
 * checks /readyz collects from them.
 */
#include <string.h>

#include "app.h"

static struct app	app;

struct app *
app_get(void)
{
	return (&app);
}

void *
app_state(struct app *a, const struct app_concern *c)
{
	size_t	i;

	for (i = 0; i < a->nconcerns; i++) {
		if (a->concern[i] == c)
			return (a->state[i]);
	}
	return (NULL);
}

void
app_state_set(struct app *a, const struct app_concern *c, void *state)
{
	size_t	i;

	for (i = 0; i < a->nconcerns; i++) {
		if (a->concern[i] == c)
			a->state[i] = state;
	}
}

void
app_ready_add(struct app_ready *r, const char *name, int state)
{
	if (r->n == APP_CHECKS_MAX)
		return;
	r->check[r->n].name = name;
	r->check[r->n].state = state;
	r->check[r->n].note = NULL;
	r->n++;
}

void
app_ready_note(struct app_ready *r, const char *name, const char *note)
{
	if (r->n == APP_CHECKS_MAX)
		return;
	r->check[r->n].name = name;
	r->check[r->n].state = APP_CHECK_UP;
	r->check[r->n].note = note;
	r->n++;
}

void
app_ready_collect(struct app *a, struct app_ready *r)
{
	size_t	i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < a->nconcerns; i++) {
		if (a->concern[i]->ready != NULL)
			a->concern[i]->ready(a, r);
	}
}

const char *
app_check_text(int state)
{
	switch (state) {
	case APP_CHECK_UP:
		return ("up");
	case APP_CHECK_DEGRADED:
		return ("degraded");
	default:
		return ("down");
	}
}
