/* SPDX-License-Identifier: ISC */
/*
 * Helpers of the gRPC integration tests (see test_grpc_util.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <grpc/support/time.h>
#include <librdkafka/rdkafka.h>

#include "grpc/health/v1/health.pb-c.h"
#include "vote.pb-c.h"

#include "cast_request.h"
#include "clock.h"
#include "deconst.h"
#include "grpc_buf.h"
#include "kafka_admin.h"
#include "test_grpc_util.h"
#include "vote_codec.h"

#define TG_START_MS	20000	/* for marimba-grpc to answer */
#define TG_KAFKA_MS	10000	/* for admin and consumer requests */

static rd_kafka_t	*tg_kafka(const char *, rd_kafka_type_t, char *,
			    size_t);

long long
tg_now_ms(void)
{
	return (marimba_mono_ms());
}

void
tg_topic_name(char *buf, size_t len, const char *prefix)
{
	static int	n;

	(void)snprintf(buf, len, "%s-%d-%d-%lld", prefix, (int)getpid(),
	    n++, (long long)time(NULL));
}

static rd_kafka_t *
tg_kafka(const char *brokers, rd_kafka_type_t type, char *err, size_t errlen)
{
	rd_kafka_conf_t	*conf;
	rd_kafka_t	*rk;
	char		 group[64];

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err,
	    errlen) != RD_KAFKA_CONF_OK) {
		rd_kafka_conf_destroy(conf);
		return (NULL);
	}
	if (type == RD_KAFKA_CONSUMER) {
		(void)snprintf(group, sizeof(group), "tg-%d", (int)getpid());
		if (rd_kafka_conf_set(conf, "group.id", group, err, errlen) !=
		    RD_KAFKA_CONF_OK ||
		    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err,
		    errlen) != RD_KAFKA_CONF_OK) {
			rd_kafka_conf_destroy(conf);
			return (NULL);
		}
	}
	if ((rk = rd_kafka_new(type, conf, err, errlen)) == NULL)
		rd_kafka_conf_destroy(conf);
	return (rk);
}

