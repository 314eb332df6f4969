/* SPDX-License-Identifier: ISC */
/*
 * Implements test_consumer_harness.h against the real services of
 * scripts/stack (Kafka, Redis, FerretDB). Every test gets names of its
 * own, so tests of other engineers and parallel runs never share state.
 */
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <mongoc/mongoc.h>

#include "deconst.h"
#include "net_port.h"
#include "test_consumer_harness.h"
#include "vote.h"
#include "vote_codec.h"
#include "vote_id.h"

extern char	**environ;

static const char	*ct_bands[CT_BANDS] = {
	"Alux Nahual", "Bohemia Suburbana", "Malacates Trébol Shop",
	"Viernes Verde", "Radio Viejo",
};
static const char	*ct_albums[2] = { "En Vivo", "Lo Mejor — 1990s" };

static struct ct_env	*ct_current;	/* for ct_teardown */

static void	ct_die(const char *, ...) __attribute__((format(printf, 1, 2)));
static void	ct_topics(struct ct_env *, int);
static redisContext	*ct_redis(struct ct_env *);
static void	ct_getenv(char *, size_t, const char *, const char *);

static void
ct_die(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fprintf(stderr, "harness: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

int64_t
ct_now_ms(void)
{
	return (marimba_now_ms());
}

void
ct_sleep_ms(int ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
ct_getenv(char *dst, size_t len, const char *name, const char *def)
{
	const char	*v;

	if ((v = getenv(name)) == NULL || *v == '\0')
		v = def;
	(void)snprintf(dst, len, "%s", v);
}

struct ct_env *
ct_env_new(const char *name, int partitions)
{
	struct ct_env	*e;

	if ((e = malloc(sizeof(*e))) == NULL)
		ct_die("out of memory");
	ct_env_init(e, name, partitions);
	e->heap = 1;
	return (e);
}

void
ct_env_init(struct ct_env *e, const char *name, int partitions)
{
	rd_kafka_conf_t	*conf;
	char		 err[512], port[16];
	long long	 stamp;

	memset(e, 0, sizeof(*e));
	ct_current = e;
	stamp = (long long)(ct_now_ms() % 100000000);
	(void)snprintf(e->name, sizeof(e->name), "ct-%s-%d-%lld", name,
	    (int)getpid(), stamp);
	(void)snprintf(e->topic, sizeof(e->topic), "%s", e->name);
	(void)snprintf(e->dlq_topic, sizeof(e->dlq_topic), "%s.dlq", e->name);
	(void)snprintf(e->group, sizeof(e->group), "%s", e->name);
	(void)snprintf(e->prefix, sizeof(e->prefix), "%s", e->name);
	(void)snprintf(e->mongo_db, sizeof(e->mongo_db), "ct_%s_%d_%lld",
	    name, (int)getpid(), stamp);
	ct_getenv(e->brokers, sizeof(e->brokers), "MARIMBA_KAFKA_BROKERS",
	    "127.0.0.1:9092");
	ct_getenv(e->mongo_uri, sizeof(e->mongo_uri), "MARIMBA_MONGO_URI",
	    "mongodb://127.0.0.1:27017/?appname=marimba-test");
	ct_getenv(e->redis_host, sizeof(e->redis_host), "MARIMBA_REDIS_HOST",
	    "127.0.0.1");
	ct_getenv(port, sizeof(port), "MARIMBA_REDIS_PORT", "6379");
	e->redis_port = atoi(port);
	e->partitions = partitions;

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", e->brokers, err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "acks", "all", err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK)
		ct_die("producer conf: %s", err);
	if ((e->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err,
	    sizeof(err))) == NULL)
		ct_die("producer: %s", err);
	ct_topics(e, 1);
}

/* Creates (create=1) or deletes the test's topic and DLQ topic. */
static void
ct_topics(struct ct_env *e, int create)
{
	rd_kafka_NewTopic_t		*nt[2];
	rd_kafka_DeleteTopic_t		*dt[2];
	rd_kafka_queue_t		*q;
	rd_kafka_event_t		*ev;
	const rd_kafka_topic_result_t	**res;
	size_t				 i, n;
	char				 err[256];

	q = rd_kafka_queue_new(e->producer);
	if (create) {
		nt[0] = rd_kafka_NewTopic_new(e->topic, e->partitions, 1, err,
		    sizeof(err));
		nt[1] = rd_kafka_NewTopic_new(e->dlq_topic, 1, 1, err,
		    sizeof(err));
		if (nt[0] == NULL || nt[1] == NULL)
			ct_die("NewTopic: %s", err);
		rd_kafka_CreateTopics(e->producer, nt, 2, NULL, q);
		rd_kafka_NewTopic_destroy_array(nt, 2);
	} else {
		dt[0] = rd_kafka_DeleteTopic_new(e->topic);
		dt[1] = rd_kafka_DeleteTopic_new(e->dlq_topic);
		rd_kafka_DeleteTopics(e->producer, dt, 2, NULL, q);
		rd_kafka_DeleteTopic_destroy_array(dt, 2);
	}
	ev = rd_kafka_queue_poll(q, 30000);
	if (ev == NULL)
		ct_die("topic admin: no answer");
	if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR)
		ct_die("topic admin: %s", rd_kafka_event_error_string(ev));
	if (create)
		res = rd_kafka_CreateTopics_result_topics(
		    rd_kafka_event_CreateTopics_result(ev), &n);
	else
		res = rd_kafka_DeleteTopics_result_topics(
		    rd_kafka_event_DeleteTopics_result(ev), &n);
	for (i = 0; i < n; i++) {
		if (rd_kafka_topic_result_error(res[i]) !=
		    RD_KAFKA_RESP_ERR_NO_ERROR && create)
			ct_die("create %s: %s", rd_kafka_topic_result_name(
			    res[i]), rd_kafka_topic_result_error_string(
			    res[i]));
	}
	rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
}

void
ct_env_cleanup(struct ct_env *e)
{
	mongoc_client_t		*client;
	mongoc_database_t	*db;
	char			 rm[512];
	size_t			 i;
	int			 status;

	/* Only our own unreaped children: their pids can't be reused. */
	for (i = 0; i < sizeof(e->pids) / sizeof(e->pids[0]); i++) {
		if (e->pids[i] > 0 &&
		    waitpid(e->pids[i], &status, WNOHANG) == 0)
			(void)ct_consumer_stop(e->pids[i], SIGKILL, 5000);
	}
	(void)ct_redis_del_pattern(e, "*");
	client = mongoc_client_new(e->mongo_uri);
	if (client != NULL) {
		db = mongoc_client_get_database(client, e->mongo_db);
		(void)mongoc_database_drop(db, NULL);
		mongoc_database_destroy(db);
		mongoc_client_destroy(client);
	}
	ct_topics(e, 0);
	rd_kafka_flush(e->producer, 5000);
	rd_kafka_destroy(e->producer);
	if (e->stack_dir[0] != '\0') {
		(void)ct_stack("down", e->stack_what, e->stack_dir,
		    e->stack_port);
		(void)snprintf(rm, sizeof(rm), "rm -rf '%s/%s'",
		    MARIMBA_SOURCE_DIR, e->stack_dir);
		if (system(rm) != 0)
			fprintf(stderr, "harness: %s failed\n", rm);
	}
	free(e->ids);
	e->ids = NULL;
	if (ct_current == e)
		ct_current = NULL;
	if (e->heap)
		free(e);
}

int
ct_teardown(void **state)
{
	(void)state;
	if (ct_current != NULL)
		ct_env_cleanup(ct_current);
	return (0);
}

void
ct_env_private(struct ct_env *e, const char *what, const char *dir,
    int port)
{
	(void)snprintf(e->stack_dir, sizeof(e->stack_dir), "%s", dir);
	(void)snprintf(e->stack_what, sizeof(e->stack_what), "%s", what);
	e->stack_port = port;
	if (ct_stack("up", what, dir, port) != 0)
		ct_die("scripts/stack up %s in %s failed", what, dir);
}

const char *
ct_band(size_t i)
{
	return (ct_bands[i % CT_BANDS]);
}

const char *
ct_album(size_t i)
{
	return (ct_albums[(i / CT_BANDS) % 2]);
}

const char *
ct_source(size_t i)
{
	return ((i / 7) % 2 ? "grpc" : "rest");
}

void
ct_produce_votes(struct ct_env *e, size_t first, size_t n)
{
	struct vote		 v;
	rd_kafka_resp_err_t	 rerr;
	uint8_t			 buf[1024];
	size_t			 i, len;
	void			*grown;

	if (first + n > e->nids) {
		grown = realloc(e->ids, (first + n) * sizeof(*e->ids));
		if (grown == NULL)
			ct_die("out of memory");
		e->ids = grown;
		e->nids = first + n;
	}
	for (i = first; i < first + n; i++) {
		memset(&v, 0, sizeof(v));
		(void)snprintf(v.name, sizeof(v.name), "%s", ct_band(i));
		(void)snprintf(v.album, sizeof(v.album), "%s", ct_album(i));
		(void)snprintf(v.source, sizeof(v.source), "%s", ct_source(i));
		v.year = 1990 + (uint32_t)(i % 30);
		v.rank = 1 + (uint32_t)(i % 10);
		v.received_at_ms = ct_now_ms();
		if (vote_id_new(v.id, v.received_at_ms) == -1)
			ct_die("vote_id_new");
		memcpy(e->ids[i], v.id, sizeof(e->ids[i]));
		if (vote_encode(&v, buf, sizeof(buf), &len) != VOTE_OK)
			ct_die("vote_encode");
		for (;;) {
			rerr = rd_kafka_producev(e->producer,
			    RD_KAFKA_V_TOPIC(e->topic),
			    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			    RD_KAFKA_V_KEY(v.id, VOTE_ID_LEN),
			    RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_END);
			if (rerr != RD_KAFKA_RESP_ERR__QUEUE_FULL)
				break;
			rd_kafka_poll(e->producer, 10);
		}
		if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR)
			ct_die("produce: %s", rd_kafka_err2str(rerr));
		rd_kafka_poll(e->producer, 0);
	}
	if (rd_kafka_flush(e->producer, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		ct_die("flush: %d messages left",
		    rd_kafka_outq_len(e->producer));
}

void
ct_produce_raw(struct ct_env *e, int32_t partition, const void *buf,
    size_t len)
{
	rd_kafka_resp_err_t	rerr;

	rerr = rd_kafka_producev(e->producer, RD_KAFKA_V_TOPIC(e->topic),
	    RD_KAFKA_V_PARTITION(partition),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_VALUE(DECONST(void *, buf), len),
	    RD_KAFKA_V_HEADER("origin", "test", -1), RD_KAFKA_V_END);
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR)
		ct_die("produce raw: %s", rd_kafka_err2str(rerr));
	if (rd_kafka_flush(e->producer, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		ct_die("flush raw");
}

struct ct_envp *
ct_envp_new(struct ct_env *e, const char *group, const char *const *first)
{
	struct ct_envp	*v;
	size_t		 n, i;

	for (n = 0; environ[n] != NULL; n++)
		;
	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (v->vars = calloc(n + CT_ENVP_ROOM + 1, sizeof(*v->vars))) == NULL)
		ct_die("out of memory");
	v->cap = n + CT_ENVP_ROOM;
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "MARIMBA_", 8) != 0)
			v->vars[v->len++] = environ[i];
	}
	/* The extras first: getenv() takes the first of a name. */
	for (i = 0; first != NULL && first[i] != NULL; i++)
		ct_envp_add(v, "%s", first[i]);
	ct_envp_add(v, "MARIMBA_KAFKA_BROKERS=%s", e->brokers);
	ct_envp_add(v, "MARIMBA_KAFKA_TOPIC=%s", e->topic);
	ct_envp_add(v, "MARIMBA_KAFKA_DLQ_TOPIC=%s", e->dlq_topic);
	ct_envp_add(v, "MARIMBA_CONSUMER_GROUP=%s", group ? group : e->group);
	ct_envp_add(v, "MARIMBA_REDIS_HOST=%s", e->redis_host);
	ct_envp_add(v, "MARIMBA_REDIS_PORT=%d", e->redis_port);
	ct_envp_add(v, "MARIMBA_REDIS_PREFIX=%s", e->prefix);
	ct_envp_add(v, "MARIMBA_MONGO_URI=%s", e->mongo_uri);
	ct_envp_add(v, "MARIMBA_MONGO_DB=%s", e->mongo_db);
	return (v);
}

