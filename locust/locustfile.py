# SPDX-License-Identifier: ISC
# Load scenarios for marimba: a REST user that POSTs votes to the Kore app
# (/api/votes) and a gRPC user that calls marimba.v1.VoteService, both
# drawing band/album/year/rank from data.json. The gRPC stubs are generated
# from proto/vote.proto with grpcio-tools when Locust starts, following
# Locust's documented gRPC user pattern (an interceptor fires a request
# event per call so gRPC shows up in the same statistics as HTTP).
#
# Settings (environment):
#   --host / LOCUST_HOST         REST base URL, e.g. http://127.0.0.1:8080
#   MARIMBA_LOCUST_GRPC          gRPC target host:port (127.0.0.1:50051)
#   MARIMBA_LOCUST_GRPC_TLS      1 to use TLS (behind the GKE gateway)
#   MARIMBA_LOCUST_DATA          votes to draw from (data.json beside this file)
#   MARIMBA_LOCUST_PROTO         vote.proto (../proto/vote.proto from here)
#   MARIMBA_LOCUST_GEN           where stubs are generated (../var/locust/gen)
#   MARIMBA_LOCUST_BATCH         votes per batch request (10)
#   MARIMBA_LOCUST_RETRIES       retries of a refused request (3)
#   MARIMBA_LOCUST_TIMEOUT       seconds a request may take (25: above the
#                                server's MARIMBA_ACK_TIMEOUT_MS)
#
# Every request carries a new idempotency key (a UUIDv7): the
# Idempotency-Key header on REST, idempotency-key metadata on gRPC. A
# request refused with 503 / UNAVAILABLE (or timed out, or cut off) is
# sent again with the same key, so its votes are counted once whether or
# not the first attempt stored them; retries show up as "... [retry]".
import json
import os
import random
import sys
import time
import uuid

import grpc
import grpc.experimental.gevent as grpc_gevent
from locust import HttpUser, User, between, events, task
from locust.exception import LocustError

# gRPC's own threads must cooperate with gevent, which Locust runs on.
grpc_gevent.init_gevent()

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("MARIMBA_LOCUST_DATA", os.path.join(HERE, "data.json"))
PROTO = os.environ.get("MARIMBA_LOCUST_PROTO",
    os.path.join(HERE, "..", "proto", "vote.proto"))
GEN = os.environ.get("MARIMBA_LOCUST_GEN",
    os.path.join(HERE, "..", "var", "locust", "gen"))
GRPC_TARGET = os.environ.get("MARIMBA_LOCUST_GRPC", "127.0.0.1:50051")
GRPC_TLS = os.environ.get("MARIMBA_LOCUST_GRPC_TLS", "0") == "1"
BATCH = int(os.environ.get("MARIMBA_LOCUST_BATCH", "10"))
RETRIES = int(os.environ.get("MARIMBA_LOCUST_RETRIES", "3"))
TIMEOUT = float(os.environ.get("MARIMBA_LOCUST_TIMEOUT", "25"))
# Answers after which the votes may or may not be stored (0: no answer).
RETRY_HTTP = {0, 429, 502, 503, 504}
RETRY_GRPC = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.DEADLINE_EXCEEDED}


