/* SPDX-License-Identifier: ISC */
/*
 * marimba-loadgen: offers votes at a steady rate over REST and gRPC at
 * once, and reports what was acknowledged, how fast, and (with Redis
 * settings) how long votes took to be counted. bench/e2e-bench runs it
 * once per offered rate and reads its RESULT line.
 *
 *   marimba-loadgen --rate R [--rest-port P] [--grpc-addr A]
 *       [--rest-share F] [--duration S] [--rest-concurrency N]
 *       [--grpc-concurrency N] [--timeout MS] [--file data.json]
 *       [--ids FILE] [--redis-port P] [--prefix PFX] [--e2e-per-s N]
 *       [--e2e-grace-ms MS] [--keyed RETRIES]
 *   marimba-loadgen topic BROKERS TOPIC PARTITIONS
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/grpc.h>
#include <librdkafka/rdkafka.h>

#include "kafka_admin.h"
#include "loadgen.h"

struct opts {
	double		 rate;
	double		 rest_share;
	int		 rest_port;
	const char	*grpc_addr;
	int		 duration_s;
	int		 rest_conc;
	int		 grpc_conc;
	int		 timeout_ms;
	const char	*file;
	const char	*ids;
	const char	*redis_host;
	int		 redis_port;
	const char	*prefix;
	double		 e2e_per_s;
	int		 e2e_grace_ms;
	int		 keyed_retries;	/* -1: no idempotency keys */
};

static int	run(const struct opts *);
static void	report(const struct opts *, struct lg_gen *, struct lg_gen *,
		    struct latency *, struct latency *, long, double);
static int	topic_create(const char *, const char *, int);
static double	parse_num(const char *, const char *, double, double);
static void	nap_ms(long);
static void	usage(void);

int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "rest-port", required_argument, NULL, 'p' },
		{ "grpc-addr", required_argument, NULL, 'g' },
		{ "rest-share", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rest-concurrency", required_argument, NULL, 'R' },
		{ "grpc-concurrency", required_argument, NULL, 'G' },
		{ "timeout", required_argument, NULL, 't' },
		{ "file", required_argument, NULL, 'f' },
		{ "ids", required_argument, NULL, 'i' },
		{ "redis-host", required_argument, NULL, 'H' },
		{ "redis-port", required_argument, NULL, 'P' },
		{ "prefix", required_argument, NULL, 'x' },
		{ "e2e-per-s", required_argument, NULL, 'e' },
		{ "e2e-grace-ms", required_argument, NULL, 'E' },
		{ "keyed", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts	o;
	int		ch;

	if (argc == 5 && strcmp(argv[1], "topic") == 0)
		return (topic_create(argv[2], argv[3], (int)parse_num(
		    "partitions", argv[4], 1, 1000)) == 0 ? 0 : 1);

	memset(&o, 0, sizeof(o));
	o.rest_share = 0.5;
	o.duration_s = 10;
	o.rest_conc = 256;
	o.grpc_conc = 64;
	o.timeout_ms = 15000;
	o.file = "locust/data.json";
	o.redis_host = "127.0.0.1";
	o.e2e_per_s = 50;
	o.e2e_grace_ms = 30000;
	o.keyed_retries = -1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			o.rate = parse_num("--rate", optarg, 1, 1e7);
			break;
		case 'p':
			o.rest_port = (int)parse_num("--rest-port", optarg, 1,
			    65535);
			break;
		case 'g':
			o.grpc_addr = optarg;
			break;
		case 's':
			o.rest_share = parse_num("--rest-share", optarg, 0, 1);
			break;
		case 'd':
			o.duration_s = (int)parse_num("--duration", optarg, 1,
			    3600);
			break;
		case 'R':
			o.rest_conc = (int)parse_num("--rest-concurrency",
			    optarg, 1, 4096);
			break;
		case 'G':
			o.grpc_conc = (int)parse_num("--grpc-concurrency",
			    optarg, 1, 1024);
			break;
		case 't':
			o.timeout_ms = (int)parse_num("--timeout", optarg, 1,
			    600000);
			break;
		case 'f':
			o.file = optarg;
			break;
		case 'i':
			o.ids = optarg;
			break;
		case 'H':
			o.redis_host = optarg;
			break;
		case 'P':
			o.redis_port = (int)parse_num("--redis-port", optarg,
			    1, 65535);
			break;
		case 'x':
			o.prefix = optarg;
			break;
		case 'e':
			o.e2e_per_s = parse_num("--e2e-per-s", optarg, 0, 1e5);
			break;
		case 'E':
			o.e2e_grace_ms = (int)parse_num("--e2e-grace-ms",
			    optarg, 0, 600000);
			break;
		case 'k':
			o.keyed_retries = (int)parse_num("--keyed", optarg, 0,
			    100);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o.rate <= 0 ||
	    (o.rest_port == 0 && o.grpc_addr == NULL))
		usage();
	if (o.rest_port == 0)
		o.rest_share = 0;
	if (o.grpc_addr == NULL)
		o.rest_share = 1;
	return (run(&o));
}

