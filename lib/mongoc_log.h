/* SPDX-License-Identifier: ISC */
/*
 * The MongoDB C driver started with its own messages on marimba's log
 * (log.h), for the daemons that use log.h (consumer/, audit/).
 */
#ifndef MARIMBA_MONGOC_LOG_H
#define MARIMBA_MONGOC_LOG_H

/* mongoc_init(), then the driver's errors and warnings on our log. */
void	mongoc_log_init(void);

#endif