int
tg_topic_create(const char *brokers, const char *topic, int partitions)
{
	rd_kafka_t	*rk;
	char		 err[256];
	int		 rc;

	if ((rk = tg_kafka(brokers, RD_KAFKA_PRODUCER, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "tg_topic_create: %s\n", err);
		return (-1);
	}
	if ((rc = kafka_topic_create(rk, topic, partitions, TG_KAFKA_MS, err,
	    sizeof(err))) == -1 && err[0] != '\0')
		fprintf(stderr, "tg_topic_create %s: %s\n", topic, err);
	rd_kafka_destroy(rk);
	return (rc);
}

long
tg_topic_count(const char *brokers, const char *topic)
{
	rd_kafka_t	*rk;
	long		 sum;
	char		 err[256];

	if ((rk = tg_kafka(brokers, RD_KAFKA_PRODUCER, err,
	    sizeof(err))) == NULL)
		return (-1);
	sum = kafka_topic_count(rk, topic, TG_KAFKA_MS);
	rd_kafka_destroy(rk);
	return (sum);
}

int
tg_topic_read(const char *brokers, const char *topic, struct vote **out,
    size_t *count)
{
	rd_kafka_t			*rk;
	rd_kafka_topic_partition_list_t	*tp;
	rd_kafka_message_t		*m;
	struct vote_error		 verr;
	struct vote			*votes;
	int64_t				*hw;
	long				 total, got;
	long long			 until;
	int				 i, n, rc;
	char				 err[256];

	if ((rk = tg_kafka(brokers, RD_KAFKA_CONSUMER, err,
	    sizeof(err))) == NULL)
		return (-1);
	if (kafka_topic_marks(rk, topic, TG_KAFKA_MS, &hw, &n) == -1) {
		rd_kafka_destroy(rk);
		return (-1);
	}
	tp = rd_kafka_topic_partition_list_new(n);
	for (total = 0, i = 0; i < n; i++) {
		total += (long)hw[i];
		rd_kafka_topic_partition_list_add(tp, topic, i)->offset =
		    RD_KAFKA_OFFSET_BEGINNING;
	}
	votes = calloc((size_t)total + 1, sizeof(*votes));
	rc = -1;
	got = 0;
	if (votes == NULL || rd_kafka_assign(rk, tp) != 0)
		goto done;

	until = tg_now_ms() + TG_KAFKA_MS;
	while (got < total && tg_now_ms() < until) {
		if ((m = rd_kafka_consumer_poll(rk, 200)) == NULL)
			continue;
		if (m->err == 0 && m->offset < hw[m->partition]) {
			if (vote_decode(m->payload, m->len, &votes[got],
			    &verr) != VOTE_OK) {
				fprintf(stderr, "tg_topic_read: offset %lld: "
				    "%s\n", (long long)m->offset,
				    verr.message);
				rd_kafka_message_destroy(m);
				goto done;
			}
			got++;
		}
		rd_kafka_message_destroy(m);
	}
	if (got == total)
		rc = 0;
	else
		fprintf(stderr, "tg_topic_read: %ld of %ld\n", got, total);
done:
	rd_kafka_topic_partition_list_destroy(tp);
	free(hw);
	(void)rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	if (rc == 0) {
		*out = votes;
		*count = (size_t)total;
	} else
		free(votes);
	return (rc);
}

int
tg_server_start(struct tg_server *s, const char *brokers, const char *topic,
    const char **extra)
{
	grpc_channel		*ch;
	grpc_completion_queue	*cq;
	char			 port[16];
	const char		*eq;
	char			 name[64];
	int			 p, rc, st;
	long long		 until;

	if ((p = net_free_port()) == -1)
		return (-1);
	(void)snprintf(s->addr, sizeof(s->addr), "127.0.0.1:%d", p);
	(void)snprintf(port, sizeof(port), "%d", p);

	if ((s->pid = fork()) == -1)
		return (-1);
	if (s->pid == 0) {
		setenv("MARIMBA_GRPC_ADDR", s->addr, 1);
		setenv("MARIMBA_KAFKA_BROKERS", brokers, 1);
		setenv("MARIMBA_KAFKA_TOPIC", topic, 1);
		for (; extra != NULL && *extra != NULL; extra++) {
			if ((eq = strchr(*extra, '=')) == NULL ||
			    (size_t)(eq - *extra) >= sizeof(name))
				_exit(127);
			memcpy(name, *extra, (size_t)(eq - *extra));
			name[eq - *extra] = '\0';
			setenv(name, eq + 1, 1);
		}
		execl(MARIMBA_GRPC_BIN, "marimba-grpc", (char *)NULL);
		_exit(127);
	}

	/*
	 * Up when it answers a health check, whatever it says. A new
	 * channel each time: a refused one waits out its reconnect backoff.
	 */
	cq = rpc_cq_new();
	rc = -1;
	until = tg_now_ms() + TG_START_MS;
	while (tg_now_ms() < until) {
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = -1;
			break;
		}
		ch = rpc_channel_new(s->addr);
		if (tg_health(ch, cq, "", &p) == GRPC_STATUS_OK)
			rc = 0;
		grpc_channel_destroy(ch);
		if (rc == 0)
			break;
		usleep(100 * 1000);
	}
	rpc_cq_free(cq);
	if (rc == -1 && s->pid > 0)
		(void)tg_server_stop(s, 5000);
	return (rc);
}

int
tg_server_stop(struct tg_server *s, int timeout_ms)
{
	long long	until;
	int		st;

	if (s->pid <= 0)
		return (-1);
	(void)kill(s->pid, SIGTERM);
	until = tg_now_ms() + timeout_ms;
	while (tg_now_ms() < until) {
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = -1;
			return (WIFEXITED(st) ? WEXITSTATUS(st) : 128 +
			    WTERMSIG(st));
		}
		usleep(20 * 1000);
	}
	(void)kill(s->pid, SIGKILL);
	(void)waitpid(s->pid, &st, 0);
	s->pid = -1;
	return (-1);
}

