/* SPDX-License-Identifier: ISC */
/*
 * Kafka administration shared by the tests and the benches: create a
 * topic through the Admin API of an existing handle, read its high
 * watermarks.
 */
#ifndef MARIMBA_KAFKA_ADMIN_H
#define MARIMBA_KAFKA_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

/*
 * A bare producer handle on brokers (comma-separated host:port), for
 * the calls below; NULL with the reason in err. rd_kafka_destroy it.
 */
rd_kafka_t	*kafka_handle_new(const char *, char *, size_t);

/*
 * Creates topic with partitions (replication 1) and waits up to
 * timeout_ms for the answer; a topic that already exists is fine.
 * Returns 0, or -1 with the reason in err ("" when the broker gave
 * no answer we could read).
 */
int	kafka_topic_create(rd_kafka_t *, const char *, int, int, char *,
	    size_t);

/*
 * The partitions of topic and their high watermarks (*hw, n entries,
 * freed with free()), each request waiting up to timeout_ms. 0 or -1.
 */
int	kafka_topic_marks(rd_kafka_t *, const char *, int, int64_t **, int *);
/* The same through a short-lived handle of its own on brokers. */
int	kafka_topic_marks_at(const char *, const char *, int, int64_t **,
	    int *);

/* Messages in topic (sum of the high watermarks); -1 on error. */
long	kafka_topic_count(rd_kafka_t *, const char *, int);

#endif
