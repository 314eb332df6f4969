/* SPDX-License-Identifier: ISC */
/*
 * Helpers of the REST integration tests (see test_rest_support.h): a real
 * Kore started through kore/run.sh, libcurl for HTTP, librdkafka to create
 * and read back the test's own topic.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <yajl/yajl_tree.h>

#include "clock.h"
#include "kafka_admin.h"
#include "test_rest_support.h"
#include "vote_codec.h"
#include "vote_id.h"

#ifndef MARIMBA_SOURCE_DIR
#error "MARIMBA_SOURCE_DIR must be defined by CMake"
#endif
#ifndef MARIMBA_KORE_MODULE
#error "MARIMBA_KORE_MODULE must be defined by CMake"
#endif

struct body_sink {
	struct rest_resp	*resp;
};

static size_t	rest_write_cb(char *, size_t, size_t, void *);
static size_t	rest_header_cb(char *, size_t, size_t, void *);
static void	rest_header_copy(const char *, size_t, char *, size_t);
static rd_kafka_t *rest_kafka_new(rd_kafka_type_t, const char *);
static void	rest_sleep_ms(long);

void
rest_unique_topic(char *out, size_t len, const char *prefix)
{
	char	id[VOTE_ID_LEN + 1];

	if (vote_id_new(id, marimba_now_ms()) == -1)
		snprintf(id, sizeof(id), "%ld", (long)time(NULL));
	snprintf(out, len, "%s-%d-%s", prefix, (int)getpid(), id);
}

int
rest_topic_create(const char *brokers, const char *topic, int partitions)
{
	rd_kafka_t	*rk;
	char		 err[256];
	int		 rc;

	if ((rk = rest_kafka_new(RD_KAFKA_PRODUCER, brokers)) == NULL)
		return (-1);
	if ((rc = kafka_topic_create(rk, topic, partitions, 20000, err,
	    sizeof(err))) == -1 && err[0] != '\0')
		fprintf(stderr, "create %s: %s\n", topic, err);
	rd_kafka_destroy(rk);
	return (rc);
}

/* MARIMBA_KORE_WORKERS as kore/run.sh will see it: env, ours, or 2. */
static int
rest_kore_workers(const char *const *env)
{
	const char	*v, *name = "MARIMBA_KORE_WORKERS=";
	int		 i, n;

	v = getenv("MARIMBA_KORE_WORKERS");
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if (strncmp(env[i], name, strlen(name)) == 0)
			v = env[i] + strlen(name);
	}
	if (v == NULL || (n = atoi(v)) < 1)
		return (2);
	return (n);
}

/* How many "worker N started" lines Kore's log holds so far. */
static int
rest_workers_started(const char *log)
{
	FILE	*f;
	char	 line[512];
	int	 n;

	if ((f = fopen(log, "r")) == NULL)
		return (0);
	n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "]: worker ") != NULL &&
		    strstr(line, " started (cpu#") != NULL)
			n++;
	}
	(void)fclose(f);
	return (n);
}

int
rest_kore_start(struct rest_kore *k, const char *brokers, const char *topic,
    const char *const *env)
{
	struct rest_resp	 resp;
	char			 port[16], var[512], *eq, *kv;
	int			 fd, i, workers, started;

	memset(k, 0, sizeof(*k));
	if ((k->port = net_free_port()) == -1)
		return (-1);
	snprintf(k->topic, sizeof(k->topic), "%s", topic);
	snprintf(k->brokers, sizeof(k->brokers), "%s", brokers);
	snprintf(var, sizeof(var), "%s/var/test-rest/%d", MARIMBA_SOURCE_DIR,
	    k->port);
	snprintf(k->log, sizeof(k->log), "%s/var/test-rest/kore-%d.log",
	    MARIMBA_SOURCE_DIR, k->port);
	snprintf(port, sizeof(port), "%d", k->port);

	if ((k->pid = fork()) == -1)
		return (-1);
	if (k->pid == 0) {
		(void)setsid();
		(void)mkdir(MARIMBA_SOURCE_DIR "/var", 0755);
		(void)mkdir(MARIMBA_SOURCE_DIR "/var/test-rest", 0755);
		if ((fd = open(k->log, O_WRONLY | O_CREAT | O_TRUNC,
		    0644)) != -1) {
			(void)dup2(fd, STDOUT_FILENO);
			(void)dup2(fd, STDERR_FILENO);
			close(fd);
		}
		setenv("MARIMBA_HTTP_PORT", port, 1);
		setenv("MARIMBA_KAFKA_TOPIC", topic, 1);
		setenv("MARIMBA_KAFKA_BROKERS", brokers, 1);
		setenv("MARIMBA_KORE_MODULE", MARIMBA_KORE_MODULE, 1);
		setenv("MARIMBA_KORE_VAR", var, 1);
		/* The test binary's own sanitizer settings are not Kore's. */
		unsetenv("LD_PRELOAD");
		for (i = 0; env != NULL && env[i] != NULL; i++) {
			if ((kv = strdup(env[i])) == NULL ||
			    (eq = strchr(kv, '=')) == NULL)
				_exit(126);
			*eq = '\0';
			setenv(kv, eq + 1, 1);
			free(kv);
		}
		execl(MARIMBA_SOURCE_DIR "/kore/run.sh", "run.sh",
		    (char *)NULL);
		_exit(127);
	}

	/*
	 * Up to 20 s: an ASan build takes a while to start. Until every
	 * worker has started: Kore loses a SIGTERM that reaches a worker
	 * still starting (its signal setup clears it), and the parent then
	 * waits for that worker forever.
	 */
	workers = rest_kore_workers(env);
	started = 0;
	for (i = 0; i < 400; i++) {
		if (waitpid(k->pid, NULL, WNOHANG) == k->pid) {
			fprintf(stderr, "kore exited early, see %s\n", k->log);
			k->pid = 0;
			return (-1);
		}
		if (!started)
			started = rest_workers_started(k->log) >= workers;
		if (started && rest_request(k, "GET", "/healthz", NULL, NULL, 0,
		    &resp) == 0 && resp.status == 200)
			return (0);
		rest_sleep_ms(50);
	}
	fprintf(stderr, "kore did not answer /healthz with its %d workers "
	    "started, see %s\n", workers, k->log);
	(void)rest_kore_stop(k, 1000);
	return (-1);
}

