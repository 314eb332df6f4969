/*
 * Kafka administration shared by the tests and the benches: create a
 * topic through the Admin API of an existing handle.
 */
#ifndef MARIMBA_KAFKA_ADMIN_H
#define MARIMBA_KAFKA_ADMIN_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

/*
 * Creates topic with partitions (replication 1) and waits up to
 * timeout_ms for the answer; a topic that already exists is fine.
 * Returns 0, or -1 with the reason in err ("" when the broker gave
 * no answer we could read).
 */
int	kafka_topic_create(rd_kafka_t *, const char *, int, int, char *,
	    size_t);

#endif
