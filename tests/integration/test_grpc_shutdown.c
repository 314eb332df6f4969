/* SPDX-License-Identifier: ISC */
/*
 * SIGTERM to marimba-grpc while marimba-vote keeps calls in flight: the
 * server finishes them and exits 0, and every id a client was told was
 * accepted is on the topic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <grpc/grpc.h>

#include "test_grpc_util.h"

static const char	votes_json[] =
    "[{\"name\": \"Malacates Trebol Shop\", \"album\": \"A Quien "
    "Corresponda\", \"year\": \"2015\", \"rank\": \"1\"},"
    "{\"name\": \"Bohemia Suburbana\", \"album\": \"Tiempo de Sobra\", "
    "\"year\": \"2002\", \"rank\": \"3\"}]";

static int
write_file(const char *path, const char *data)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	if (fputs(data, f) == EOF) {
		fclose(f);
		return (-1);
	}
	return (fclose(f) == 0 ? 0 : -1);
}

static void
test_sigterm_in_flight(void **state)
{
	struct tg_server	 srv;
	struct vote		*got;
	char			 topic[128], dir[] = "/tmp/tg-shutdown-XXXXXX";
	char			 data[160], ids[160], line[64];
	size_t			 ngot, i, nids, found;
	pid_t			 client;
	FILE			*f;
	int			 st, rc;
	long long		 t0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(data, sizeof(data), "%s/votes.json", dir);
	(void)snprintf(ids, sizeof(ids), "%s/ids.txt", dir);
	assert_int_equal(write_file(data, votes_json), 0);

	tg_topic_name(topic, sizeof(topic), "grpc-shutdown");
	assert_int_equal(tg_topic_create(TG_BROKERS, topic, 3), 0);
	assert_int_equal(tg_server_start(&srv, TG_BROKERS, topic, NULL), 0);

	/* Far more votes than fit before the signal: calls stay in flight. */
	client = fork();
	assert_true(client != -1);
	if (client == 0) {
		execl(MARIMBA_VOTE_BIN, "marimba-vote", "--addr", srv.addr,
		    "--file", data, "--count", "1000000", "--concurrency", "16",
		    "--timeout", "10000", "--max-failures", "50", "--ids", ids,
		    (char *)NULL);
		_exit(127);
	}
	usleep(1500 * 1000);

	t0 = tg_now_ms();
	rc = tg_server_stop(&srv, 20000);
	print_message("marimba-grpc exited with %d after %lld ms\n", rc,
	    tg_now_ms() - t0);

	/* The client runs out of server and gives up on the rest. */
	assert_int_equal(waitpid(client, &st, 0), client);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);	/* not all accepted */
	assert_int_equal(rc, 0);

	assert_int_equal(tg_topic_read(TG_BROKERS, topic, &got, &ngot), 0);
	f = fopen(ids, "r");
	assert_non_null(f);
	nids = found = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		nids++;
		for (i = 0; i < ngot; i++) {
			if (strcmp(got[i].id, line) == 0) {
				found++;
				break;
			}
		}
	}
	fclose(f);
	print_message("%zu ids accepted, %zu found, %zu on the topic\n", nids,
	    found, ngot);
	assert_true(nids > 0);
	assert_int_equal(found, nids);
	free(got);

	(void)unlink(data);
	(void)unlink(ids);
	(void)rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_sigterm_in_flight),
	};
	int			rc;

	grpc_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	grpc_shutdown();
	return (rc);
}
