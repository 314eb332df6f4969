# SPDX-License-Identifier: ISC
"""The container images, built and run for real (ctest label "images").

scripts/images builds marimba-kore, -grpc, -consumer and -locust with
podman. Then two rounds against the running stack's Kafka, Redis and
MongoDB-compatible server, each with its own topic, consumer group, Redis
key prefix and database (dropped afterwards), every container on the host
network (never a bridge: all traffic stays on 127.0.0.1):

1. podman run: the kore, grpc and consumer images as k8s runs them
   (read-only root filesystem, a tmpfs on /tmp where the manifests mount
   an emptyDir, no capabilities, no new privileges).
2. podman kube play: the Deployments of k8s/base, rendered by kustomize,
   with one replica, the local images, host networking, and the
   manifests' own securityContext.

In each round votes go over REST into the kore container and over gRPC
(marimba-vote inside the grpc container, with its defaults) into the grpc
container, and the test asserts: each vote counted once in Redis (total
and per source), logged once in MongoDB, every container's processes run
as uid and gid 10001 without capabilities, the root filesystems are
read-only, and `podman healthcheck run` passes for the images'
HEALTHCHECKs (round 1) and for the manifests' exec probes (round 2). Round 1 also checks that Kore
listens on MARIMBA_BIND only.
"""
import argparse
import base64
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pymongo
import redis
import yaml
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEED = os.path.join(ROOT, "locust", "data.json")
UID = 10001
REST_SINGLE = 6             # votes POSTed one by one
REST_BATCH = 4              # votes POSTed in one array
GRPC_VOTES = 12             # votes marimba-vote casts


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def say(msg):
    print(f"images: {msg}", flush=True)


def conf_env(name, default):
    """The environment's value, else conf/marimba.env's, else default."""
    if os.environ.get(name):
        return os.environ[name]
    with open(os.path.join(ROOT, "conf", "marimba.env"),
              encoding="utf-8") as f:
        for line in f:
            if line.startswith(name + "="):
                return line.split("=", 1)[1].strip() or default
    return default


def version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("project(") and "VERSION" in line:
                return line.split("VERSION")[1].split()[0].rstrip(")")
    fail("no project VERSION in CMakeLists.txt")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Podman:
    """podman with the project's settings (scripts/images env)."""

    def __init__(self):
        out = subprocess.run([os.path.join(ROOT, "scripts", "images"),
                              "env"], check=True, capture_output=True,
                             text=True).stdout
        self.env = dict(os.environ)
        for line in out.splitlines():
            k, _, v = line.removeprefix("export ").partition("=")
            self.env[k] = v.strip("'")

    def run(self, *args, check=True, timeout=120, input=None):
        p = subprocess.run(["podman", *args], env=self.env, text=True,
                           capture_output=True, timeout=timeout,
                           input=input)
        if check and p.returncode != 0:
            fail(f"podman {' '.join(args)}: exit {p.returncode}: "
                 f"{p.stderr.strip()[-2000:]}")
        return p

    def inspect(self, name):
        return json.loads(self.run("container", "inspect", name).stdout)[0]

    def logs(self, name):
        p = self.run("logs", "--tail", "40", name, check=False)
        return (p.stdout + p.stderr).strip()


