/* SPDX-License-Identifier: ISC */
/*
 * marimba-consumer: runs the sinks of the votes topic, each as a consumer
 * group of its own (<MARIMBA_CONSUMER_GROUP>-<sink>) in a thread of its
 * own: the redis sink counts votes, the mongo sink logs them, and neither
 * waits for the other. Each commits its offsets only when its store (and,
 * for poison messages, the DLQ) has the batch: at-least-once delivery
 * with idempotent writes, so every vote counts and is logged exactly once.
 *
 *   marimba-consumer [--sink redis|mongo|all]
 *
 * Without --sink, MARIMBA_CONSUMER_SINKS (default "redis,mongo") says
 * which. The main thread serves /metrics and the heartbeat.
 * SIGTERM/SIGINT: every sink stores and commits its batch, leaves its
 * group; exit 0 (1 if a sink could not).
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "heartbeat.h"
#include "log.h"
#include "metrics.h"
#include "mongoc_log.h"
#include "sink.h"
#include "vote_id.h"

#define MAIN_SINKS_MAX	2
#define MAIN_TURN_MS	200	/* main loop: /metrics wait per turn */

static volatile sig_atomic_t	main_signalled;

static void	on_signal(int);
static int	main_parse_sinks(const char *, const char **, size_t *);
static int	main_signals(sigset_t *);
static void	main_loop(struct sink **, size_t, struct metrics *,
		    struct heartbeat *);
static void	usage(void);

int
main(int argc, char *argv[])
{
	static const struct option	 opts[] = {
		{ "sink",	required_argument,	NULL,	's' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 },
	};
	struct marimba_config	 cfg;
	struct sink		*sinks[MAIN_SINKS_MAX];
	const char		*names[MAIN_SINKS_MAX];
	const char		*want;
	struct metrics		*metrics;
	struct heartbeat	 hb;
	atomic_int		 stop;
	sigset_t		 blocked;
	char			 err[512];
	size_t			 i, n;
	int			 ch, rv;

	log_init("marimba-consumer");
	if (marimba_config_load(&cfg, err, sizeof(err)) == -1) {
		log_error("config: %s", err);
		return (1);
	}
	want = cfg.consumer_sinks;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			want = optarg;
			break;
		default:
			usage();
			return (2);
		}
	}
	if (optind != argc || main_parse_sinks(want, names, &n) == -1) {
		usage();
		return (2);
	}
	if (main_signals(&blocked) == -1) {
		log_error("sigaction failed");
		return (1);
	}

	mongoc_log_init();
	atomic_init(&stop, 0);
	memset(sinks, 0, sizeof(sinks));
	metrics = NULL;
	rv = 1;
	for (i = 0; i < n; i++) {
		if ((sinks[i] = sink_new(&cfg, names[i], &stop, err,
		    sizeof(err))) == NULL) {
			log_error("%s sink: %s", names[i], err);
			goto out;
		}
	}
	if ((metrics = metrics_new(&cfg, err, sizeof(err))) == NULL &&
	    err[0] != '\0')
		log_warn("metrics: %s: going on without /metrics", err);
	log_info("sinks: %s%s%s; redis %s:%d prefix %s; mongo db %s; "
	    "metrics %s:%d", names[0], n > 1 ? "," : "", n > 1 ? names[1] : "",
	    cfg.redis_host, cfg.redis_port, cfg.redis_prefix, cfg.mongo_db,
	    cfg.metrics_addr, metrics != NULL ? cfg.metrics_port : 0);

	/* The sinks' threads inherit the blocked signals: main takes them. */
	for (i = 0; i < n; i++) {
		if (sink_start(sinks[i], err, sizeof(err)) == -1) {
			log_error("%s sink: %s", names[i], err);
			atomic_store(&stop, 1);
			goto out;
		}
	}
	(void)pthread_sigmask(SIG_UNBLOCK, &blocked, NULL);

	memset(&hb, 0, sizeof(hb));
	hb.path = cfg.heartbeat_file;
	main_loop(sinks, n, metrics, &hb);
	atomic_store(&stop, 1);
	rv = 0;
out:
	for (i = 0; i < n; i++) {
		if (sinks[i] == NULL)
			continue;
		sink_join(sinks[i]);
		if (sinks[i]->rv != 0)
			rv = 1;
	}
	for (i = 0; i < n; i++)
		sink_free(sinks[i]);
	metrics_free(metrics);
	mongoc_cleanup();
	return (rv);
}

static void
on_signal(int sig)
{
	(void)sig;
	main_signalled = 1;
}

/*
 * SIGTERM and SIGINT set a flag for the main loop; they stay blocked
 * (in *blocked) until the sinks' threads are started, so only the main
 * thread ever takes them.
 */
static int
main_signals(sigset_t *blocked)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return (-1);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(blocked);
	sigaddset(blocked, SIGTERM);
	sigaddset(blocked, SIGINT);
	return (pthread_sigmask(SIG_BLOCK, blocked, NULL) == 0 ? 0 : -1);
}

/*
 * Until a signal or a sink ending by itself: serve /metrics, touch the
 * heartbeat while every sink's loop turns.
 */
static void
main_loop(struct sink **sinks, size_t n, struct metrics *metrics,
    struct heartbeat *hb)
{
	int64_t	now;
	size_t	i;
	int	alive;

	while (!main_signalled) {
		if (metrics != NULL)
			metrics_serve(metrics, sinks, n, MAIN_TURN_MS);
		else
			(void)poll(NULL, 0, MAIN_TURN_MS);
		now = marimba_now_ms();
		alive = 1;
		for (i = 0; i < n; i++) {
			if (!atomic_load(&sinks[i]->running)) {
				log_error("%s sink ended: stopping the others",
				    sinks[i]->name);
				return;
			}
			if (now - atomic_load(&sinks[i]->alive_ms) >
			    SINK_WEDGED_MS)
				alive = 0;
		}
		if (alive)
			heartbeat_touch(hb, now);
	}
}

/* "redis", "mongo", "all" or a comma-separated list of them. */
static int
main_parse_sinks(const char *spec, const char **names, size_t *n)
{
	char	 buf[64], *p, *tok, *save;
	int	 redis, mongo;

	if (strlen(spec) >= sizeof(buf))
		return (-1);
	(void)snprintf(buf, sizeof(buf), "%s", spec);
	redis = mongo = 0;
	for (p = buf; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if (strcmp(tok, "redis") == 0)
			redis = 1;
		else if (strcmp(tok, "mongo") == 0)
			mongo = 1;
		else if (strcmp(tok, "all") == 0)
			redis = mongo = 1;
		else {
			log_error("unknown sink '%s'", tok);
			return (-1);
		}
	}
	*n = 0;
	if (redis)
		names[(*n)++] = "redis";
	if (mongo)
		names[(*n)++] = "mongo";
	return (*n > 0 ? 0 : -1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: marimba-consumer [--sink redis|mongo|all]\n"
	    "  (default: MARIMBA_CONSUMER_SINKS, else redis,mongo)\n");
}