void
ct_envp_add(struct ct_envp *v, const char *fmt, ...)
{
	va_list	ap;
	char	buf[1024];

	if (v->len == v->cap)
		ct_die("environment: more than %d settings", CT_ENVP_ROOM);
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((v->vars[v->len] = strdup(buf)) == NULL)
		ct_die("out of memory");
	v->len++;
	v->vars[v->len] = NULL;
}

void
ct_envp_free(struct ct_envp *v)
{
	size_t	i;

	/* Only the MARIMBA_* settings are ours; the rest is environ's. */
	for (i = 0; i < v->len; i++) {
		if (strncmp(v->vars[i], "MARIMBA_", 8) == 0)
			free(v->vars[i]);
	}
	free(v->vars);
	free(v);
}

pid_t
ct_consumer_start(struct ct_env *e, const char *group, ...)
{
	struct ct_envp	*envp;
	/* Extras; the env's nine and this function's three take the rest. */
	const char	*extra, *vars[CT_ENVP_ROOM - 16];
	char		*argv[8];
	va_list		 ap;
	size_t		 i, nvars, a;
	pid_t		 pid;

	a = 0;
	nvars = 0;
	argv[a++] = "marimba-consumer";
	va_start(ap, group);
	while ((extra = va_arg(ap, const char *)) != NULL) {
		if (strncmp(extra, "--", 2) == 0 && a < 7) {
			if ((argv[a++] = strdup(extra)) == NULL)
				ct_die("out of memory");
		} else if (nvars + 1 < sizeof(vars) / sizeof(vars[0]))
			vars[nvars++] = extra;
		else
			ct_die("consumer: too many settings");
	}
	va_end(ap);
	argv[a] = NULL;
	vars[nvars] = NULL;
	envp = ct_envp_new(e, group, vars);
	ct_envp_add(envp, "MARIMBA_SESSION_TIMEOUT_MS=%d", 6000);
	ct_envp_add(envp, "MARIMBA_CONSUMER_METRICS_PORT=0");
	ct_envp_add(envp, "MARIMBA_CONSUMER_SINKS=redis,mongo");

	if ((pid = fork()) == -1)
		ct_die("fork: %s", strerror(errno));
	if (pid == 0) {
		/* A test killed by its timeout takes its consumers along. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (e->log_path[0] != '\0') {
			int	fd;

			fd = open(e->log_path, O_WRONLY | O_CREAT | O_APPEND,
			    0644);
			if (fd == -1 || dup2(fd, STDERR_FILENO) == -1)
				_exit(126);
		}
		execve(MARIMBA_CONSUMER_BIN, argv, envp->vars);
		_exit(127);
	}
	for (i = 1; i < a; i++)
		free(argv[i]);
	ct_envp_free(envp);
	for (i = 0; i < sizeof(e->pids) / sizeof(e->pids[0]); i++) {
		if (e->pids[i] == 0) {
			e->pids[i] = pid;
			break;
		}
	}
	return (pid);
}

int
ct_consumer_stop(pid_t pid, int sig, int timeout_ms)
{
	int64_t	deadline;
	size_t	i;
	int	status;
	pid_t	r;

	if (ct_current != NULL) {
		for (i = 0; i < sizeof(ct_current->pids) /
		    sizeof(ct_current->pids[0]); i++) {
			if (ct_current->pids[i] == pid)
				ct_current->pids[i] = 0;
		}
	}
	if (sig != 0)
		(void)kill(pid, sig);
	deadline = ct_now_ms() + timeout_ms;
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r == -1)
			return (-1);
		if (ct_now_ms() > deadline) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			return (-1);
		}
		ct_sleep_ms(20);
	}
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	return (128 + WTERMSIG(status));
}

static redisContext *
ct_redis(struct ct_env *e)
{
	redisContext	*c;
	struct timeval	 tv = { 2, 0 };

	c = redisConnectWithTimeout(e->redis_host, e->redis_port, tv);
	if (c == NULL || c->err) {
		if (c != NULL)
			redisFree(c);
		return (NULL);
	}
	(void)redisSetTimeout(c, tv);
	return (c);
}

static long long
ct_reply_number(redisReply *r)
{
	long long	v;

	v = -1;
	if (r != NULL && r->type == REDIS_REPLY_STRING)
		v = strtoll(r->str, NULL, 10);
	else if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		v = r->integer;
	if (r != NULL)
		freeReplyObject(r);
	return (v);
}

long long
ct_redis_get(struct ct_env *e, const char *key)
{
	redisContext	*c;
	long long	 v;

	if ((c = ct_redis(e)) == NULL)
		return (-2);
	v = ct_reply_number(redisCommand(c, "GET %s:%s", e->prefix, key));
	redisFree(c);
	return (v);
}

long long
ct_redis_hget(struct ct_env *e, const char *key, const char *field)
{
	redisContext	*c;
	long long	 v;

	if ((c = ct_redis(e)) == NULL)
		return (-2);
	v = ct_reply_number(redisCommand(c, "HGET %s:%s %s", e->prefix, key,
	    field));
	redisFree(c);
	return (v);
}

long long
ct_redis_series_sum(struct ct_env *e, const char *field)
{
	redisContext	*c;
	redisReply	*r, *ent, *fields;
	long long	 sum;
	size_t		 i, j;

	if ((c = ct_redis(e)) == NULL)
		return (-2);
	r = redisCommand(c, "XRANGE %s:series - +", e->prefix);
	sum = -1;
	if (r != NULL && r->type == REDIS_REPLY_ARRAY) {
		sum = 0;
		for (i = 0; i < r->elements; i++) {
			ent = r->element[i];
			if (ent->type != REDIS_REPLY_ARRAY ||
			    ent->elements != 2)
				continue;
			fields = ent->element[1];
			for (j = 0; j + 1 < fields->elements; j += 2) {
				if (strcmp(fields->element[j]->str, field) == 0)
					sum += strtoll(
					    fields->element[j + 1]->str,
					    NULL, 10);
			}
		}
	}
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
	return (sum);
}

int
ct_redis_simple(struct ct_env *e, const char *cmd)
{
	redisContext	*c;
	redisReply	*r;
	int		 rv;

	if ((c = ct_redis(e)) == NULL)
		return (-1);
	r = redisCommand(c, cmd);
	rv = (r != NULL && r->type == REDIS_REPLY_STATUS) ? 0 : -1;
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
	return (rv);
}

long long
ct_redis_del_pattern(struct ct_env *e, const char *pattern)
{
	redisContext	*c;
	redisReply	*r, *keys;
	char		 cursor[32];
	long long	 deleted;
	size_t		 i;

	if ((c = ct_redis(e)) == NULL)
		return (-2);
	deleted = 0;
	(void)snprintf(cursor, sizeof(cursor), "0");
	do {
		r = redisCommand(c, "SCAN %s MATCH %s:%s COUNT 1000", cursor,
		    e->prefix, pattern);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY ||
		    r->elements != 2) {
			if (r != NULL)
				freeReplyObject(r);
			break;
		}
		(void)snprintf(cursor, sizeof(cursor), "%s",
		    r->element[0]->str);
		keys = r->element[1];
		for (i = 0; i < keys->elements; i++)
			redisAppendCommand(c, "UNLINK %s",
			    keys->element[i]->str);
		for (i = 0; i < keys->elements; i++) {
			redisReply	*d;

			if (redisGetReply(c, (void **)&d) != REDIS_OK)
				break;
			deleted += d->type == REDIS_REPLY_INTEGER ?
			    d->integer : 0;
			freeReplyObject(d);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	redisFree(c);
	return (deleted);
}

/* What ct_wait_figure polls. */
enum ct_figure {
	CT_FIGURE_TOTAL,	/* <prefix>:total */
	CT_FIGURE_SERIES,	/* the votes-per-second stream's sum */
	CT_FIGURE_LOGS		/* documents in <db>.logs */
};

/* Polls a figure every step_ms until it equals want; the last value. */
static long long
ct_wait_figure(struct ct_env *e, enum ct_figure what, long long want,
    int timeout_ms, int step_ms)
{
	int64_t		deadline;
	long long	v;

	deadline = ct_now_ms() + timeout_ms;
	for (;;) {
		switch (what) {
		case CT_FIGURE_TOTAL:
			v = ct_redis_get(e, "total");
			break;
		case CT_FIGURE_SERIES:
			v = ct_redis_series_sum(e, "total");
			break;
		default:
			v = ct_mongo_count(e);
			break;
		}
		if (v == want || ct_now_ms() > deadline)
			return (v);
		ct_sleep_ms(step_ms);
	}
}

long long
ct_wait_total(struct ct_env *e, long long want, int timeout_ms)
{
	return (ct_wait_figure(e, CT_FIGURE_TOTAL, want, timeout_ms, 100));
}

long long
ct_wait_series(struct ct_env *e, long long want, int timeout_ms)
{
	return (ct_wait_figure(e, CT_FIGURE_SERIES, want, timeout_ms, 200));
}

static long long
ct_mongo_count_filter(struct ct_env *e, const bson_t *filter)
{
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	bson_error_t		 berr;
	int64_t			 n;

	if ((client = mongoc_client_new(e->mongo_uri)) == NULL)
		return (-2);
	coll = mongoc_client_get_collection(client, e->mongo_db, "logs");
	n = mongoc_collection_count_documents(coll, filter, NULL, NULL, NULL,
	    &berr);
	if (n < 0)
		fprintf(stderr, "harness: count: %s\n", berr.message);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(client);
	return (n);
}

long long
ct_mongo_count(struct ct_env *e)
{
	bson_t		filter;
	long long	n;

	bson_init(&filter);
	n = ct_mongo_count_filter(e, &filter);
	bson_destroy(&filter);
	return (n);
}

long long
ct_wait_mongo_count(struct ct_env *e, long long want, int timeout_ms)
{
	return (ct_wait_figure(e, CT_FIGURE_LOGS, want, timeout_ms, 200));
}

long long
ct_mongo_count_ids(struct ct_env *e)
{
	bson_t		filter, in, arr;
	char		idx[16];
	const char	*key;
	size_t		i, j, chunk;
	long long	n, total;

	total = 0;
	for (i = 0; i < e->nids; i += chunk) {
		chunk = e->nids - i < 1000 ? e->nids - i : 1000;
		bson_init(&filter);
		BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &in);
		BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
		for (j = 0; j < chunk; j++) {
			(void)bson_uint32_to_string((uint32_t)j, &key, idx,
			    sizeof(idx));
			BSON_APPEND_UTF8(&arr, key, e->ids[i + j]);
		}
		bson_append_array_end(&in, &arr);
		bson_append_document_end(&filter, &in);
		n = ct_mongo_count_filter(e, &filter);
		bson_destroy(&filter);
		if (n < 0)
			return (n);
		total += n;
	}
	return (total);
}

long long
ct_committed(struct ct_env *e, const char *group)
{
	long long	r, m;

	r = ct_committed_sink(e, group, "redis");
	m = ct_committed_sink(e, group, "mongo");
	return (r < m ? r : m);
}

long long
ct_committed_sink(struct ct_env *e, const char *group, const char *sink)
{
	rd_kafka_conf_t			*conf;
	rd_kafka_t			*rk;
	rd_kafka_topic_partition_list_t	*parts;
	char				 err[256];
	long long			 sum;
	char				 id[192];
	int				 i;

	(void)snprintf(id, sizeof(id), "%s-%s", group ? group : e->group,
	    sink);
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", e->brokers, err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", id, err,
	    sizeof(err)) != RD_KAFKA_CONF_OK)
		ct_die("committed conf: %s", err);
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err))) ==
	    NULL)
		ct_die("committed: %s", err);
	parts = rd_kafka_topic_partition_list_new(e->partitions);
	for (i = 0; i < e->partitions; i++)
		(void)rd_kafka_topic_partition_list_add(parts, e->topic, i);
	sum = -1;
	if (rd_kafka_committed(rk, parts, 10000) ==
	    RD_KAFKA_RESP_ERR_NO_ERROR) {
		sum = 0;
		for (i = 0; i < parts->cnt; i++) {
			if (parts->elems[i].offset >= 0)
				sum += parts->elems[i].offset;
		}
	}
	rd_kafka_topic_partition_list_destroy(parts);
	rd_kafka_destroy(rk);
	return (sum);
}

