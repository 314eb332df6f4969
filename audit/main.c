/* SPDX-License-Identifier: ISC */
/*
 * marimba-audit: reconciles Kafka, Redis and MongoDB, and rebuilds the
 * Redis counters from the MongoDB log. Configured by the same MARIMBA_*
 * variables as the consumer. See docs/operations.md.
 *
 *   marimba-audit check [--all] [--scan | --aggregate]
 *   marimba-audit rebuild-redis [--wait S] [--keep-series]
 *   marimba-audit missing [--max N]
 *
 * Exit status: 0 everything agrees (or the rebuild is done), 1 a
 * difference was found, 2 an error (a store unreachable, bad usage).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "log.h"
#include "mongo_side.h"

static void
usage(void)
{
	fprintf(stderr, "usage: marimba-audit check [--all] "
	    "[--scan | --aggregate]\n"
	    "       marimba-audit rebuild-redis [--wait seconds] "
	    "[--keep-series]\n"
	    "       marimba-audit missing [--max lines]\n");
}

static int
number(const char *s, long max, long *out)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > max)
		return (-1);
	*out = v;
	return (0);
}

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "scan", no_argument, NULL, 's' },
		{ "aggregate", no_argument, NULL, 'g' },
		{ "wait", required_argument, NULL, 'w' },
		{ "keep-series", no_argument, NULL, 'k' },
		{ "max", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct marimba_config		 cfg;
	struct audit_opts		 o;
	const char			*cmd;
	char				 err[256];
	long				 v;
	int				 ch, rv;

	log_init("marimba-audit");
	/* Line by line, also into a file or a pod log. */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage();
		return (AUDIT_ERROR);
	}
	cmd = argv[1];
	memset(&o, 0, sizeof(o));
	o.wait_s = 120;
	o.mongo_scan = -1;
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			o.all = 1;
			break;
		case 's':
			o.mongo_scan = 1;
			break;
		case 'g':
			o.mongo_scan = 0;
			break;
		case 'w':
			if (number(optarg, 86400, &v) == -1) {
				fprintf(stderr, "marimba-audit: --wait: "
				    "seconds 0..86400\n");
				return (AUDIT_ERROR);
			}
			o.wait_s = (int)v;
			break;
		case 'k':
			o.keep_series = 1;
			break;
		case 'm':
			if (number(optarg, 1000000000L, &o.max_lines) == -1) {
				fprintf(stderr, "marimba-audit: --max: a "
				    "number\n");
				return (AUDIT_ERROR);
			}
			break;
		case 'h':
			usage();
			return (AUDIT_AGREE);
		default:
			usage();
			return (AUDIT_ERROR);
		}
	}
	if (optind != argc) {
		usage();
		return (AUDIT_ERROR);
	}
	if (marimba_config_load(&cfg, err, sizeof(err)) == -1) {
		log_error("%s", err);
		return (AUDIT_ERROR);
	}
	signal(SIGPIPE, SIG_IGN);
	mongo_side_init();
	if (strcmp(cmd, "check") == 0)
		rv = audit_check(&cfg, &o);
	else if (strcmp(cmd, "rebuild-redis") == 0)
		rv = audit_rebuild(&cfg, &o);
	else if (strcmp(cmd, "missing") == 0)
		rv = audit_missing(&cfg, &o);
	else {
		usage();
		rv = AUDIT_ERROR;
	}
	mongo_side_cleanup();
	return (rv);
}
