/* SPDX-License-Identifier: ISC */
/*
 * Keeps the log window (lib/log_window.h) there: a thread per worker
 * checks it every second and rebuilds it from MongoDB when Redis lost it
 * (store_window.c).
 */
#ifndef MARIMBA_KORE_VIEWER_STORE_WINDOW_H
#define MARIMBA_KORE_VIEWER_STORE_WINDOW_H

#include <stdatomic.h>
#include <stddef.h>

#include "config.h"

#define WINDOW_OFF		0	/* MARIMBA_LOG_WINDOW=0 */
#define WINDOW_OK		1
#define WINDOW_REBUILDING	2	/* reads ask MongoDB meanwhile */
#define WINDOW_UNKNOWN		3	/* Redis did not answer */

struct store_window;

/* mongo_up: MongoDB's health (0 down), read before each rebuild. */
struct store_window	*store_window_start(const struct marimba_config *,
			    const atomic_int *, char *, size_t);
void			 store_window_stop(struct store_window *);
/* WINDOW_*; WINDOW_OFF for NULL. */
int			 store_window_state(struct store_window *);
int			 store_window_enabled(struct store_window *);

#endif
