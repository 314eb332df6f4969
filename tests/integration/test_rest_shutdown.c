/* SPDX-License-Identifier: ISC */
/*
 * Graceful shutdown: many POSTs are in flight when Kore gets SIGTERM. Kore
 * must exit 0, and every vote it answered 202 must be on Kafka (it flushes
 * the producer before answering what is parked).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "config.h"
#include "test_rest_support.h"

#define CLIENTS		40
#define PER_BATCH	500

struct client {
	CURL			*easy;
	struct curl_slist	*hdrs;
	char			 body[32768];
	size_t			 len;
	long			 status;
	int			 done;
	CURLcode		 result;
};

static size_t
client_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct client	*c = arg;

	return (rest_append(c->body, sizeof(c->body), &c->len, data,
	    size * nmemb));
}

/* bsearch key: an id string against a struct vote. */
static int
id_cmp(const void *key, const void *elem)
{
	return (strcmp(key, ((const struct vote *)elem)->id));
}

static int
vote_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct vote *)a)->id,
	    ((const struct vote *)b)->id));
}

/* Sum of "stopping: N requests parked" over the workers' log lines. */
static long
parked_at_sigterm(const char *log)
{
	FILE	*fp;
	char	 line[512], *p;
	long	 sum;

	if ((fp = fopen(log, "r")) == NULL)
		return (-1);
	sum = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((p = strstr(line, "stopping: ")) != NULL)
			sum += strtol(p + strlen("stopping: "), NULL, 10);
	}
	fclose(fp);
	return (sum);
}

/*
 * One Kore, CLIENTS batches, SIGTERM at the first answer; checks exit 0
 * and that every 202'd id is on the topic. Returns how many requests
 * were parked at SIGTERM.
 */
static long
shutdown_attempt(struct rest_kore *kore, const struct marimba_config *cfg)
{
	struct client		*clients, *c;
	struct vote		*got;
	CURLM			*multi;
	CURLMsg			*msg;
	char			 topic[128], url[128], body[65536];
	char			 ids[PER_BATCH][VOTE_ID_LEN + 1];
	size_t			 off, i, j, n, accepted, answered;
	int			 running, left, signalled, rc, found;
	long			 count, parked;

	rest_unique_topic(topic, sizeof(topic), "test-rest-shutdown");
	assert_int_equal(rest_topic_create(cfg->kafka_brokers, topic, 3), 0);
	assert_int_equal(rest_kore_start(kore, cfg->kafka_brokers, topic,
	    NULL), 0);
	assert_int_equal(rest_wait_ready(kore, 15000, 200), 0);

	off = 0;
	body[off++] = '[';
	for (i = 0; i < PER_BATCH; i++) {
		off += snprintf(body + off, sizeof(body) - off,
		    "%s{\"name\":\"Alux Nahual\",\"album\":\"Alux Nahual\","
		    "\"year\":1982,\"rank\":%zu}", i ? "," : "", i + 1);
	}
	body[off++] = ']';
	body[off] = '\0';

	clients = calloc(CLIENTS, sizeof(*clients));
	assert_non_null(clients);
	multi = curl_multi_init();
	assert_non_null(multi);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/votes",
	    kore->port);
	for (i = 0; i < CLIENTS; i++) {
		c = &clients[i];
		c->easy = curl_easy_init();
		assert_non_null(c->easy);
		c->hdrs = curl_slist_append(NULL, "Expect:");
		c->hdrs = curl_slist_append(c->hdrs,
		    "Content-Type: application/json");
		curl_easy_setopt(c->easy, CURLOPT_URL, url);
		curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->hdrs);
		curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE, (long)off);
		curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION,
		    client_write);
		curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
		curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
		curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, 30000L);
		curl_multi_add_handle(multi, c->easy);
	}

	/*
	 * SIGTERM at the first answer: the other requests were read in the
	 * same rounds of Kore's loop and are parked waiting for Kafka.
	 */
	signalled = 0;
	rc = -1;
	do {
		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&c);
			c->done = 1;
			c->result = msg->data.result;
			curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_RESPONSE_CODE, &c->status);
			if (!signalled) {
				assert_int_equal(kill(kore->pid, SIGTERM), 0);
				signalled = 1;
			}
		}
		if (running)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	} while (running);
	rc = rest_kore_stop(kore, 20000);
	assert_int_equal(rc, 0);

	/* Every id of every 202 is on the topic. */
	count = rest_topic_count(cfg->kafka_brokers, topic);
	assert_true(count >= 0);
	got = calloc((size_t)count + 1, sizeof(*got));
	assert_non_null(got);
	assert_int_equal(rest_topic_votes(cfg->kafka_brokers, topic, got,
	    (size_t)count), count);
	/* Sorted by id (the first member) for bsearch. */
	qsort(got, (size_t)count, sizeof(*got), vote_cmp);
	accepted = 0;
	answered = 0;
	for (i = 0; i < CLIENTS; i++) {
		c = &clients[i];
		if (c->done && c->result == CURLE_OK)
			answered++;
		if (!c->done || c->status != 202)
			continue;
		n = rest_parse_ids(c->body, ids, PER_BATCH);
		assert_int_equal(n, PER_BATCH);
		for (j = 0; j < n; j++) {
			found = bsearch(ids[j], got, (size_t)count,
			    sizeof(*got), id_cmp) != NULL;
			if (!found)
				fprintf(stderr, "202'd id %s not in Kafka\n",
				    ids[j]);
			assert_true(found);
		}
		accepted++;
	}
	parked = parked_at_sigterm(kore->log);
	fprintf(stderr, "shutdown: %ld requests parked at SIGTERM; %zu of %d "
	    "answered, %zu with 202; %ld messages on the topic\n", parked,
	    answered, CLIENTS, accepted, count);
	assert_true(accepted > 0);

	for (i = 0; i < CLIENTS; i++) {
		curl_multi_remove_handle(multi, clients[i].easy);
		curl_easy_cleanup(clients[i].easy);
		curl_slist_free_all(clients[i].hdrs);
	}
	curl_multi_cleanup(multi);
	free(clients);
	free(got);
	return (parked);
}

static void
test_sigterm_with_requests_in_flight(void **state)
{
	struct marimba_config	 cfg;
	struct rest_kore	*kore;
	char			 err[256];
	long			 parked;
	int			 attempt;

	kore = calloc(1, sizeof(*kore));
	assert_non_null(kore);
	/* rest_kore_teardown stops it if an assertion fails. */
	*state = kore;
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), 0);

	/*
	 * The test is only worth something if Kore had requests parked at
	 * SIGTERM; that is timing, so allow a few attempts.
	 */
	parked = 0;
	for (attempt = 0; attempt < 5 && parked == 0; attempt++)
		parked = shutdown_attempt(kore, &cfg);
	assert_true(parked > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sigterm_with_requests_in_flight,
		    rest_kore_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