grpc_status_code
tg_health(grpc_channel *ch, grpc_completion_queue *cq, const char *service,
    int *serving)
{
	Grpc__Health__V1__HealthCheckRequest	 req =
	    GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
	Grpc__Health__V1__HealthCheckResponse	*resp;
	struct rpc_result			 res;
	struct rpc_msg				 msg;
	uint8_t					 buf[256];
	grpc_status_code			 st;

	req.service = DECONST(char *, service);
	msg.len = grpc__health__v1__health_check_request__pack(&req, buf);
	msg.data = buf;
	*serving = -1;
	if (rpc_call(ch, cq, RPC_METHOD_HEALTH_CHECK, &msg, 1, 0, 2000,
	    &res) == -1)
		return (GRPC_STATUS_INTERNAL);
	st = res.status;
	if (st == GRPC_STATUS_OK) {
		resp = grpc__health__v1__health_check_response__unpack(NULL,
		    res.reply_len, res.reply);
		if (resp == NULL)
			st = GRPC_STATUS_DATA_LOSS;
		else {
			*serving = resp->status;
			grpc__health__v1__health_check_response__free_unpacked(
			    resp, NULL);
		}
	}
	rpc_result_clear(&res);
	return (st);
}

int
tg_wait_health(grpc_channel *ch, grpc_completion_queue *cq, int want,
    int timeout_ms)
{
	long long	until;
	int		serving;

	until = tg_now_ms() + timeout_ms;
	do {
		if (tg_health(ch, cq, "", &serving) == GRPC_STATUS_OK &&
		    serving == want)
			return (0);
		usleep(100 * 1000);
	} while (tg_now_ms() < until);
	return (-1);
}

int
tg_fixture_up(struct tg_fixture *f, const char *prefix, const char **extra)
{
	grpc_init();
	tg_topic_name(f->topic, sizeof(f->topic), prefix);
	if (tg_topic_create(TG_BROKERS, f->topic, 3) == -1)
		return (-1);
	if (tg_server_start(&f->srv, TG_BROKERS, f->topic, extra) == -1)
		return (-1);
	f->ch = rpc_channel_new(f->srv.addr);
	f->cq = rpc_cq_new();
	if (tg_wait_health(f->ch, f->cq, 1, 15000) == -1) {
		fprintf(stderr, "marimba-grpc never said SERVING\n");
		return (-1);
	}
	return (0);
}

int
tg_fixture_teardown(void **state)
{
	struct tg_fixture	*f = *state;
	int			 st;

	rpc_cq_free(f->cq);
	grpc_channel_destroy(f->ch);
	st = tg_server_stop(&f->srv, 15000);
	grpc_shutdown();
	if (st != 0) {
		fprintf(stderr, "marimba-grpc exited with %d\n", st);
		return (-1);
	}
	return (0);
}

void
tg_vote(struct vote *v, int i)
{
	static const char	*bands[][2] = {
		{ "Malacates Trebol Shop", "A Quien Corresponda" },
		{ "Malacates Trebol Shop", "Resistencia" },
		{ "Bohemia Suburbana", "Tiempo de Sobra" },
		{ "Bohemia Suburbana", "Bohemia Suburbana" },
		{ "Alux Nahual", "Alux Nahual" },
	};

	memset(v, 0, sizeof(*v));
	(void)snprintf(v->name, sizeof(v->name), "%s", bands[i % 5][0]);
	(void)snprintf(v->album, sizeof(v->album), "%s #%d", bands[i % 5][1],
	    i);
	v->year = 1980 + (uint32_t)(i % 40);
	v->rank = 1 + (uint32_t)(i % 1000);
}

