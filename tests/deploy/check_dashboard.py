# SPDX-License-Identifier: ISC
"""Proves every panel of the Grafana dashboard (k8s/grafana/dashboards)
draws the votes this test produced, exactly.

The votes land in a real Redis: a private redis-server started with
--requirepass on a free port (so the consumer's MARIMBA_REDIS_PASSWORD
AUTH is exercised too), or the shared one when redis-server is missing.
With --consumer (the marimba-consumer binary of the build tree) they
travel the real way: protobuf Votes produced to a private Kafka topic, the
consumer counts them into a private key prefix (MARIMBA_REDIS_PREFIX) and
its series stream. Without it the keys are seeded with the commands of
consumer/count_vote.lua. The dashboard's $prefix variable is replaced by
the private prefix.

For each Redis panel, grafana_frames.py runs the panel's command and
builds the data frames the redis-datasource plugin builds (HGETALL: one
wide row since 1.3.0), applies the panel's transformations in order as
Grafana does, and checks the result has what the visualization needs: a
numeric value (stat), one numeric field per slice (pie), a string x field
and numeric bars (bar chart), a time field and numeric series (time
series), with the exact counts. The consumer lag panel (Prometheus data
source) is checked for its queries only.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time

import redis

import grafana_frames as gf

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DASHBOARD = os.path.join(ROOT, "k8s", "grafana", "dashboards", "marimba.json")
SEED = os.path.join(ROOT, "locust", "data.json")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ALBUM_SEP = " \u2014 "        # "<band> — <album>", docs/redis-keys.md


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def conf_env(name, default):
    """The environment's value, else conf/marimba.env's, else default."""
    if os.environ.get(name):
        return os.environ[name]
    try:
        with open(os.path.join(ROOT, "conf", "marimba.env"),
                  encoding="utf-8") as f:
            for line in f:
                if line.startswith(name + "="):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return default


def ulid():
    """A ULID: 48-bit Unix ms then 80 random bits, Crockford base32."""
    n = (int(time.time() * 1000) << 80) | random.getrandbits(80)
    return "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in range(25, -1, -1))


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_string(num, s):
    b = s.encode("utf-8")
    return varint(num << 3 | 2) + varint(len(b)) + b


def pb_varint(num, v):
    return varint(num << 3) + varint(v)


def encode_vote(v):
    """marimba.v1.Vote (proto/vote.proto) in the protobuf wire format."""
    return (pb_string(1, v["id"]) + pb_string(2, v["name"]) +
            pb_string(3, v["album"]) + pb_varint(4, int(v["year"])) +
            pb_varint(5, int(v["rank"])) + pb_string(6, v["source"]) +
            pb_varint(7, v["received_at_ms"]))


def make_votes():
    """Seed vote k repeated 2(k+1) times, every third one over gRPC: the
    counts per band, album and source all differ."""
    with open(SEED, encoding="utf-8") as f:
        seed = json.load(f)
    votes = []
    for k, s in enumerate(seed):
        for _ in range(2 * (k + 1)):
            src = "grpc" if len(votes) % 3 == 0 else "rest"
            votes.append(dict(s, id=ulid(), source=src,
                              received_at_ms=int(time.time() * 1000)))
    return votes


def expected(votes):
    exp = {"total": len(votes), "bands": {}, "albums": {}, "sources": {}}
    for v in votes:
        album = v["name"] + ALBUM_SEP + v["album"]
        for key, field in (("bands", v["name"]), ("albums", album),
                           ("sources", v["source"])):
            exp[key][field] = exp[key].get(field, 0) + 1
    return exp


def seed_keys(r, prefix, votes):
    """The writes of consumer/count_vote.lua and series_flush.lua."""
    now = int(time.time())
    sec = {}
    for v in votes:
        r.incr(f"{prefix}:total")
        r.hincrby(f"{prefix}:bands", v["name"], 1)
        r.hincrby(f"{prefix}:albums", v["name"] + ALBUM_SEP + v["album"], 1)
        r.hincrby(f"{prefix}:sources", v["source"], 1)
        b = sec.setdefault(now - 2, {"total": 0, "rest": 0, "grpc": 0})
        b["total"] += 1
        b[v["source"]] += 1
    for s, b in sorted(sec.items()):
        r.xadd(f"{prefix}:series", b, id=f"{s * 1000}-0")


def consumer_args(binary):
    """["--sink", "redis"] for a consumer split per sink (it names the
    option in its usage text), [] for one that runs both stores."""
    try:
        with open(binary, "rb") as f:
            return ["--sink", "redis"] if b"--sink" in f.read() else []
    except OSError:
        return []


def through_consumer(r, args, name, prefix, votes, redis_env):
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    brokers = conf_env("MARIMBA_KAFKA_BROKERS", "127.0.0.1:9092")
    topic, dlq = name, name + ".dlq"
    # A database of its own, dropped afterwards (the consumer logs there).
    mongo_db = name.replace("-", "_")
    admin = AdminClient({"bootstrap.servers": brokers})
    for fut in admin.create_topics([NewTopic(topic, 2, 1),
                                    NewTopic(dlq, 1, 1)]).values():
        fut.result(timeout=20)
    proc = None
    try:
        p = Producer({"bootstrap.servers": brokers, "acks": "all",
                      "enable.idempotence": True})
        errors = []
        for v in votes:
            p.produce(topic, encode_vote(v), key=v["id"],
                      on_delivery=lambda e, m: e and errors.append(e))
        if p.flush(20) != 0 or errors:
            fail(f"producing to {topic}: {errors or 'not all delivered'}")

        env = dict(os.environ, MARIMBA_KAFKA_BROKERS=brokers,
                   MARIMBA_KAFKA_TOPIC=topic, MARIMBA_KAFKA_DLQ_TOPIC=dlq,
                   MARIMBA_CONSUMER_GROUP=name, MARIMBA_REDIS_PREFIX=prefix,
                   MARIMBA_MONGO_DB=mongo_db,
                   MARIMBA_SESSION_TIMEOUT_MS="6000",
                   MARIMBA_HEARTBEAT_FILE=os.path.join(
                       args.workdir, name + ".alive"), **redis_env)
        log = open(os.path.join(args.workdir, name + ".log"), "wb")
        proc = subprocess.Popen([args.consumer] +
                                consumer_args(args.consumer), env=env,
                                stdout=log,
                                stderr=subprocess.STDOUT)
        deadline = time.time() + 40
        total = None
        while time.time() < deadline:
            if proc.poll() is not None:
                fail(f"consumer exited with {proc.returncode}, see {log.name}")
            total = r.get(f"{prefix}:total")
            if total is not None and int(total) >= len(votes):
                break
            time.sleep(0.2)
        if total is None or int(total) != len(votes):
            fail(f"consumer counted {total} of {len(votes)} votes")
        # The series gets a second once it is sealed (series_flush.lua).
        deadline = time.time() + 20
        while time.time() < deadline:
            got = sum(int(f.get("total", 0)) for _, f in
                      r.xrange(f"{prefix}:series"))
            if got >= len(votes):
                break
            time.sleep(0.5)
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for fut in admin.delete_topics([topic, dlq]).values():
            try:
                fut.result(timeout=20)
            except Exception:   # cleanup only: the test result stands
                pass
        drop_database(mongo_db)


def drop_database(db):
    import pymongo

    uri = conf_env("MARIMBA_MONGO_URI", "mongodb://127.0.0.1:27017/")
    try:
        with pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000) as c:
            c.drop_database(db)
    except pymongo.errors.PyMongoError as e:
        print(f"warning: could not drop the database {db}: {e}")


def check_layout(dash):
    """What Grafana needs besides the queries: a uid, unique panel ids,
    panels inside the 24-column grid, and every query on a data source
    that k8s/grafana/provisioning/datasources.yaml provisions."""
    import yaml

    path = os.path.join(ROOT, "k8s", "grafana", "provisioning",
                        "datasources.yaml")
    with open(path, encoding="utf-8") as f:
        sources = {(d["type"], d["uid"]) for d in
                   yaml.safe_load(f)["datasources"]}
    if not dash.get("uid") or not dash.get("title"):
        fail("the dashboard needs a uid and a title")
    ids = [p.get("id") for p in dash.get("panels", [])]
    if len(ids) != len(set(ids)) or None in ids:
        fail(f"panel ids must be unique: {ids}")
    for p in dash.get("panels", []):
        g = p.get("gridPos", {})
        if g.get("x", 0) + g.get("w", 0) > 24 or g.get("w", 0) < 1:
            fail(f"panel {p.get('title')!r} is outside the grid: {g}")
        for t in p.get("targets", []) + [p]:
            ds = t.get("datasource")
            if ds and (ds.get("type"), ds.get("uid")) not in sources:
                fail(f"panel {p.get('title')!r}: data source {ds} is not "
                     f"provisioned ({sorted(sources)})")


def parse_range(dash):
    """The dashboard's default time range in Unix ms (now-Nm/h .. now)."""
    now = int(time.time() * 1000)
    frm = dash.get("time", {}).get("from", "now-1h")
    units = {"s": 1000, "m": 60000, "h": 3600000, "d": 86400000}
    if not frm.startswith("now-") or frm[-1] not in units:
        fail(f"unsupported dashboard time.from {frm!r}")
    return now - int(frm[4:-1]) * units[frm[-1]], now


