/* SPDX-License-Identifier: ISC */
/*
 * What the REST integration tests share: starting and stopping a Kore
 * running the votes API (kore/run.sh) on a free port with its own topic,
 * HTTP requests with libcurl, and reading a topic back with librdkafka.
 */
#ifndef MARIMBA_TEST_REST_SUPPORT_H
#define MARIMBA_TEST_REST_SUPPORT_H

#include <sys/types.h>

#include <stddef.h>

#include "config.h"
#include "net_port.h"
#include "vote.h"

struct rest_kore {
	pid_t		pid;
	int		port;
	char		topic[128];
	char		brokers[128];
	char		log[512];
};

struct rest_resp {
	long		status;
	char		body[65536];
	size_t		body_len;
	char		content_type[128];
	char		retry_after[32];
	char		allow[64];
};

/* A topic name no other test run uses. */
void	rest_unique_topic(char *, size_t, const char *);

/*
 * Creates topic on brokers with the given partitions (waits for it).
 * 0 on success or if it already exists.
 */
int	rest_topic_create(const char *, const char *, int);

/*
 * Starts Kore in its own process group with MARIMBA_HTTP_PORT=port,
 * MARIMBA_KAFKA_TOPIC=topic, MARIMBA_KAFKA_BROKERS=brokers and the extra
 * "NAME=value" settings in env (NULL-terminated, may be NULL); waits
 * until every worker has started and /healthz answers. 0 on success.
 */
int	rest_kore_start(struct rest_kore *, const char *, const char *,
	    const char *const *);

/*
 * The usual fixture: loads the config into cfg, makes a unique topic
 * (prefix-...) with partitions into topic and starts Kore on it with env
 * (as rest_kore_start). 0, or -1 with nothing left running.
 */
int	rest_setup(struct marimba_config *, struct rest_kore *, char *,
	    size_t, const char *, int, const char *const *);

/* Answers in a row rest_wait_ready() wants: more than Kore's workers. */
#define REST_READY_IN_A_ROW	4

/*
 * Waits up to ms for /readyz to give want (200 or 503) on
 * REST_READY_IN_A_ROW requests in a row. 0 if it did.
 */
int	rest_wait_ready(struct rest_kore *, long, int);

/*
 * As rest_wait_ready(), and each of those answers also has the string
 * field (e.g. "mongo") equal to value (e.g. "up").
 */
int	rest_wait_ready_field(struct rest_kore *, long, int, const char *,
	    const char *);

/* A cmocka group's Kore on a topic of its own (see rest_fixture_new). */
struct rest_fixture {
	struct marimba_config	cfg;
	struct rest_kore	kore;
	char			topic[128];
};

/*
 * A zeroed fixture of size bytes that starts with a struct rest_fixture,
 * set up as rest_setup(prefix, partitions, env) and, if ready_ms > 0,
 * ready (/readyz 200) within ready_ms. NULL with nothing left running.
 */
void	*rest_fixture_new(size_t, const char *, int, const char *const *,
	    long);

/* Stops the fixture's Kore and frees it; 0 if Kore exited cleanly. */
int	 rest_fixture_free(void *);

/*
 * SIGTERMs Kore and waits up to timeout ms; SIGKILLs the group if it is
 * still there. Returns Kore's exit status, or -1 if it had to be killed.
 */
int	rest_kore_stop(struct rest_kore *, int);

/*
 * cmocka teardown for tests that keep a calloc'd struct rest_kore in
 * *state: stops Kore if a failed assertion left it running, frees it.
 */
int	rest_kore_teardown(void **);

/*
 * Appends n bytes of data to the NUL-terminated buf of cap bytes holding
 * *len, dropping what does not fit; returns n (a libcurl write callback
 * that keeps going past a full buffer).
 */
size_t	rest_append(char *, size_t, size_t *, const char *, size_t);

/* One request; content_type and body may be NULL. 0 if it was answered. */
int	rest_request(struct rest_kore *, const char *, const char *,
	    const char *, const void *, size_t, struct rest_resp *);

/* Sum of the high watermarks of every partition of topic; -1 on error. */
long	rest_topic_count(const char *, const char *);

/*
 * Reads every message of topic (up to max) and decodes each with
 * vote_decode(); returns how many, or -1 on an error or a bad message.
 */
long	rest_topic_votes(const char *, const char *, struct vote *, size_t);

/* Copies the string member key of a JSON object body into out; 0 if found. */
int	rest_json_string(const char *, const char *, char *, size_t);

/*
 * Pulls the string values of "id" or of the "ids" array out of a 202
 * body into ids (up to max); returns how many.
 */
size_t	rest_parse_ids(const char *, char (*)[VOTE_ID_LEN + 1], size_t);

#endif
