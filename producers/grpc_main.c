/* SPDX-License-Identifier: ISC */
/*
 * marimba-grpc: the gRPC ingest path. Serves marimba.v1.VoteService
 * (Cast, CastStream) and grpc.health.v1.Health/Check on MARIMBA_GRPC_ADDR
 * and produces accepted votes to Kafka; SIGTERM or SIGINT stop it
 * gracefully. Configuration: MARIMBA_* (conf/marimba.env).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <grpc/grpc.h>

#include "config.h"
#include "log.h"
#include "server.h"

int
main(int argc, char **argv)
{
	struct marimba_config	cfg;
	struct server		s;
	sigset_t		sigs;
	char			err[256];
	int			sigfd, rc;

	(void)argv;
	log_init("marimba-grpc");
	if (argc != 1) {
		fprintf(stderr, "usage: marimba-grpc (settings: MARIMBA_*)\n");
		return (2);
	}
	if (marimba_config_load(&cfg, err, sizeof(err)) == -1) {
		log_error("config: %s", err);
		return (2);
	}

	/*
	 * Block the stop signals before any thread starts (the threads
	 * inherit the mask); the completion-queue thread reads them from
	 * a signalfd, so no work is done in a signal handler.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &sigs, NULL) != 0 ||
	    (sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		log_error("cannot set up signal handling");
		return (1);
	}
	(void)signal(SIGPIPE, SIG_IGN);

	grpc_init();
	if (server_init(&s, &cfg, err, sizeof(err)) == -1) {
		log_error("%s", err);
		server_free(&s);
		grpc_shutdown();
		return (1);
	}
	log_info("listening on %s (port %d), producing to %s on %s",
	    cfg.grpc_addr, s.port, cfg.kafka_topic, cfg.kafka_brokers);

	rc = server_run(&s, sigfd);
	server_free(&s);
	grpc_shutdown();
	close(sigfd);
	log_info("stopped");
	return (rc == 0 ? 0 : 1);
}