long long
ct_wait_committed(struct ct_env *e, const char *group, long long want,
    int timeout_ms)
{
	return (ct_wait_committed_sink(e, group, NULL, want, timeout_ms));
}

long long
ct_wait_committed_sink(struct ct_env *e, const char *group,
    const char *sink, long long want, int timeout_ms)
{
	int64_t		deadline;
	long long	v;

	deadline = ct_now_ms() + timeout_ms;
	for (;;) {
		v = sink == NULL ? ct_committed(e, group) :
		    ct_committed_sink(e, group, sink);
		if (v == want || ct_now_ms() > deadline)
			return (v);
		ct_sleep_ms(250);
	}
}

static void
ct_header(rd_kafka_headers_t *hdrs, const char *name, char *dst, size_t len)
{
	const void	*val;
	size_t		 vlen;

	dst[0] = '\0';
	if (hdrs == NULL || rd_kafka_header_get_last(hdrs, name, &val, &vlen) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR || val == NULL)
		return;
	if (vlen >= len)
		vlen = len - 1;
	memcpy(dst, val, vlen);
	dst[vlen] = '\0';
}

int
ct_dlq_read(const char *brokers, const char *topic, struct ct_dlq_record *recs,
    int max, int want, int timeout_ms)
{
	rd_kafka_conf_t			*conf;
	rd_kafka_t			*rk;
	rd_kafka_topic_partition_list_t	*parts;
	rd_kafka_message_t		*msg;
	rd_kafka_headers_t		*hdrs;
	char				 err[256];
	int64_t				 deadline;
	int				 n;

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", "ct-dlq-reader", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK)
		ct_die("dlq reader conf: %s", err);
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err))) ==
	    NULL)
		ct_die("dlq reader: %s", err);
	parts = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(parts, topic, 0)->offset =
	    RD_KAFKA_OFFSET_BEGINNING;
	if (rd_kafka_assign(rk, parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
		ct_die("dlq reader: assign");
	rd_kafka_topic_partition_list_destroy(parts);

	n = 0;
	deadline = ct_now_ms() + timeout_ms;
	while (n < max && n < want && ct_now_ms() < deadline) {
		if ((msg = rd_kafka_consumer_poll(rk, 200)) == NULL)
			continue;
		if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			memset(&recs[n], 0, sizeof(recs[n]));
			recs[n].len = msg->len;
			if ((recs[n].payload = malloc(msg->len + 1)) == NULL)
				ct_die("out of memory");
			if (msg->len > 0)
				memcpy(recs[n].payload, msg->payload, msg->len);
			if (rd_kafka_message_headers(msg, &hdrs) !=
			    RD_KAFKA_RESP_ERR_NO_ERROR)
				hdrs = NULL;
			ct_header(hdrs, "marimba-dlq-reason", recs[n].reason,
			    sizeof(recs[n].reason));
			ct_header(hdrs, "marimba-dlq-topic", recs[n].src_topic,
			    sizeof(recs[n].src_topic));
			ct_header(hdrs, "marimba-dlq-partition",
			    recs[n].src_partition,
			    sizeof(recs[n].src_partition));
			ct_header(hdrs, "marimba-dlq-offset",
			    recs[n].src_offset, sizeof(recs[n].src_offset));
			ct_header(hdrs, "origin", recs[n].origin,
			    sizeof(recs[n].origin));
			n++;
		}
		rd_kafka_message_destroy(msg);
	}
	(void)rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return (n);
}

