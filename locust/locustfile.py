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
import json
import os
import random
import sys
import time

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

    @task(10)
    def vote(self):
        v = random.choice(VOTES)
        with self.client.post("/api/votes", json=v, name="/api/votes",
            catch_response=True) as r:
            if r.status_code not in (200, 201, 202):
                r.failure(f"status {r.status_code}: {r.text[:200]}")

    @task(1)
    def vote_batch(self):
        batch = [random.choice(VOTES) for _ in range(BATCH)]
        with self.client.post("/api/votes", json=batch,
            name="/api/votes [batch]", catch_response=True) as r:
            if r.status_code not in (200, 201, 202):
                r.failure(f"status {r.status_code}: {r.text[:200]}")


class GrpcVoter(GrpcUser):
    """Votes over gRPC: Cast one vote, sometimes CastStream a batch."""
    weight = 1
    wait_time = between(0.05, 0.2)
    stub_class = vote_pb2_grpc.VoteServiceStub

    @task(10)
    def cast(self):
        try:
            self.stub.Cast(cast_request(random.choice(VOTES)), timeout=10)
        except grpc.RpcError:
            pass    # already counted as a failure by the interceptor

    @task(1)
    def cast_stream(self):
        reqs = [cast_request(random.choice(VOTES)) for _ in range(BATCH)]
        try:
            self.stub.CastStream(iter(reqs), timeout=10)
        except grpc.RpcError:
            pass    # already counted as a failure by the interceptor


@events.init_command_line_parser.add_listener
def _(parser):
    parser.add_argument("--grpc-target", type=str, default=GRPC_TARGET,
        env_var="MARIMBA_LOCUST_GRPC", help="gRPC host:port of the producer")


@events.test_start.add_listener
def _(environment, **kwargs):
    target = getattr(environment.parsed_options, "grpc_target", None)
    if target:
        GrpcVoter.grpc_target = target
