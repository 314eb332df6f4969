/* SPDX-License-Identifier: ISC */
/*
 * Kore's module hooks as the glue runs them (hooks.c); module.c calls
 * them with its table of concerns.
 */
#ifndef MARIMBA_KORE_CORE_HOOKS_H
#define MARIMBA_KORE_CORE_HOOKS_H

#include <stddef.h>

#include "app.h"

void	app_parent_configure(const struct app_concern *const *, size_t);
void	app_worker_configure(void);
void	app_worker_teardown(void);

#endif