void
ct_dlq_records_free(struct ct_dlq_record *recs, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		free(recs[i].payload);
}

int
ct_free_port(void)
{
	int	port;

	if ((port = net_free_port()) == -1)
		ct_die("free port: %s", strerror(errno));
	return (port);
}

int
ct_stack(const char *cmd, const char *what, const char *dir, int port)
{
	char	line[1024];
	int	rv;

	(void)snprintf(line, sizeof(line), "cd '%s' && MARIMBA_STACK_DIR='%s' "
	    "MARIMBA_%s_PORT=%d scripts/stack %s %s >&2", MARIMBA_SOURCE_DIR,
	    dir, strcmp(what, "redis") == 0 ? "REDIS" : "MONGO", port, cmd,
	    what);
	rv = system(line);
	return (WIFEXITED(rv) ? WEXITSTATUS(rv) : -1);
}

int
ct_http_get(int port, const char *path, char *buf, size_t len)
{
	struct sockaddr_in	sin;
	struct timeval		tv = { 5, 0 };
	char			req[256];
	size_t			got;
	ssize_t			r;
	int			fd, n;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    write(fd, req, (size_t)n) != n) {
		(void)close(fd);
		return (-1);
	}
	got = 0;
	while (got < len - 1 &&
	    (r = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	(void)close(fd);
	return (0);
}

int
ct_file_has(const char *path, const char *text)
{
	FILE	*f;
	char	 line[4096];
	int	 found;

	if ((f = fopen(path, "r")) == NULL)
		return (0);
	found = 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, text) != NULL;
	fclose(f);
	return (found);
}
