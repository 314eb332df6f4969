#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# A burst of log reads against a store too slow for them (issue 22): a
# private FerretDB (scripts/stack's binary, its own port and data under
# var/log-burst/) holding enough logs that a plain newest-page read takes
# longer than the viewer's read timeout, a Kore (MARIMBA_LOG_WINDOW=0, so
# every read asks MongoDB) in front of it, and BURST log reads at once.
# It asserts that
#   - every read is answered 503 (timed out, or refused over the cap of
#     MARIMBA_LOG_READS_MAX) and /readyz says mongo "degraded" meanwhile;
#   - FerretDB's CPU (utime+stime of /proc/<pid>/stat) is back near idle
#     within SETTLE_S of the last answer: the reads Kore gave up on were
#     stopped in the store (maxTimeMS), none queued there (the cap);
#   - FerretDB's RSS (VmRSS) stays within RSS_GROWTH_MB of its idle RSS.
# Prints the figures (idle, during, after) for docs/web.md.
#
#   test_log_burst.py BUILD_DIR [--reads-max N] [--no-assert]
#
# --reads-max and --no-assert are for measuring other settings by hand.
# Exit status 77: skipped (no FerretDB binary: scripts/stack up first).
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
FERRETDB = os.path.join(ROOT, "var", "tools", "bin", "ferretdb")