static int
run(const struct opts *o)
{
	struct lg_gen	 rest, grpc;
	struct lg_sink	 sink;
	struct lg_e2e	*e2e;
	struct latency	 e2e_lat, counted_lat;
	struct vote	*votes;
	FILE		*ids;
	size_t		 nvotes;
	long		 unseen;
	int64_t		 t0;
	double		 secs;
	int		 rc;

	if (lg_votes_load(o->file, &votes, &nvotes) == -1)
		return (2);
	ids = NULL;
	if (o->ids != NULL && (ids = fopen(o->ids, "w")) == NULL) {
		fprintf(stderr, "loadgen: %s: %s\n", o->ids, strerror(errno));
		free(votes);
		return (2);
	}
	e2e = NULL;
	if (o->redis_port != 0 && o->prefix != NULL && o->e2e_per_s > 0 &&
	    (e2e = lg_e2e_start(o->redis_host, o->redis_port, o->prefix,
	    o->e2e_per_s)) == NULL)
		fprintf(stderr, "loadgen: no end-to-end sampler\n");
	if (lg_sink_init(&sink, ids, e2e) == -1)
		return (2);
	grpc_init();

	memset(&rest, 0, sizeof(rest));
	memset(&grpc, 0, sizeof(grpc));
	rest.name = "rest";
	grpc.name = "grpc";
	rest.rate = o->rate * o->rest_share;
	grpc.rate = o->rate - rest.rate;
	rest.concurrency = o->rest_conc;
	grpc.concurrency = o->grpc_conc;
	rest.timeout_ms = grpc.timeout_ms = o->timeout_ms;
	/* An idempotency key per request, retried with it after a refusal. */
	rest.keyed = grpc.keyed = o->keyed_retries >= 0;
	rest.retries = grpc.retries = o->keyed_retries;
	rest.votes = grpc.votes = votes;
	rest.nvotes = grpc.nvotes = nvotes;
	rest.sink = grpc.sink = &sink;
	atomic_store(&rest.port, o->rest_port);
	if (o->grpc_addr != NULL)
		(void)snprintf(grpc.addr, sizeof(grpc.addr), "%s",
		    o->grpc_addr);

	rc = 0;
	t0 = marimba_mono_us();
	if ((rest.rate > 0 && lg_rest_start(&rest) == -1) ||
	    (grpc.rate > 0 && lg_grpc_start(&grpc) == -1))
		rc = 2;
	if (rc == 0)
		nap_ms((long)o->duration_s * 1000);
	/* Both stop sending at once, then wait for their answers. */
	atomic_store(&rest.stop, 1);
	atomic_store(&grpc.stop, 1);
	lg_stop(&rest);
	lg_stop(&grpc);
	secs = (double)(marimba_mono_us() - t0) / 1e6;

	memset(&e2e_lat, 0, sizeof(e2e_lat));
	memset(&counted_lat, 0, sizeof(counted_lat));
	unseen = 0;
	if (e2e != NULL)
		lg_e2e_stop(e2e, o->e2e_grace_ms, &e2e_lat, &counted_lat,
		    &unseen);
	if (rc == 0)
		report(o, &rest, &grpc, &e2e_lat, &counted_lat, unseen, secs);
	latency_free(&e2e_lat);
	latency_free(&counted_lat);
	lg_free(&rest);
	lg_free(&grpc);
	lg_sink_free(&sink);
	grpc_shutdown();
	if (ids != NULL && fclose(ids) != 0) {
		fprintf(stderr, "loadgen: %s: %s\n", o->ids, strerror(errno));
		rc = 2;
	}
	free(votes);
	return (rc);
}

static void
report(const struct opts *o, struct lg_gen *rest, struct lg_gen *grpc,
    struct latency *e2e, struct latency *counted, long unseen, double secs)
{
	struct lg_counts	c, r, g;
	struct latency		all;
	struct rusage		ru;
	double			p[3], cpu;

	lg_counts(rest, &r);
	lg_counts(grpc, &g);
	c.sent = r.sent + g.sent;
	c.acked = r.acked + g.acked;
	c.unavailable = r.unavailable + g.unavailable;
	c.failed = r.failed + g.failed;
	c.other = r.other + g.other;
	c.skipped = r.skipped + g.skipped;