class Round:
    """One round's private topic, group, Redis prefix and database."""

    def __init__(self, tag, tmp):
        self.name = f"imgtest-{tag}-{os.getpid()}-{random.randrange(1 << 20)}"
        self.topic = self.name
        self.dlq = self.name + ".dlq"
        self.group = self.name
        self.prefix = self.name
        self.db = self.name.replace("-", "_")
        self.tmp = tmp
        self.http_port = free_port()
        self.grpc_port = free_port()
        self.brokers = conf_env("MARIMBA_KAFKA_BROKERS", "127.0.0.1:9092")
        self.redis_host = conf_env("MARIMBA_REDIS_HOST", "127.0.0.1")
        self.redis_port = int(conf_env("MARIMBA_REDIS_PORT", "6379"))
        self.redis_password = os.environ.get("MARIMBA_REDIS_PASSWORD", "")
        self.mongo_uri = conf_env("MARIMBA_MONGO_URI",
                                  "mongodb://127.0.0.1:27017/")
        self.admin = AdminClient({"bootstrap.servers": self.brokers})
        self.r = redis.Redis(host=self.redis_host, port=self.redis_port,
                             password=self.redis_password or None,
                             decode_responses=True)

    def env(self):
        """MARIMBA_* of every container: loopback only, private names."""
        return {
            "MARIMBA_KAFKA_BROKERS": self.brokers,
            "MARIMBA_KAFKA_TOPIC": self.topic,
            "MARIMBA_KAFKA_DLQ_TOPIC": self.dlq,
            "MARIMBA_KAFKA_PARTITIONS": "2",
            "MARIMBA_REDIS_HOST": self.redis_host,
            "MARIMBA_REDIS_PORT": str(self.redis_port),
            "MARIMBA_REDIS_PREFIX": self.prefix,
            "MARIMBA_MONGO_DB": self.db,
            "MARIMBA_CONSUMER_GROUP": self.group,
            "MARIMBA_SESSION_TIMEOUT_MS": "6000",
            "MARIMBA_BIND": "127.0.0.1",
            "MARIMBA_HTTP_PORT": str(self.http_port),
            "MARIMBA_GRPC_ADDR": f"127.0.0.1:{self.grpc_port}",
            "MARIMBA_CONSUMER_METRICS_BIND": "127.0.0.1",
            "MARIMBA_HEARTBEAT_FILE": "/tmp/marimba-consumer.alive",
        }

    def secrets(self):
        return {"MARIMBA_REDIS_PASSWORD": self.redis_password,
                "MARIMBA_MONGO_URI": self.mongo_uri}

    def create_topics(self):
        for fut in self.admin.create_topics(
                [NewTopic(self.topic, 2, 1),
                 NewTopic(self.dlq, 1, 1)]).values():
            fut.result(timeout=30)

    def cleanup(self):
        for fut in self.admin.delete_topics([self.topic,
                                             self.dlq]).values():
            try:
                fut.result(timeout=20)
            except Exception:   # cleanup only: the result stands
                pass
        try:
            keys = list(self.r.scan_iter(match=self.prefix + ":*",
                                         count=1000))
            if keys:
                self.r.delete(*keys)
        except redis.RedisError as e:
            print(f"warning: Redis keys of {self.prefix}: {e}")
        try:
            with pymongo.MongoClient(self.mongo_uri,
                                     serverSelectionTimeoutMS=5000) as c:
                c.drop_database(self.db)
        except pymongo.errors.PyMongoError as e:
            print(f"warning: could not drop the database {self.db}: {e}")


def consumer_sinks():
    """["redis", "mongo"] when the consumer is split per sink (its source
    names --sink), else [None]: one consumer for both stores."""
    for f in os.listdir(os.path.join(ROOT, "consumer")):
        if f.endswith(".c"):
            with open(os.path.join(ROOT, "consumer", f),
                      encoding="utf-8") as fh:
                if '"sink"' in fh.read():
                    return ["redis", "mongo"]
    return [None]