int
rest_setup(struct marimba_config *cfg, struct rest_kore *k, char *topic,
    size_t topiclen, const char *prefix, int partitions,
    const char *const *env)
{
	char	err[256];

	if (marimba_config_load(cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "config: %s\n", err);
		return (-1);
	}
	rest_unique_topic(topic, topiclen, prefix);
	if (rest_topic_create(cfg->kafka_brokers, topic, partitions) == -1 ||
	    rest_kore_start(k, cfg->kafka_brokers, topic, env) == -1)
		return (-1);
	return (0);
}

int
rest_wait_ready(struct rest_kore *k, long ms, int want)
{
	return (rest_wait_ready_field(k, ms, want, NULL, NULL));
}

int
rest_wait_ready_field(struct rest_kore *k, long ms, int want,
    const char *field, const char *value)
{
	struct rest_resp	resp;
	char			got[128];
	int64_t			deadline;
	int			row;

	memset(&resp, 0, sizeof(resp));
	/*
	 * Each Kore worker answers for itself, and they get ready one by
	 * one: want REST_READY_IN_A_ROW answers in a row, each on a new
	 * connection (the workers take turns accepting), so every worker
	 * is there. By the clock: slow answers use up the time too.
	 */
	deadline = marimba_mono_ms() + ms;
	row = 0;
	do {
		if (rest_request(k, "GET", "/readyz", NULL, NULL, 0,
		    &resp) == 0 && resp.status == want && (field == NULL ||
		    (rest_json_string(resp.body, field, got,
		    sizeof(got)) == 0 && strcmp(got, value) == 0))) {
			if (++row == REST_READY_IN_A_ROW)
				return (0);
			continue;
		}
		row = 0;
		rest_sleep_ms(100);
	} while (marimba_mono_ms() < deadline);
	fprintf(stderr, "/readyz did not answer %d%s%s%s%s in %ld ms (last: "
	    "%ld %.200s)\n", want, field ? " with " : "", field ? field : "",
	    field ? " " : "", field ? value : "", ms, resp.status, resp.body);
	return (-1);
}

void *
rest_fixture_new(size_t size, const char *prefix, int partitions,
    const char *const *env, long ready_ms)
{
	struct rest_fixture	*f;

	if (size < sizeof(*f) || (f = calloc(1, size)) == NULL)
		return (NULL);
	if (rest_setup(&f->cfg, &f->kore, f->topic, sizeof(f->topic), prefix,
	    partitions, env) == -1) {
		free(f);
		return (NULL);
	}
	if (ready_ms > 0 && rest_wait_ready(&f->kore, ready_ms, 200) == -1) {
		(void)rest_kore_stop(&f->kore, 10000);
		free(f);
		return (NULL);
	}
	return (f);
}

int
rest_fixture_free(void *arg)
{
	struct rest_fixture	*f = arg;
	int			 rc;

	if (f == NULL)
		return (0);
	rc = rest_kore_stop(&f->kore, 15000);
	free(f);
	return (rc == 0 ? 0 : -1);
}

