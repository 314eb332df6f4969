/* SPDX-License-Identifier: ISC */
/*
 * Line-oriented logging for the daemons (producers/, consumer/): one line
 * per event on stderr, with a UTC timestamp, the level and the program.
 * The Kore application logs through kore_log() instead.
 */
#ifndef MARIMBA_LOG_H
#define MARIMBA_LOG_H

enum log_level {
	LOG_LEVEL_DEBUG = 0,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

/* Sets the program name and the lowest level printed (MARIMBA_LOG_LEVEL). */
void	log_init(const char *);
void	log_msg(enum log_level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
