/* SPDX-License-Identifier: ISC */
/*
 * marimba-vote: casts votes at marimba-grpc and reports how it went.
 *
 *   marimba-vote [--addr A] [--file data.json] [--count N] [--rate R]
 *       [--stream BATCH] [--concurrency C] [--ids FILE] [--timeout MS]
 *       [--max-failures N] [--duration S] [--retries N] [--no-keys]
 *
 * Votes come from a JSON array in the seed format (locust/data.json) and
 * are cycled through. Every call carries a new idempotency key and is
 * retried with it (up to --retries times, 3 by default) after an answer
 * that does not say the votes were refused for good; --no-keys sends
 * none and never retries. Exits 0 only if every vote was accepted.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>

#include "config.h"
#include "vote.h"
#include "vote_load.h"

#define VOTE_FILE_MAX	(64L * 1024 * 1024)

static int	read_file(const char *, uint8_t **, size_t *);
static long	parse_long(const char *, const char *, long, long);
static void	usage(void);

int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "file", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "stream", required_argument, NULL, 's' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "ids", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-failures", required_argument, NULL, 'm' },
		{ "duration", required_argument, NULL, 'd' },
		{ "retries", required_argument, NULL, 'R' },
		{ "no-keys", no_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct marimba_config	 cfg;
	struct load_opts	 o;
	struct load_result	 res;
	struct vote_limits	 limits;
	struct vote_error	 verr;
	struct vote		*votes;
	const char		*file, *ids;
	uint8_t			*data;
	size_t			 len, nvotes;
	char			 err[256];
	int			 ch, rc;

	if (marimba_config_load(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "marimba-vote: %s\n", err);
		return (2);
	}
	memset(&o, 0, sizeof(o));
	o.addr = cfg.grpc_addr;
	o.count = 100;
	o.concurrency = 1;
	/* Past the server's longest wait (MARIMBA_ACK_TIMEOUT_MS + 1 s). */
	o.timeout_ms = cfg.ack_timeout_ms + 5000;
	o.keys = 1;
	o.retries = 3;
	file = "locust/data.json";
	ids = NULL;

	while ((ch = getopt_long(argc, argv, "a:f:n:r:s:c:i:t:m:d:R:K",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			o.addr = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'n':
			o.count = parse_long("--count", optarg, 1, 1000000000L);
			break;
		case 'r':
			o.rate = (double)parse_long("--rate", optarg, 0,
			    10000000L);
			break;
		case 's':
			o.stream_batch = (size_t)parse_long("--stream", optarg,
			    1, 100000);
			break;
		case 'c':
			o.concurrency = (int)parse_long("--concurrency",
			    optarg, 1, 4096);
			break;
		case 'i':
			ids = optarg;
			break;
		case 't':
			o.timeout_ms = (int)parse_long("--timeout", optarg,
			    1, 3600000);
			break;
		case 'm':
			o.max_failures = parse_long("--max-failures", optarg,
			    1, 1000000000L);
			break;
		case 'd':
			o.duration_s = (int)parse_long("--duration", optarg,
			    1, 86400);
			break;
		case 'R':
			o.retries = (int)parse_long("--retries", optarg, 0,
			    100);
			break;
		case 'K':
			o.keys = 0;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (read_file(file, &data, &len) == -1)
		return (2);
	limits.max_body = len + 1;
	limits.max_batch = 1000000;
	if (vote_parse_json_batch(data, len, &limits, &votes, &nvotes,
	    &verr) != VOTE_OK) {
		fprintf(stderr, "marimba-vote: %s: vote %ld: %s\n", file,
		    verr.index, verr.message);
		free(data);
		return (2);
	}
	free(data);
	o.votes = votes;
	o.nvotes = nvotes;

	if (ids != NULL && (o.ids = fopen(ids, "w")) == NULL) {
		fprintf(stderr, "marimba-vote: %s: %s\n", ids, strerror(errno));
		free(votes);
		return (2);
	}

	grpc_init();
	rc = load_run(&o, &res);
	grpc_shutdown();
	free(votes);
	if (o.ids != NULL && fclose(o.ids) != 0) {
		fprintf(stderr, "marimba-vote: %s: %s\n", ids, strerror(errno));
		rc = -1;
	}
	if (rc == -1) {
		latency_free(&res.lat);
		return (2);
	}

	printf("%ld votes in %ld calls in %.2f s: %.1f votes/s\n",
	    res.accepted + res.rejected + res.failed, res.calls, res.seconds,
	    res.seconds > 0 ? (double)res.accepted / res.seconds : 0.0);
	printf("accepted %ld, rejected %ld, failed %ld\n", res.accepted,
	    res.rejected, res.failed);
	printf("retries %ld, calls accepted after a retry %ld\n", res.retries,
	    res.retried_ok);
	printf("latency per call: p50 %.2f ms, p99 %.2f ms\n",
	    (double)latency_percentile(&res.lat, 50) / 1000.0,
	    (double)latency_percentile(&res.lat, 99) / 1000.0);
	latency_free(&res.lat);

	/* With --duration, the votes sent are what counts. */
	if (o.duration_s > 0)
		return (res.rejected == 0 && res.failed == 0 &&
		    res.accepted > 0 ? 0 : 1);
	return (res.accepted == o.count ? 0 : 1);
}

static int
read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE	*f;
	uint8_t	*buf;
	long	 size;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "marimba-vote: %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	if (fseek(f, 0, SEEK_END) == -1 || (size = ftell(f)) == -1 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		fprintf(stderr, "marimba-vote: %s: cannot size it\n", path);
		fclose(f);
		return (-1);
	}
	if (size == 0 || size > VOTE_FILE_MAX) {
		fprintf(stderr, "marimba-vote: %s: %ld bytes\n", path, size);
		fclose(f);
		return (-1);
	}
	if ((buf = malloc((size_t)size)) == NULL ||
	    fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "marimba-vote: %s: cannot read it\n", path);
		free(buf);
		fclose(f);
		return (-1);
	}
	fclose(f);
	*out = buf;
	*len = (size_t)size;
	return (0);
}

static long
parse_long(const char *name, const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "marimba-vote: %s wants an integer in "
		    "%ld..%ld\n", name, min, max);
		exit(2);
	}
	return (v);
}

static void
usage(void)
{
	fprintf(stderr, "usage: marimba-vote [--addr host:port] "
	    "[--file data.json] [--count N]\n"
	    "           [--rate votes/s] [--stream BATCH] "
	    "[--concurrency C] [--ids FILE] [--timeout MS]\n"
	    "           [--max-failures N] [--duration S] [--retries N] "
	    "[--no-keys]\n");
	exit(2);
}