DOCS = (10000, 40000)   # a plain newest page: seconds on FerretDB/SQLite
READ_TIMEOUT_MS = 1000  # the viewer's; maxTimeMS 750
BURST = 40
SETTLE_S = 5.0          # after the last answer, CPU near idle within
IDLE_CPU = 0.10         # "near idle": cores used over a 1 s window
RSS_GROWTH_MB = 100
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_s(pid):
    """utime + stime of pid in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def cores_used(pid, seconds):
    c0, t0 = cpu_s(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_s(pid) - c0) / (time.monotonic() - t0)


def get(port, path, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.getheader("retry-after"), r.read().decode()
    finally:
        c.close()


def mongo_state(port):
    try:
        status, _, body = get(port, "/readyz", 5)
        return json.loads(body).get("mongo")
    except (OSError, ValueError):
        return None


def wait_for(what, cond, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise SystemExit("log-burst: %s did not happen in %d s" % (what, timeout))


class Procs:
    """Every process started here, each in its own group; all stopped."""

    def __init__(self):
        self.procs = []

    def start(self, argv, log, env=None):
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                             env=env, start_new_session=True)
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def burst(port, n):
    """n log reads at once; their (status, retry-after, body)."""
    out = [None] * n
    go = threading.Barrier(n)

    def one(i):
        go.wait()
        path = "/api/logs?limit=20" if i % 2 else "/fragments/logs?limit=20"
        try:
            out[i] = get(port, path)
        except OSError as e:
            out[i] = (0, None, str(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    return threads, out


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit("usage: test_log_burst.py BUILD_DIR "
                         "[--reads-max N] [--no-assert]")
    build = os.path.abspath(args[0])
    reads_max = None
    check = "--no-assert" not in args
    if "--reads-max" in args:
        reads_max = args[args.index("--reads-max") + 1]
    if not os.access(FERRETDB, os.X_OK):
        print("log-burst: no FerretDB at var/tools/bin (scripts/stack up)")
        return 77
    loader = os.path.join(build, "bench", "web_bench_load")
    module = os.path.join(build, "kore", "marimba_kore.so")

    state = os.path.join(ROOT, "var", "log-burst", str(os.getpid()))
    os.makedirs(os.path.join(state, "data"))
    log = open(os.path.join(state, "run.log"), "w")
    procs = Procs()
    try:
        mport, kport = free_port(), free_port()
        ferret = procs.start([FERRETDB, "--handler=sqlite",
                              "--sqlite-url=file:%s/data/" % state,
                              "--listen-addr=127.0.0.1:%d" % mport,
                              "--state-dir=" + state, "--telemetry=disable",
                              "--debug-addr=-", "--log-level=error",
                              "--log-format=text"], log)
        uri = "mongodb://127.0.0.1:%d/?appname=log-burst" % mport
        wait_for("FerretDB listening", lambda: _connects(mport), 30)

        env = dict(os.environ)
        env.update({
            "MARIMBA_KORE_MODULE": module,
            "MARIMBA_HTTP_PORT": str(kport),
            "MARIMBA_KORE_VAR": os.path.join(state, "kore"),
            "MARIMBA_KORE_WORKERS": "2",
            "MARIMBA_MONGO_URI": uri,
            "MARIMBA_MONGO_DB": "burst",
            "MARIMBA_LOG_WINDOW": "0",
            "MARIMBA_LOG_READ_TIMEOUT_MS": str(READ_TIMEOUT_MS),
            "MARIMBA_KAFKA_TOPIC": "log-burst",
            "MARIMBA_REDIS_PREFIX": "log-burst",
        })
        if reads_max is not None:
            env["MARIMBA_LOG_READS_MAX"] = reads_max
        procs.start([os.path.join(ROOT, "kore", "run.sh")], log, env)
        wait_for("mongo up in /readyz", lambda: mongo_state(kport) == "up",
                 30)

        # Enough logs that one read alone times out (a fast machine
        # needs more), else the test proves nothing.
        for docs in DOCS:
            t0 = time.monotonic()
            subprocess.run([loader, uri + "&socketTimeoutMS=120000",
                            "burst", str(docs), "5000"], stdout=log,
                           stderr=log, check=True)
            print("log-burst: %d logs loaded in %.1f s" %
                  (docs, time.monotonic() - t0))
            status, _, body = get(kport, "/api/logs?limit=20")
            if status == 503 and "did not answer in time" in body:
                break
        else:
            raise SystemExit("log-burst: a plain read did not time out "
                             "(%d %s)" % (status, body))
        # Its scan ended in the store (maxTimeMS) before idle is taken.
        time.sleep(1.0)
        idle_cpu = cores_used(ferret.pid, 1.0)
        idle_rss = rss_mb(ferret.pid)

        c0 = cpu_s(ferret.pid)
        t0 = time.monotonic()
        threads, answers = burst(kport, BURST)
        states, peak_rss = set(), idle_rss
        while any(t.is_alive() for t in threads):
            states.add(mongo_state(kport))
            peak_rss = max(peak_rss, rss_mb(ferret.pid))
            time.sleep(0.1)
        for t in threads:
            t.join()
        burst_s = time.monotonic() - t0
        burst_cores = (cpu_s(ferret.pid) - c0) / burst_s
        states.add(mongo_state(kport))

        # Back near idle: the first 1 s window under IDLE_CPU cores.
        t_end = time.monotonic()
        settled = None
        windows = []
        while time.monotonic() - t_end < SETTLE_S + 3:
            used = cores_used(ferret.pid, 1.0)
            windows.append(round(used, 2))
            if used <= IDLE_CPU:
                settled = time.monotonic() - t_end
                break
        after_rss = rss_mb(ferret.pid)

        timed_out = sum(1 for s, _, b in answers
                        if s == 503 and "did not answer in time" in b)
        refused = sum(1 for s, ra, b in answers
                      if s == 503 and ra == "1" and "too many log reads" in b)
        stale = sum(1 for s, _, b in answers if s == 200)
        print("log-burst: %d reads in %.1f s: %d timed out, %d refused "
              "over the cap, %d 200 (stale page fragment); /readyz mongo: %s"
              % (BURST, burst_s, timed_out, refused, stale,
                 sorted(x for x in states if x)))
        print("log-burst: FerretDB CPU idle %.2f cores, during the burst "
              "%.2f, after it %s (1 s windows); near idle after %s s"
              % (idle_cpu, burst_cores, windows,
                 "%.1f" % settled if settled is not None else "never"))
        print("log-burst: FerretDB RSS idle %.0f MB, peak %.0f MB, "
              "after %.0f MB" % (idle_rss, peak_rss, after_rss))
        if not check:
            return 0
        bad = [a for a in answers if a[0] not in (200, 503)]
        assert not bad, "answers other than 503: %r" % bad[:3]
        assert timed_out >= 1, "no read reached the store"
        assert "degraded" in states, "/readyz never said degraded"
        assert settled is not None and settled <= SETTLE_S, \
            "FerretDB still busy after the burst: %r" % windows
        assert peak_rss - idle_rss <= RSS_GROWTH_MB, \
            "FerretDB RSS grew by %.0f MB" % (peak_rss - idle_rss)
        assert after_rss - idle_rss <= RSS_GROWTH_MB
        return 0
    finally:
        procs.stop_all()
        log.close()
        shutil.rmtree(state, ignore_errors=True)
        try:
            os.rmdir(os.path.dirname(state))    # when no other run's
        except OSError:
            pass


def _connects(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
