/* SPDX-License-Identifier: ISC */
/*
 * Clients that give up while their votes are parked: Kore frees those
 * requests, and the delivery reports that arrive afterwards must not touch
 * them (req->onfree detaches the context). Many clients hang up a few ms
 * into a 1000-vote batch; Kore must keep serving, log no sanitizer report
 * (in the ASan build a use-after-free would show here) and exit 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "config.h"
#include "test_rest_support.h"

#define CLIENTS		60
#define BATCH		1000
#define ROUNDS		8

/*
 * 1 if the log holds a sanitizer report or a worker crash; *gone gets the
 * number of requests freed with votes still in flight.
 */
static int
log_has_errors(const char *path, int *gone)
{
	FILE	*fp;
	char	 line[1024];
	int	 bad = 0;

	*gone = 0;
	if ((fp = fopen(path, "r")) == NULL)
		return (1);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strstr(line, "client gone with") != NULL)
			(*gone)++;
		if (strstr(line, "AddressSanitizer") != NULL ||
		    strstr(line, "runtime error") != NULL ||
		    strstr(line, "exited with status") != NULL ||
		    strstr(line, "sandbox violation") != NULL ||
		    strstr(line, "restarting worker") != NULL) {
			fprintf(stderr, "kore log: %s", line);
			bad = 1;
		}
	}
	fclose(fp);
	return (bad);
}

/*
 * CLIENTS POSTs of body that each hang up 2..2 + 19 * stretch ms in: later
 * rounds wait longer, so that on a slow build (ASan, a loaded machine)
 * some hang up after their votes were parked, not before.
 */
static void
hang_up_round(const char *url, struct curl_slist *hdrs, const char *body,
    size_t len, int stretch)
{
	CURLM	*multi;
	CURL	*easy[CLIENTS];
	size_t	 i;
	int	 running;

	multi = curl_multi_init();
	assert_non_null(multi);
	for (i = 0; i < CLIENTS; i++) {
		easy[i] = curl_easy_init();
		assert_non_null(easy[i]);
		curl_easy_setopt(easy[i], CURLOPT_URL, url);
		curl_easy_setopt(easy[i], CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(easy[i], CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(easy[i], CURLOPT_POSTFIELDSIZE, (long)len);
		curl_easy_setopt(easy[i], CURLOPT_TIMEOUT_MS,
		    (long)(2 + (i % 20) * stretch));
		curl_multi_add_handle(multi, easy[i]);
	}
	do {
		curl_multi_perform(multi, &running);
		if (running)
			curl_multi_poll(multi, NULL, 0, 50, NULL);
	} while (running);
	for (i = 0; i < CLIENTS; i++) {
		curl_multi_remove_handle(multi, easy[i]);
		curl_easy_cleanup(easy[i]);
	}
	curl_multi_cleanup(multi);
}

static void
test_clients_hang_up_while_parked(void **state)
{
	struct marimba_config	 cfg;
	struct rest_kore	*kore;
	struct rest_resp	 resp;
	struct curl_slist	*hdrs;
	char			 topic[128], url[128], *body;
	size_t			 off, i;
	int			 gone, round;
	const char		 one[] = "{\"name\":\"Alux Nahual\",\"album\":"
	    "\"Alux Nahual\",\"year\":1982,\"rank\":3}";

	kore = calloc(1, sizeof(*kore));
	assert_non_null(kore);
	/* rest_kore_teardown stops it if an assertion fails. */
	*state = kore;
	assert_int_equal(rest_setup(&cfg, kore, topic, sizeof(topic),
	    "test-rest-hangup", 3, NULL), 0);
	assert_int_equal(rest_wait_ready(kore, 15000, 200), 0);

	body = malloc(BATCH * (sizeof(one) + 1) + 2);
	assert_non_null(body);
	off = 0;
	body[off++] = '[';
	for (i = 0; i < BATCH; i++) {
		if (i > 0)
			body[off++] = ',';
		memcpy(body + off, one, sizeof(one) - 1);
		off += sizeof(one) - 1;
	}
	body[off++] = ']';

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/votes",
	    kore->port);
	hdrs = curl_slist_append(NULL, "Expect:");
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	/* Rounds until some request was freed while parked (timing). */
	for (round = 0; round < ROUNDS; round++) {
		hang_up_round(url, hdrs, body, off, 1 + 2 * round);
		(void)log_has_errors(kore->log, &gone);
		if (gone > 0)
			break;
	}
	curl_slist_free_all(hdrs);
	free(body);

	/* The late delivery reports arrive while Kore serves others. */
	assert_int_equal(rest_request(kore, "POST", "/api/votes",
	    "application/json", one, sizeof(one) - 1, &resp), 0);
	assert_int_equal(resp.status, 202);
	assert_int_equal(rest_request(kore, "GET", "/healthz", NULL, NULL,
	    0, &resp), 0);
	assert_int_equal(resp.status, 200);

	assert_int_equal(rest_kore_stop(kore, 20000), 0);
	assert_false(log_has_errors(kore->log, &gone));
	fprintf(stderr, "hang-up: %d requests freed with votes in flight\n",
	    gone);
	/* Only worth something if some were freed while parked. */
	assert_true(gone > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_clients_hang_up_while_parked,
		    rest_kore_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