def panel_key(panel, prefix):
    """The one Redis key suffix a Redis panel reads, and the real key."""
    targets = panel.get("targets") or []
    if len(targets) != 1:
        fail(f"panel {panel.get('title')!r}: {len(targets)} queries, this "
             "test checks Redis panels of one query")
    t = targets[0]
    if t.get("datasource", {}).get("type") != "redis-datasource":
        fail(f"panel {panel.get('title')!r}: target {t} is not a "
             "redis-datasource query")
    key = t.get("keyName", "")
    if not key.startswith("$prefix:"):
        fail(f"key {key!r} does not use the $prefix variable")
    return t, key.split(":", 1)[1], key.replace("$prefix", prefix)


def expect_for(suffix, exp):
    if suffix == "total":
        return exp["total"]
    if suffix in ("bands", "albums", "sources"):
        return exp[suffix]
    if suffix == "series":
        return {"total": exp["total"], "rest": exp["sources"].get("rest", 0),
                "grpc": exp["sources"].get("grpc", 0)}
    fail(f"the dashboard reads {suffix!r}, unknown to this test")


def check_redis_panel(r, panel, prefix, rng, exp):
    """Frames -> transformations -> what the visualization draws, against
    the expected counts. Returns the key suffix."""
    title = panel.get("title")
    t, suffix, key = panel_key(panel, prefix)
    want = expect_for(suffix, exp)
    kind = panel.get("type")
    try:
        frames = gf.transform(gf.plugin_frames(r, t, key, rng),
                              panel.get("transformations"))
        if kind == "stat":
            got = gf.reduced_values(panel, frames)
            if len(got) != 1 or list(got.values())[0] != want:
                raise gf.FrameError(f"shows {got}, want one value {want}")
        elif kind == "piechart":
            got = gf.reduced_values(panel, frames)
            if not isinstance(want, dict) or got != {
                    k: float(v) for k, v in want.items()}:
                raise gf.FrameError(f"slices {got}, want {want}")
        elif kind == "barchart":
            rows = gf.bars(panel, frames)
            names = {n for _, vals in rows for n in vals}
            if len(names) != 1:
                raise gf.FrameError(f"bars from fields {sorted(names)}, "
                                    "want one numeric field")
            got = {x: list(vals.values())[0] for x, vals in rows}
            if not isinstance(want, dict) or got != {
                    k: float(v) for k, v in want.items()}:
                raise gf.FrameError(f"bars {got}, want {want}")
            values = [list(vals.values())[0] for _, vals in rows]
            if values != sorted(values, reverse=True):
                raise gf.FrameError(f"bars not sorted by votes: {values}")
        elif kind == "timeseries":
            got = gf.series(panel, frames)
            sums = {n: sum(v) for n, v in got.items()}
            if not isinstance(want, dict) or sums != {
                    k: float(v) for k, v in want.items()}:
                raise gf.FrameError(f"series sums {sums}, want {want}")
        else:
            raise gf.FrameError(f"visualization {kind!r} is not reproduced")
    except gf.FrameError as e:
        fail(f"panel {title!r} ({kind}, {t.get('command')} "
             f"{t.get('keyName')}): {e}")
    print(f"ok  {title}: {kind} draws {t['command']} {t['keyName']}")
    return suffix