	printf("offered %.0f votes/s for %d s (rest %.0f, grpc %.0f)\n",
	    o->rate, o->duration_s, rest->rate, grpc->rate);
	printf("sent %ld (%.1f/s), acknowledged %ld (%.1f/s), unavailable "
	    "%ld, failed %ld, other %ld, skipped %ld\n", c.sent,
	    (double)c.sent / secs, c.acked, (double)c.acked / secs,
	    c.unavailable, c.failed, c.other, c.skipped);
	if (o->keyed_retries >= 0)
		printf("keyed: %ld refused attempts retried with their key\n",
		    r.retried + g.retried);
	printf("rest: acknowledged %ld, p50 %.2f ms, p99 %.2f ms\n", r.acked,
	    (double)latency_percentile(&rest->lat, 50) / 1e3,
	    (double)latency_percentile(&rest->lat, 99) / 1e3);
	printf("grpc: acknowledged %ld, p50 %.2f ms, p99 %.2f ms\n", g.acked,
	    (double)latency_percentile(&grpc->lat, 50) / 1e3,
	    (double)latency_percentile(&grpc->lat, 99) / 1e3);

	memset(&all, 0, sizeof(all));
	(void)latency_merge(&all, &rest->lat);
	(void)latency_merge(&all, &grpc->lat);
	p[0] = (double)latency_percentile(&all, 50) / 1e3;
	p[1] = (double)latency_percentile(&all, 99) / 1e3;
	p[2] = (double)latency_percentile(&all, 99.9) / 1e3;
	printf("acknowledgement latency: p50 %.2f ms, p99 %.2f ms, "
	    "p99.9 %.2f ms\n", p[0], p[1], p[2]);
	printf("end-to-end (to Redis) latency, %zu samples: p50 %.2f ms, "
	    "p99 %.2f ms, p99.9 %.2f ms, not seen %ld\n", e2e->n,
	    (double)latency_percentile(e2e, 50) / 1e3,
	    (double)latency_percentile(e2e, 99) / 1e3,
	    (double)latency_percentile(e2e, 99.9) / 1e3, unseen);
	printf("acknowledged -> counted latency: p50 %.2f ms, p99 %.2f ms, "
	    "p99.9 %.2f ms\n", (double)latency_percentile(counted, 50) / 1e3,
	    (double)latency_percentile(counted, 99) / 1e3,
	    (double)latency_percentile(counted, 99.9) / 1e3);
	cpu = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu = ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6) /
		    secs * 100;
	printf("RESULT offered=%.0f secs=%.2f sent=%ld acked=%ld "
	    "unavailable=%ld failed=%ld other=%ld skipped=%ld "
	    "ack_p50=%.2f ack_p99=%.2f ack_p999=%.2f e2e_n=%zu "
	    "e2e_p50=%.2f e2e_p99=%.2f e2e_p999=%.2f e2e_unseen=%ld "
	    "counted_p50=%.2f counted_p99=%.2f cpu=%.0f\n",
	    o->rate, secs, c.sent, c.acked, c.unavailable, c.failed, c.other,
	    c.skipped, p[0], p[1], p[2], e2e->n,
	    (double)latency_percentile(e2e, 50) / 1e3,
	    (double)latency_percentile(e2e, 99) / 1e3,
	    (double)latency_percentile(e2e, 99.9) / 1e3, unseen,
	    (double)latency_percentile(counted, 50) / 1e3,
	    (double)latency_percentile(counted, 99) / 1e3, cpu);
	latency_free(&all);
}

static int
topic_create(const char *brokers, const char *topic, int partitions)
{
	rd_kafka_t	*rk;
	char		 err[256];
	int		 rc;

	if ((rk = kafka_handle_new(brokers, err, sizeof(err))) == NULL) {
		fprintf(stderr, "loadgen: kafka: %s\n", err);
		return (-1);
	}
	if ((rc = kafka_topic_create(rk, topic, partitions, 30000, err,
	    sizeof(err))) == -1)
		fprintf(stderr, "loadgen: topic %s: %s\n", topic, err);
	rd_kafka_destroy(rk);
	return (rc);
}

static double
parse_num(const char *name, const char *s, double min, double max)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "marimba-loadgen: %s wants a number in "
		    "%g..%g\n", name, min, max);
		exit(2);
	}
	return (v);
}

static void
nap_ms(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
usage(void)
{
	fprintf(stderr, "usage: marimba-loadgen --rate votes/s "
	    "[--rest-port P] [--grpc-addr host:port]\n"
	    "           [--rest-share 0..1] [--duration S] "
	    "[--rest-concurrency N] [--grpc-concurrency N]\n"
	    "           [--timeout MS] [--file data.json] [--ids FILE] "
	    "[--redis-host H] [--redis-port P]\n"
	    "           [--prefix PFX] [--e2e-per-s N] [--e2e-grace-ms MS] "
	    "[--keyed RETRIES]\n"
	    "       marimba-loadgen topic BROKERS TOPIC PARTITIONS\n");
	exit(2);
}