/* The last lines of kore's log on stderr, when its stop went wrong. */
static void
rest_kore_log_tail(const struct rest_kore *k)
{
	FILE	*fp;
	char	 line[512], ring[20][512];
	size_t	 n, i;

	if ((fp = fopen(k->log, "r")) == NULL)
		return;
	n = 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		memcpy(ring[n++ % 20], line, sizeof(line));
	(void)fclose(fp);
	fprintf(stderr, "--- the end of %s ---\n", k->log);
	for (i = n > 20 ? n - 20 : 0; i < n; i++)
		fputs(ring[i % 20], stderr);
}

int
rest_kore_stop(struct rest_kore *k, int timeout_ms)
{
	int	status, waited;
	pid_t	r;

	if (k->pid <= 0)
		return (-1);
	(void)kill(k->pid, SIGTERM);
	for (waited = 0; waited < timeout_ms; waited += 20) {
		r = waitpid(k->pid, &status, WNOHANG);
		if (r == k->pid) {
			k->pid = 0;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				return (0);
			fprintf(stderr, "kore stopped with status %#x\n",
			    status);
			rest_kore_log_tail(k);
			return (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		}
		rest_sleep_ms(20);
	}
	fprintf(stderr, "kore did not stop in %d ms; killing it\n",
	    timeout_ms);
	rest_kore_log_tail(k);
	(void)kill(-k->pid, SIGKILL);
	(void)waitpid(k->pid, &status, 0);
	k->pid = 0;
	return (-1);
}

int
rest_kore_teardown(void **state)
{
	struct rest_kore	*k = *state;

	if (k == NULL)
		return (0);
	if (k->pid > 0)
		(void)rest_kore_stop(k, 15000);
	free(k);
	*state = NULL;
	return (0);
}

int
rest_request(struct rest_kore *k, const char *method, const char *path,
    const char *content_type, const void *body, size_t len,
    struct rest_resp *resp)
{
	CURL			*c;
	struct curl_slist	*hdrs;
	char			 url[512], ct[256];
	CURLcode		 rc;

	memset(resp, 0, sizeof(*resp));
	if ((c = curl_easy_init()) == NULL)
		return (-1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", k->port, path);
	/* Kore does not answer "Expect: 100-continue": don't ask. */
	hdrs = curl_slist_append(NULL, "Expect:");
	if (content_type != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
		hdrs = curl_slist_append(hdrs, ct);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, rest_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, rest_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return (rc == CURLE_OK ? 0 : -1);
}

long
rest_topic_count(const char *brokers, const char *topic)
{
	rd_kafka_t	*rk;
	long		 total;

	if ((rk = rest_kafka_new(RD_KAFKA_PRODUCER, brokers)) == NULL)
		return (-1);
	total = kafka_topic_count(rk, topic, 10000);
	rd_kafka_destroy(rk);
	return (total);
}

long
rest_topic_votes(const char *brokers, const char *topic, struct vote *out,
    size_t max)
{
	rd_kafka_t			*rk;
	rd_kafka_topic_partition_list_t	*parts;
	const struct rd_kafka_metadata	*md;
	rd_kafka_topic_t		*rkt;
	rd_kafka_message_t		*m;
	struct vote_error		 verr;
	int64_t				 lo, hi;
	long				 want, got;
	int				 i, idle;

	if ((want = rest_topic_count(brokers, topic)) < 0 ||
	    (size_t)want > max)
		return (-1);
	if ((rk = rest_kafka_new(RD_KAFKA_CONSUMER, brokers)) == NULL)
		return (-1);
	got = -1;
	parts = rd_kafka_topic_partition_list_new(8);
	rkt = rd_kafka_topic_new(rk, topic, NULL);
	if (rkt == NULL || rd_kafka_metadata(rk, 0, rkt, &md, 10000) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR)
		goto done;
	want = 0;
	for (i = 0; i < md->topics[0].partition_cnt; i++) {
		if (rd_kafka_query_watermark_offsets(rk, topic,
		    md->topics[0].partitions[i].id, &lo, &hi, 10000) != 0) {
			rd_kafka_metadata_destroy(md);
			goto done;
		}
		want += (long)(hi - lo);
		rd_kafka_topic_partition_list_add(parts, topic,
		    md->topics[0].partitions[i].id)->offset = lo;
	}
	rd_kafka_metadata_destroy(md);
	if ((size_t)want > max || rd_kafka_assign(rk, parts) != 0)
		goto done;

	got = 0;
	idle = 0;
	while (got < want && idle < 20) {
		if ((m = rd_kafka_consumer_poll(rk, 500)) == NULL) {
			idle++;
			continue;
		}
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			rd_kafka_message_destroy(m);
			continue;
		}
		if (m->err != 0 || vote_decode(m->payload, m->len, &out[got],
		    &verr) != VOTE_OK) {
			fprintf(stderr, "bad message: %s\n", m->err != 0 ?
			    rd_kafka_message_errstr(m) : verr.message);
			rd_kafka_message_destroy(m);
			got = -1;
			break;
		}
		/* The key is the vote id. */
		if (m->key_len != VOTE_ID_LEN ||
		    memcmp(m->key, out[got].id, VOTE_ID_LEN) != 0) {
			fprintf(stderr, "message key is not the vote id\n");
			rd_kafka_message_destroy(m);
			got = -1;
			break;
		}
		rd_kafka_message_destroy(m);
		got++;
	}
	if (got >= 0 && got < want)
		got = -1;
	(void)rd_kafka_assign(rk, NULL);

done:
	if (rkt != NULL)
		rd_kafka_topic_destroy(rkt);
	rd_kafka_topic_partition_list_destroy(parts);
	(void)rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return (got);
}

int
rest_json_string(const char *json, const char *key, char *out, size_t len)
{
	const char	*path[] = { key, NULL };
	yajl_val	 root, v;
	char		 err[128];
	int		 rc;

	if ((root = yajl_tree_parse(json, err, sizeof(err))) == NULL)
		return (-1);
	rc = -1;
	if ((v = yajl_tree_get(root, path, yajl_t_string)) != NULL &&
	    YAJL_GET_STRING(v) != NULL) {
		snprintf(out, len, "%s", YAJL_GET_STRING(v));
		rc = 0;
	}
	yajl_tree_free(root);
	return (rc);
}

size_t
rest_parse_ids(const char *json, char (*ids)[VOTE_ID_LEN + 1], size_t max)
{
	const char	*id_path[] = { "id", NULL };
	const char	*ids_path[] = { "ids", NULL };
	yajl_val	 root, v, e;
	size_t		 n, i;
	char		 err[128];

	if ((root = yajl_tree_parse(json, err, sizeof(err))) == NULL)
		return (0);
	n = 0;
	if ((v = yajl_tree_get(root, id_path, yajl_t_string)) != NULL) {
		if (max > 0) {
			snprintf(ids[0], VOTE_ID_LEN + 1, "%s",
			    YAJL_GET_STRING(v));
			n = 1;
		}
	} else if ((v = yajl_tree_get(root, ids_path, yajl_t_array)) != NULL) {
		for (i = 0; i < YAJL_GET_ARRAY(v)->len && n < max; i++) {
			e = YAJL_GET_ARRAY(v)->values[i];
			if (!YAJL_IS_STRING(e))
				break;
			snprintf(ids[n], VOTE_ID_LEN + 1, "%s",
			    YAJL_GET_STRING(e));
			n++;
		}
	}
	yajl_tree_free(root);
	return (n);
}

static rd_kafka_t *
rest_kafka_new(rd_kafka_type_t type, const char *brokers)
{
	rd_kafka_conf_t	*conf;
	rd_kafka_t	*rk;
	char		 err[256], group[64];

	conf = rd_kafka_conf_new();
	snprintf(group, sizeof(group), "test-rest-%d", (int)getpid());
	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "log_level", "3", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    (type == RD_KAFKA_CONSUMER &&
	    (rd_kafka_conf_set(conf, "group.id", group, err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK))) {
		fprintf(stderr, "kafka conf: %s\n", err);
		rd_kafka_conf_destroy(conf);
		return (NULL);
	}
	if ((rk = rd_kafka_new(type, conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "rd_kafka_new: %s\n", err);
		rd_kafka_conf_destroy(conf);
	}
	return (rk);
}

size_t
rest_append(char *buf, size_t cap, size_t *len, const char *data, size_t n)
{
	size_t	room;

	room = cap - 1 - *len;
	if (n < room)
		room = n;
	memcpy(buf + *len, data, room);
	*len += room;
	buf[*len] = '\0';
	return (n);
}

static size_t
rest_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct rest_resp	*resp = arg;

	return (rest_append(resp->body, sizeof(resp->body), &resp->body_len,
	    data, size * nmemb));
}

static size_t
rest_header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct rest_resp	*resp = arg;
	size_t			 len = size * nmemb;

	if (len > 13 && strncasecmp(data, "content-type:", 13) == 0)
		rest_header_copy(data + 13, len - 13, resp->content_type,
		    sizeof(resp->content_type));
	else if (len > 12 && strncasecmp(data, "retry-after:", 12) == 0)
		rest_header_copy(data + 12, len - 12, resp->retry_after,
		    sizeof(resp->retry_after));
	else if (len > 6 && strncasecmp(data, "allow:", 6) == 0)
		rest_header_copy(data + 6, len - 6, resp->allow,
		    sizeof(resp->allow));
	return (len);
}

static void
rest_header_copy(const char *v, size_t len, char *out, size_t outlen)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    v[len - 1] == ' '))
		len--;
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, v, len);
	out[len] = '\0';
}

static void
rest_sleep_ms(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