def check_lag_panel(panel):
    """The consumer lag panel: Prometheus queries of both lag metrics,
    one series per sink."""
    exprs = [t.get("expr", "") for t in panel.get("targets") or []]
    for metric in ("marimba_consumer_lag_messages",
                   "marimba_consumer_lag_seconds"):
        if not any(metric in e and "by (sink)" in e for e in exprs):
            fail(f"panel {panel.get('title')!r}: no query of {metric} "
                 f"by (sink): {exprs}")
    for t in panel.get("targets") or []:
        if "{{sink}}" not in t.get("legendFormat", ""):
            fail(f"panel {panel.get('title')!r}: query {t.get('refId')} "
                 "does not name the sink in its legend")
    print(f"ok  {panel['title']}: both lags by sink (Prometheus)")
    return "lag"


class PrivateRedis:
    """redis-server with --requirepass on a free loopback port."""

    def __init__(self, workdir):
        self.password = "dash-" + "".join(
            random.choice(CROCKFORD) for _ in range(16))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind",
             "127.0.0.1", "--requirepass", self.password, "--save", "",
             "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = redis.Redis(host="127.0.0.1", port=self.port,
                                  password=self.password,
                                  decode_responses=True, socket_timeout=5)
        deadline = time.time() + 10
        while True:
            try:
                self.client.ping()
                break
            except redis.RedisError:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.stop()
                    fail("the private redis-server did not start")
                time.sleep(0.1)
        # Without the password the server must refuse: AUTH is real.
        try:
            redis.Redis(host="127.0.0.1", port=self.port,
                        socket_timeout=5).get("x")
            fail("the private redis-server answers without AUTH")
        except redis.AuthenticationError:
            pass
        except redis.ResponseError as e:
            if "NOAUTH" not in str(e):
                raise

    def env(self):
        return {"MARIMBA_REDIS_HOST": "127.0.0.1",
                "MARIMBA_REDIS_PORT": str(self.port),
                "MARIMBA_REDIS_PASSWORD": self.password}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--consumer", help="marimba-consumer binary")
    ap.add_argument("--dashboard", default=DASHBOARD)
    ap.add_argument("--workdir", default=os.path.join(ROOT, "var", "deploy"))
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)

    with open(args.dashboard, encoding="utf-8") as f:
        dash = json.load(f)
    check_layout(dash)

    private = None
    if shutil.which("redis-server"):
        private = PrivateRedis(args.workdir)
        r, redis_env = private.client, private.env()
        print(f"private redis-server on 127.0.0.1:{private.port} with "
              "requirepass")
    else:
        host = conf_env("MARIMBA_REDIS_HOST", "127.0.0.1")
        port = int(conf_env("MARIMBA_REDIS_PORT", "6379"))
        r = redis.Redis(host=host, port=port, decode_responses=True,
                        socket_timeout=5)
        redis_env = {}
        try:
            r.ping()
        except redis.RedisError as e:
            fail(f"Redis at {host}:{port}: {e} (start it: scripts/stack up)")

    name = f"test-deploy-dash-{os.getpid()}-{int(time.time())}"
    prefix = name
    votes = make_votes()
    exp = expected(votes)
    try:
        if args.consumer and os.access(args.consumer, os.X_OK):
            print(f"votes through {args.consumer}, prefix {prefix}")
            through_consumer(r, args, name, prefix, votes, redis_env)
        else:
            print(f"no consumer binary: seeding keys under {prefix}")
            seed_keys(r, prefix, votes)

        rng = parse_range(dash)
        seen = set()
        for panel in dash.get("panels", []):
            if panel.get("type") == "row":
                continue
            ds = (panel.get("datasource") or {}).get("type")
            if ds == "prometheus":
                seen.add(check_lag_panel(panel))
            else:
                seen.add(check_redis_panel(r, panel, prefix, rng, exp))
        missing = {"total", "bands", "albums", "sources", "series",
                   "lag"} - seen
        if missing:
            fail(f"no panel shows {sorted(missing)}")
    finally:
        try:
            keys = list(r.scan_iter(match=prefix + ":*", count=1000))
            if keys:
                r.delete(*keys)
        finally:
            if private:
                private.stop()
    print(f"dashboard: {len(seen)} panels draw the {len(votes)} votes")


if __name__ == "__main__":
    main()