def new_key():
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, version 7, the
    RFC's variant, random bits; marimba takes the votes' time from it."""
    value = (time.time_ns() // 1_000_000) << 80
    value |= int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return str(uuid.UUID(int=value))


def backoff(attempt, retry_after=None):
    """Seconds to wait before retry number attempt + 1."""
    wait = min(0.25 * 2 ** attempt, 2.0)
    if retry_after:
        try:
            wait = max(wait, min(float(retry_after), 5.0))
        except ValueError:
            pass
    return wait


def load_votes(path):
    """The seed votes; each needs name, album, year and rank."""
    with open(path, encoding="utf-8") as f:
        votes = json.load(f)
    if not isinstance(votes, list) or not votes:
        raise LocustError(f"{path}: expected a non-empty JSON array")
    for v in votes:
        missing = {"name", "album", "year", "rank"} - set(v)
        if missing:
            raise LocustError(f"{path}: vote {v} lacks {sorted(missing)}")
    return votes


def generate_stubs(proto, out):
    """Compiles proto into out with grpcio-tools and imports the modules."""
    from grpc_tools import protoc

    proto = os.path.abspath(proto)
    os.makedirs(out, exist_ok=True)
    rc = protoc.main(["grpc_tools.protoc", f"-I{os.path.dirname(proto)}",
        f"--python_out={out}", f"--grpc_python_out={out}", proto])
    if rc != 0:
        raise LocustError(f"protoc failed on {proto} ({rc})")
    if out not in sys.path:
        sys.path.insert(0, out)
    import vote_pb2
    import vote_pb2_grpc
    return vote_pb2, vote_pb2_grpc


VOTES = load_votes(DATA)
vote_pb2, vote_pb2_grpc = generate_stubs(PROTO, GEN)


def cast_request(v):
    return vote_pb2.CastRequest(name=v["name"], album=v["album"],
        year=int(v["year"]), rank=int(v["rank"]))


class LocustInterceptor(grpc.UnaryUnaryClientInterceptor,
    grpc.StreamUnaryClientInterceptor):
    """Fires a Locust request event for every unary and client-streaming
    call, with its time, size and error."""

    def __init__(self, environment):
        self.env = environment

    def _fire(self, method, start, response, exception):
        length = 0
        if exception is None:
            try:
                length = response.result().ByteSize()
            except grpc.RpcError as e:
                exception = e
        self.env.events.request.fire(request_type="grpc", name=method,
            response_time=(time.perf_counter() - start) * 1000,
            response_length=length, response=response, context=None,
            exception=exception)

    def intercept_unary_unary(self, continuation, details, request):
        start = time.perf_counter()
        response, exception = None, None
        try:
            response = continuation(details, request)
        except grpc.RpcError as e:
            exception = e
        self._fire(details.method, start, response, exception)
        return response

    def intercept_stream_unary(self, continuation, details, requests):
        start = time.perf_counter()
        response, exception = None, None
        try:
            response = continuation(details, requests)
        except grpc.RpcError as e:
            exception = e
        self._fire(details.method, start, response, exception)
        return response


class GrpcUser(User):
    """A User with a gRPC stub on an intercepted channel (Locust's
    documented pattern). The target is grpc_target, not --host, which
    belongs to the REST user."""
    abstract = True
    stub_class = None
    grpc_target = GRPC_TARGET

    def __init__(self, environment):
        super().__init__(environment)
        if self.stub_class is None:
            raise LocustError("stub_class is not set")
        if GRPC_TLS:
            channel = grpc.secure_channel(self.grpc_target,
                grpc.ssl_channel_credentials())
        else:
            channel = grpc.insecure_channel(self.grpc_target)
        self._channel = grpc.intercept_channel(channel,
            LocustInterceptor(environment))
        self.stub = self.stub_class(self._channel)

    def on_stop(self):
        self._channel.close()


class RestVoter(HttpUser):
    """Votes over HTTP: mostly one vote per request, sometimes a batch."""
    weight = 3
    wait_time = between(0.05, 0.2)

    def post_votes(self, body, name):
        """POSTs body with a new key; again with it after a refusal."""
        key = new_key()
        for attempt in range(RETRIES + 1):
            with self.client.post("/api/votes", json=body,
                headers={"Idempotency-Key": key},
                name=name if attempt == 0 else name + " [retry]",
                timeout=TIMEOUT, catch_response=True) as r:
                if r.status_code in (200, 201, 202):
                    return
                r.failure(f"status {r.status_code}: {r.text[:200]}")
                if r.status_code not in RETRY_HTTP:
                    return
                wait = backoff(attempt, r.headers.get("Retry-After"))
            if attempt < RETRIES:
                time.sleep(wait)

    @task(10)
    def vote(self):
        self.post_votes(random.choice(VOTES), "/api/votes")

    @task(1)
    def vote_batch(self):
        batch = [random.choice(VOTES) for _ in range(BATCH)]
        self.post_votes(batch, "/api/votes [batch]")


class GrpcVoter(GrpcUser):
    """Votes over gRPC: Cast one vote, sometimes CastStream a batch."""
    weight = 1
    wait_time = between(0.05, 0.2)
    stub_class = vote_pb2_grpc.VoteServiceStub

    def call(self, method, make_request):
        """Calls method with a new key; again with it after a refusal.
        Each attempt is counted by the interceptor."""
        md = (("idempotency-key", new_key()),)
        for attempt in range(RETRIES + 1):
            try:
                method(make_request(), timeout=TIMEOUT, metadata=md)
                return
            except grpc.RpcError as e:
                if e.code() not in RETRY_GRPC or attempt == RETRIES:
                    return
            time.sleep(backoff(attempt))

    @task(10)
    def cast(self):
        v = random.choice(VOTES)
        self.call(self.stub.Cast, lambda: cast_request(v))

    @task(1)
    def cast_stream(self):
        reqs = [cast_request(random.choice(VOTES)) for _ in range(BATCH)]
        self.call(self.stub.CastStream, lambda: iter(reqs))


@events.init_command_line_parser.add_listener
def _(parser):
    parser.add_argument("--grpc-target", type=str, default=GRPC_TARGET,
        env_var="MARIMBA_LOCUST_GRPC", help="gRPC host:port of the producer")


@events.test_start.add_listener
def _(environment, **kwargs):
    target = getattr(environment.parsed_options, "grpc_target", None)
    if target:
        GrpcVoter.grpc_target = target