grpc_status_code
tg_cast(grpc_channel *ch, grpc_completion_queue *cq, const struct vote *v,
    char *id, int timeout_ms, char *details, size_t dlen)
{
	Marimba__V1__CastReply	*reply;
	struct rpc_result	 res;
	struct rpc_msg		 msg;
	uint8_t			*buf;
	size_t			 len;
	grpc_status_code	 st;

	if (cast_request_encode(v, &buf, &len) == -1)
		return (GRPC_STATUS_INTERNAL);
	msg.data = buf;
	msg.len = len;
	if (rpc_call(ch, cq, RPC_METHOD_CAST, &msg, 1, 0, timeout_ms,
	    &res) == -1) {
		free(buf);
		return (GRPC_STATUS_INTERNAL);
	}
	free(buf);
	st = res.status;
	if (details != NULL)
		(void)snprintf(details, dlen, "%s", res.details);
	if (st == GRPC_STATUS_OK) {
		reply = marimba__v1__cast_reply__unpack(NULL, res.reply_len,
		    res.reply);
		if (reply == NULL || strlen(reply->id) != VOTE_ID_LEN)
			st = GRPC_STATUS_DATA_LOSS;
		else if (id != NULL)
			memcpy(id, reply->id, VOTE_ID_LEN + 1);
		if (reply != NULL)
			marimba__v1__cast_reply__free_unpacked(reply, NULL);
	}
	rpc_result_clear(&res);
	return (st);
}

grpc_status_code
tg_cast_stream(grpc_channel *ch, grpc_completion_queue *cq,
    const struct vote *v, size_t n, char (*ids)[VOTE_ID_LEN + 1],
    int timeout_ms, char *details, size_t dlen)
{
	Marimba__V1__CastStreamReply	*reply;
	struct rpc_result		 res;
	struct rpc_msg			*msgs;
	uint8_t				*buf;
	size_t				 i, len;
	grpc_status_code		 st;

	if ((msgs = calloc(n + 1, sizeof(*msgs))) == NULL)
		return (GRPC_STATUS_INTERNAL);
	st = GRPC_STATUS_INTERNAL;
	for (i = 0; i < n; i++) {
		if (cast_request_encode(&v[i], &buf, &len) == -1)
			goto done;
		msgs[i].data = buf;
		msgs[i].len = len;
	}
	if (rpc_call(ch, cq, RPC_METHOD_CAST_STREAM, msgs, n, 1, timeout_ms,
	    &res) == -1)
		goto done;
	st = res.status;
	if (details != NULL)
		(void)snprintf(details, dlen, "%s", res.details);
	if (st == GRPC_STATUS_OK) {
		reply = marimba__v1__cast_stream_reply__unpack(NULL,
		    res.reply_len, res.reply);
		if (reply == NULL || reply->n_ids != n || reply->accepted != n)
			st = GRPC_STATUS_DATA_LOSS;
		for (i = 0; st == GRPC_STATUS_OK && i < n; i++) {
			if (strlen(reply->ids[i]) != VOTE_ID_LEN)
				st = GRPC_STATUS_DATA_LOSS;
			else if (ids != NULL)
				memcpy(ids[i], reply->ids[i], VOTE_ID_LEN + 1);
		}
		if (reply != NULL)
			marimba__v1__cast_stream_reply__free_unpacked(reply,
			    NULL);
	}
	rpc_result_clear(&res);
done:
	for (i = 0; i < n; i++)
		free(DECONST(void *, msgs[i].data));
	free(msgs);
	return (st);
}