def http(port, method, path, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method,
        headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_until(what, fn, seconds, why=None):
    deadline = time.time() + seconds
    last = None
    while time.time() < deadline:
        try:
            last = fn()
            if last:
                return last
        except (OSError, ConnectionError) as e:
            last = e
        time.sleep(0.5)
    fail(f"{what} within {seconds} s (last: {last})"
         + (f"\n{why()}" if why else ""))


def port_open(port):
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def listeners(port):
    """Local addresses (hex, as in /proc/net/tcp) listening on port."""
    out = set()
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(f, encoding="ascii") as fh:
                next(fh)
                for line in fh:
                    cols = line.split()
                    addr, p = cols[1].rsplit(":", 1)
                    if cols[3] == "0A" and int(p, 16) == port:
                        out.add(addr)
        except OSError:
            pass
    return out


def votes(n):
    with open(SEED, encoding="utf-8") as f:
        seed = json.load(f)
    return [dict(seed[i % len(seed)]) for i in range(n)]


def send_votes(pm, rnd, grpc_container):
    """REST into kore, gRPC with marimba-vote inside the grpc container
    (its defaults: MARIMBA_GRPC_ADDR, locust/data.json)."""
    for v in votes(REST_SINGLE):
        st, body = http(rnd.http_port, "POST", "/api/votes", v)
        if st != 202:
            fail(f"POST /api/votes: {st} {body[:200]!r}")
    st, body = http(rnd.http_port, "POST", "/api/votes",
                    votes(REST_BATCH))
    if st != 202 or len(json.loads(body)["ids"]) != REST_BATCH:
        fail(f"POST /api/votes (array): {st} {body[:200]!r}")
    p = pm.run("exec", grpc_container, "marimba-vote", "--count",
               str(GRPC_VOTES), check=False, timeout=60)
    if p.returncode != 0:
        fail(f"marimba-vote in {grpc_container}: exit {p.returncode}: "
             f"{(p.stdout + p.stderr).strip()[-1500:]}")


def check_stores(pm, rnd, consumers):
    total = REST_SINGLE + REST_BATCH + GRPC_VOTES

    def why():
        return "\n".join(f"--- {c}:\n{pm.logs(c)}" for c in consumers)

    def counted():
        t = rnd.r.get(f"{rnd.prefix}:total")
        return t is not None and int(t) >= total and int(t)

    got = wait_until(f"{total} votes counted in Redis", counted, 90, why)
    if got != total:
        fail(f"Redis counted {got} votes, {total} were sent")
    src = rnd.r.hgetall(f"{rnd.prefix}:sources")
    want = {"rest": str(REST_SINGLE + REST_BATCH), "grpc": str(GRPC_VOTES)}
    if src != want:
        fail(f"Redis per source {src}, want {want}")
    with pymongo.MongoClient(rnd.mongo_uri,
                             serverSelectionTimeoutMS=5000) as c:
        coll = c[rnd.db]["logs"]

        def logged():
            n = coll.count_documents({})
            return n >= total and n

        got = wait_until(f"{total} votes logged in MongoDB", logged, 90, why)
        if got != total:
            fail(f"MongoDB logged {got} votes, {total} were sent")
        srcs = sorted(d["source"] for d in coll.find({}, {"source": 1}))
        if srcs != sorted(["rest"] * (REST_SINGLE + REST_BATCH) +
                          ["grpc"] * GRPC_VOTES):
            fail(f"MongoDB sources {srcs}")
    say(f"{total} votes counted in Redis and logged in MongoDB")


def ids_of(pid):
    """(real, effective uid), (real, effective gid) and the effective
    capabilities (hex) of a host process."""
    uid = gid = cap = None
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("Uid:"):
                uid = line.split()[1:3]
            elif line.startswith("Gid:"):
                gid = line.split()[1:3]
            elif line.startswith("CapEff:"):
                cap = line.split()[1]
    return uid, gid, cap


def descendants(pid):
    """pid and every process under it (Kore's parent and workers)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", encoding="ascii") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def check_container(pm, name, healthcheck=True):
    info = pm.inspect(name)
    if not info["State"]["Running"]:
        fail(f"{name} is not running:\n{pm.logs(name)}")
    if not info["HostConfig"].get("ReadonlyRootfs"):
        fail(f"{name}: the root filesystem is writable")
    procs = descendants(info["State"]["Pid"])
    for pid in procs:
        try:
            uid, gid, cap = ids_of(pid)
        except OSError:
            continue    # gone meanwhile
        if uid != [str(UID)] * 2 or gid != [str(UID)] * 2:
            fail(f"{name}: process {pid} runs as uid {uid} gid {gid}, "
                 f"not {UID}")
        if int(cap, 16) != 0:
            fail(f"{name}: process {pid} has capabilities {cap}")
    if healthcheck:
        p = pm.run("healthcheck", "run", name, check=False, timeout=60)
        if p.returncode != 0:
            fail(f"podman healthcheck run {name}: exit {p.returncode} "
                 f"{(p.stdout + p.stderr).strip()}\n{pm.logs(name)}")
    say(f"{name}: {len(procs)} process(es) as {UID}:{UID} without "
        "capabilities, read-only root"
        + (", healthy" if healthcheck else ""))


def wait_serving(pm, rnd, containers):
    def why():
        return "\n".join(f"--- {c}:\n{pm.logs(c)}" for c in containers)

    wait_until("kore's /healthz answering 200",
               lambda: http(rnd.http_port, "GET", "/healthz", timeout=2)[0]
               == 200, 90, why)
    wait_until("the gRPC port accepting connections",
               lambda: port_open(rnd.grpc_port), 90, why)


def round_run(pm, rnd, tag, consumers, undo):
    """podman run, as k8s runs the images."""
    common = ["run", "-d", "--network=host", "--read-only",
              "--read-only-tmpfs=false", "--cap-drop=ALL",
              "--security-opt", "no-new-privileges", "--pull=never"]
    env = dict(rnd.env(), **rnd.secrets())
    envargs = [a for k, v in env.items() for a in ("--env", f"{k}={v}")]
    names = []

    def start(suffix, image, tmpfs, args=()):
        name = f"{rnd.name}-{suffix}"
        extra = ["--tmpfs", "/tmp:rw,size=16m,mode=1777"] if tmpfs else []
        names.append(name)
        undo.append(("rm", "-f", "-t", "5", name))
        pm.run(*common, "--name", name, *extra, *envargs,
               f"localhost/marimba-{image}:{tag}", *args)
        return name

    kore = start("kore", "kore", True)
    grpc = start("grpc", "grpc", False)
    cons = []
    for sink in consumers:
        port = ["--env", f"MARIMBA_CONSUMER_METRICS_PORT={free_port()}"]
        envargs_c = envargs + port
        name = f"{rnd.name}-consumer" + (f"-{sink}" if sink else "")
        names.append(name)
        undo.append(("rm", "-f", "-t", "5", name))
        cons.append(name)
        pm.run(*common, "--name", name, "--tmpfs",
               "/tmp:rw,size=16m,mode=1777", *envargs_c,
               f"localhost/marimba-consumer:{tag}",
               *(["--sink", sink] if sink else []))
    wait_serving(pm, rnd, names)

    # MARIMBA_BIND=127.0.0.1 on the host network: loopback only.
    addrs = listeners(rnd.http_port)
    if addrs != {"0100007F"}:
        fail(f"kore listens on {addrs} (hex), not only on 127.0.0.1")

    send_votes(pm, rnd, grpc)
    check_stores(pm, rnd, cons)
    # The consumer's heartbeat is touched every few seconds.
    for n in [kore, grpc] + cons:
        check_container(pm, n)
    return names


def render_base():
    tools = subprocess.run([os.path.join(ROOT, "scripts", "deploy-tools")],
                           check=True, capture_output=True,
                           text=True).stdout.strip()
    out = subprocess.run([os.path.join(tools, "kustomize"), "build",
                          os.path.join(ROOT, "k8s", "base")], check=True,
                         capture_output=True, text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def kube_yaml(rnd, docs, tag):
    """The Deployments of kore, grpc and the consumers and their
    ConfigMap, made playable on one host: one replica, local images never
    pulled, host networking without ports, probes podman cannot run
    (httpGet, tcpSocket, grpc) removed, loopback addresses and the
    round's private names. Returns the documents and the names of the
    volumes kube play makes."""
    wanted = {"kore", "grpc"} | {
        d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"
        and d["metadata"]["name"].startswith("consumer")}
    out, cm_name, seen, volumes = [], None, set(), []
    for d in docs:
        if d["kind"] == "ConfigMap" and \
                d["metadata"]["name"].startswith("marimba-config"):
            cm_name = d["metadata"]["name"]
            d["data"].update(rnd.env())
            d["metadata"].pop("namespace", None)
            out.append(d)
    for d in docs:
        if d["kind"] != "Deployment" or d["metadata"]["name"] not in wanted:
            continue
        seen.add(d["metadata"]["name"])
        d["metadata"]["name"] = f"{rnd.name}-{d['metadata']['name']}"
        d["metadata"].pop("namespace", None)
        d["spec"]["replicas"] = 1
        spec = d["spec"]["template"]["spec"]
        # podman makes a named volume of an emptyDir, shared by every pod
        # with a volume of that name: private names keep them apart.
        renames = {}
        for v in spec.get("volumes", []):
            renames[v["name"]] = f"{d['metadata']['name']}-{v['name']}"
            v["name"] = renames[v["name"]]
            volumes.append(v["name"])
        spec["hostNetwork"] = True
        spec.pop("topologySpreadConstraints", None)
        for c in spec["containers"]:
            if c["image"].split(":")[-1] != tag:
                fail(f"{d['metadata']['name']}: image {c['image']} is not "
                     f"tagged {tag}")
            c["image"] = f"localhost/{c['image']}"
            c["imagePullPolicy"] = "Never"
            c.pop("ports", None)
            for m in c.get("volumeMounts", []):
                m["name"] = renames.get(m["name"], m["name"])
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                if probe in c and "exec" not in c[probe]:
                    del c[probe]
                elif probe in c:
                    # podman 4.3 joins the words with spaces and runs
                    # them with sh -c: ["sh", "-c", S] must become [S].
                    cmd = c[probe]["exec"]["command"]
                    if cmd[:2] == ["sh", "-c"] and len(cmd) == 3:
                        c[probe]["exec"]["command"] = [cmd[2]]
            env = [e for e in c.get("env", [])
                   if e["name"] != "MARIMBA_CONSUMER_METRICS_BIND"]
            env.append({"name": "MARIMBA_CONSUMER_METRICS_BIND",
                        "value": "127.0.0.1"})
            env.append({"name": "MARIMBA_CONSUMER_METRICS_PORT",
                        "value": str(free_port())})
            c["env"] = env
            for ref in c.get("envFrom", []):
                if "configMapRef" in ref:
                    ref["configMapRef"]["name"] = cm_name
        out.append(d)
    if seen != wanted or not any(n.startswith("consumer") for n in seen):
        fail(f"k8s/base renders Deployments {sorted(seen)}, "
             "want kore, grpc and the consumers")
    return out, volumes


def private_secrets(docs, name):
    """Points every secretKeyRef at the podman secret name (kube play
    reads secretKeyRef from podman's secret store, and fails on a Secret
    in the YAML): one per round, so concurrent runs do not share it."""
    for d in docs:
        if d["kind"] != "Deployment":
            continue
        for c in d["spec"]["template"]["spec"]["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    ref["name"] = name


def round_kube(pm, rnd, tag, undo):
    """podman kube play of the rendered Deployments."""
    docs, volumes = kube_yaml(rnd, render_base(), tag)
    secret_name = rnd.name + "-secrets"
    private_secrets(docs, secret_name)
    # podman 4.3 wants the Secret's data alone: JSON, values in base64.
    data = {k: base64.b64encode(v.encode()).decode()
            for k, v in rnd.secrets().items()}
    pm.run("secret", "create", secret_name, "-", input=json.dumps(data))
    undo.append(("secret", "rm", secret_name))
    path = os.path.join(rnd.tmp, rnd.name + ".yaml")
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump_all(docs, f, sort_keys=False)
    undo.append(("kube", "down", path))
    pm.run("kube", "play", "--network=host", path, timeout=180)
    pods = [d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"]
    for v in volumes:
        undo.append(("volume", "rm", "-f", v))
    containers = {}
    for c in pm.run("ps", "-a", "--format",
                    "{{.Names}}").stdout.split():
        for p in pods:
            # Deployment d's pod is d-pod-0, its container d-pod-0-NAME.
            if c.startswith(f"{p}-pod-0-"):
                containers[p] = c
    if len(containers) != len(pods):
        fail(f"kube play started {containers}, want one for each of {pods}")
    wait_serving(pm, rnd, list(containers.values()))
    send_votes(pm, rnd, containers[f"{rnd.name}-grpc"])
    cons = [c for p, c in containers.items() if "-consumer" in p]
    check_stores(pm, rnd, cons)
    for p, c in containers.items():
        # The consumers' exec probes became podman health checks.
        check_container(pm, c, healthcheck="-consumer" in p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    t0 = time.time()
    p = subprocess.run([os.path.join(ROOT, "scripts", "images"), "build"])
    if p.returncode != 0:
        fail("scripts/images build failed")
    say(f"scripts/images build took {time.time() - t0:.0f} s")
    pm = Podman()
    tag = version()
    consumers = consumer_sinks()

    r1 = Round("run", args.workdir)
    r2 = Round("kube", args.workdir)
    undo = []
    try:
        t1 = time.time()
        r1.create_topics()
        names = round_run(pm, r1, tag, consumers, undo)
        for n in names:
            pm.run("rm", "-f", "-t", "5", n, check=False)
        say(f"podman run round took {time.time() - t1:.0f} s")
        t1 = time.time()
        r2.create_topics()
        round_kube(pm, r2, tag, undo)
        say(f"kube play round took {time.time() - t1:.0f} s")
    finally:
        for cmd in reversed(undo):
            pm.run(*cmd, check=False, timeout=120)
        r1.cleanup()
        r2.cleanup()
    say(f"passed in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