static int
tg_stream_send(grpc_completion_queue *cq, struct tg_stream *st, grpc_op *op)
{
	grpc_event	ev;

	if (grpc_call_start_batch(st->call, op, 1, &st->send_tag, NULL) !=
	    GRPC_CALL_OK)
		return (-1);
	ev = grpc_completion_queue_pluck(cq, &st->send_tag,
	    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	return (ev.type == GRPC_OP_COMPLETE && ev.success ? 0 : -1);
}

int
tg_stream_open(grpc_channel *ch, grpc_completion_queue *cq,
    struct tg_stream *st, const struct vote *v, size_t n, int deadline_ms)
{
	grpc_op			 ops[4];
	grpc_byte_buffer	*bb;
	grpc_slice		 method;
	gpr_timespec		 deadline;
	uint8_t			*buf;
	size_t			 i, len;
	int			 rc;

	memset(st, 0, sizeof(*st));
	grpc_metadata_array_init(&st->init_md);
	grpc_metadata_array_init(&st->trail_md);
	st->details = grpc_empty_slice();
	st->status = GRPC_STATUS_UNKNOWN;
	deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	    gpr_time_from_millis(deadline_ms, GPR_TIMESPAN));
	method = grpc_slice_from_static_string(RPC_METHOD_CAST_STREAM);
	st->call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS,
	    cq, method, NULL, deadline, NULL);
	if (st->call == NULL)
		goto fail;

	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[1].data.recv_initial_metadata.recv_initial_metadata =
	    &st->init_md;
	ops[2].op = GRPC_OP_RECV_MESSAGE;
	ops[2].data.recv_message.recv_message = &st->reply;
	ops[3].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[3].data.recv_status_on_client.trailing_metadata = &st->trail_md;
	ops[3].data.recv_status_on_client.status = &st->status;
	ops[3].data.recv_status_on_client.status_details = &st->details;
	if (grpc_call_start_batch(st->call, ops, 4, st, NULL) != GRPC_CALL_OK)
		goto fail;

	for (i = 0; i < n; i++) {
		if (cast_request_encode(&v[i], &buf, &len) == -1)
			goto cancel;
		bb = gbuf_from_bytes(buf, len);
		free(buf);
		if (bb == NULL)
			goto cancel;
		memset(ops, 0, sizeof(ops));
		ops[0].op = GRPC_OP_SEND_MESSAGE;
		ops[0].data.send_message.send_message = bb;
		rc = tg_stream_send(cq, st, ops);
		grpc_byte_buffer_destroy(bb);
		if (rc == -1)
			goto cancel;
	}
	return (0);

cancel:
	grpc_call_cancel(st->call, NULL);
	(void)tg_stream_wait(cq, st, 10000);
fail:
	tg_stream_free(st);
	return (-1);
}

int
tg_stream_half_close(grpc_completion_queue *cq, struct tg_stream *st)
{
	grpc_op	op;

	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	return (tg_stream_send(cq, st, &op));
}

int
tg_stream_wait(grpc_completion_queue *cq, struct tg_stream *st,
    int timeout_ms)
{
	grpc_event	ev;

	ev = grpc_completion_queue_pluck(cq, st, gpr_time_add(
	    gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(timeout_ms,
	    GPR_TIMESPAN)), NULL);
	return (ev.type == GRPC_OP_COMPLETE ? 0 : -1);
}

void
tg_stream_free(struct tg_stream *st)
{
	if (st->call != NULL)
		grpc_call_unref(st->call);
	if (st->reply != NULL)
		grpc_byte_buffer_destroy(st->reply);
	grpc_slice_unref(st->details);
	grpc_metadata_array_destroy(&st->init_md);
	grpc_metadata_array_destroy(&st->trail_md);
	memset(st, 0, sizeof(*st));
}

long
tg_rss_kib(pid_t pid)
{
	FILE	*f;
	char	 path[64], line[256];
	long	 kib;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	kib = -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	(void)fclose(f);
	return (kib);
}

int
tg_stack_kafka(const char *verb, const char *stackdir, int kport, int cport)
{
	char	cmd[1024];
	int	st;

	(void)snprintf(cmd, sizeof(cmd), "cd '%s' && MARIMBA_STACK_DIR='%s' "
	    "MARIMBA_KAFKA_PORT=%d MARIMBA_KAFKA_CONTROLLER_PORT=%d "
	    "timeout 120 scripts/stack %s kafka >&2", MARIMBA_SOURCE_DIR,
	    stackdir, kport, cport, verb);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return (-1);
	return (WEXITSTATUS(st));
}
