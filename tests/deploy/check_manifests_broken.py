# SPDX-License-Identifier: ISC
"""Proves tests/deploy/check_manifests.py fails on broken manifests: for
each mutation below it copies k8s/, locust/ and proto/ to a temporary
directory, breaks one thing, runs the checker on the copy and expects exit
status 1 with the given message. Also checks the unbroken copy passes.
"""
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "check_manifests.py")

# (file, text, replacement, message expected in the checker's output
#  [, the top-level kustomization to check when it is not the file's own])
MUTATIONS = [
    ("k8s/overlays/gke/gateway.yaml",
     "        - name: kore\n          port: 8080",
     "        - name: kore\n          port: 8081",
     "backendRef kore:8081 is no port of the Service"),
    ("k8s/overlays/gke/gateway.yaml", "sectionName: https",
     "sectionName: http", "is no listener of Gateway/marimba"),
    ("k8s/overlays/gke-grpcroute/grpcroute.yaml",
     "service: marimba.v1.VoteService",
     "service: marimba.v1.VoteServce", "is not in proto/vote.proto"),
    ("k8s/overlays/gke/gateway.yaml",
     "        port: 50051\n        grpcServiceName",
     "        port: 50052\n        grpcServiceName",
     "health check port 50052 is not served"),
    ("k8s/overlays/gke/gateway.yaml", "    - kind: Gateway\n      name: marimba",
     "    - kind: Gateway\n      name: marimba-old", "is no Gateway here"),
    ("k8s/overlays/gke/monitoring.yaml", "    - port: http\n",
     "    - port: metrics-x\n", "endpoint port 'metrics-x' is not a port"),
    ("k8s/base/grpc.yaml", "      appProtocol: kubernetes.io/h2c\n", "",
     "routes marimba.v1.VoteService to a backend without appProtocol "
     "kubernetes.io/h2c", "k8s/overlays/gke"),
    ("k8s/base/kore.yaml", "path: /healthz\n              port: http",
     "path: /healthz\n              port: 9090",
     "startupProbe.httpGet port 9090 is not a port of the container"),
    ("k8s/base/kore.yaml", "          livenessProbe:",
     "          livenesProbe:", "'livenesProbe' was unexpected"),
    ("k8s/base/grpc.yaml", "            grpc:\n              port: 50051",
     "            grpc:\n              port: 50052",
     "readinessProbe.grpc port 50052"),
    ("k8s/base/kafka.yaml", "apiVersion: kafka.strimzi.io/v1\nkind: Kafka\n",
     "apiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\n",
     "apiVersion 'kafka.strimzi.io/v1beta2', want kafka.strimzi.io/v1"),
    ("k8s/base/kafka.yaml", "    - controller\n", "",
     "no KafkaNodePool with the controller role"),
    ("k8s/base/kafka.yaml", "  partitions: 6\n", "  partitions: 4\n",
     "maxReplicas 6 exceeds the 4 partitions"),
    ("k8s/base/kustomization.yaml", "  - redis.yaml\n",
     "  - redis-gone.yaml\n", "resource redis-gone.yaml does not exist"),
    ("k8s/grafana/kustomization.yaml", "dashboards/marimba.json",
     "dashboards/gone.json", "file dashboards/gone.json does not exist"),
    ("k8s/base/marimba.env", "MARIMBA_KAFKA_BROKERS=marimba-kafka-bootstrap",
     "MARIMBA_KAFKA_BROKERS=kafka", "is not a plain Kafka listener"),
    ("k8s/base/consumer.yaml", "key: MARIMBA_MONGO_URI",
     "key: MARIMBA_MONGO_URL", "has no key MARIMBA_MONGO_URL"),
    ("k8s/base/redis.yaml", "      targetPort: redis\n",
     "      targetPort: redis-x\n", "targetPort 'redis-x' is not a port"),
    ("k8s/base/autoscaling.yaml", "    name: consumer-redis\n  minReplicas",
     "    name: consumer-rediss\n  minReplicas",
     "scaleTargetRef Deployment/consumer-rediss does not exist"),
    ("k8s/grafana/provisioning/dashboards.yaml",
     "/var/lib/grafana/dashboards/marimba",
     "/var/lib/grafana/dashboards/other", "dashboard provider path"),
    # Issue 18: each rule of manifest_rules.py catches what it is for.
    ("k8s/base/kore.yaml",
     "spec:\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: kore",
     "spec:\n  replicas: 2\n  selector:\n    matchLabels:\n"
     "      app.kubernetes.io/name: kore",
     "Deployment/kore: sets spec.replicas while HorizontalPodAutoscaler/kore"),
    ("k8s/base/autoscaling.yaml",
     "        - type: Pods\n          value: 1\n          periodSeconds: 180",
     "        - type: Percent\n          value: 100\n          "
     "periodSeconds: 15",
     "HorizontalPodAutoscaler/consumer-redis: spec.behavior.scaleUp must add"),
    ("k8s/base/consumer.yaml", 'args: ["--sink", "mongo"]',
     'args: ["--sink", "redis"]', "a second Deployment for sink redis"),
    ("k8s/base/autoscaling.yaml", "  unhealthyPodEvictionPolicy: AlwaysAllow\n",
     "", "PodDisruptionBudget/kore: unhealthyPodEvictionPolicy must be "
     "AlwaysAllow"),
    ("k8s/base/grpc.yaml", "topologyKey: topology.kubernetes.io/zone",
     "topologyKey: example.com/rack", "Deployment/grpc: no "
     "topologySpreadConstraints on topology.kubernetes.io/zone"),
    ("k8s/base/kore.yaml", "topologyKey: kubernetes.io/hostname",
     "topologyKey: example.com/host", "Deployment/kore: no "
     "topologySpreadConstraints on kubernetes.io/hostname"),
    ("k8s/base/networkpolicy.yaml",
     'values: ["kore", "consumer-mongo", "audit"]',
     'values: ["kore", "consumer-mongo", "audit", "grpc"]',
     "NetworkPolicy lets ['consumer-mongo', 'grpc', 'kore'] connect"),
    ("k8s/base/kustomization.yaml", "  - networkpolicy.yaml\n", "",
     "StatefulSet/redis: no NetworkPolicy restricts who connects"),
    ("k8s/base/redis.yaml", "  clusterIP: None\n", "",
     "Service/redis must be headless"),
    ("k8s/base/redis.yaml",
     "            - --requirepass\n            - $(MARIMBA_REDIS_PASSWORD)\n",
     "", "Redis runs without --requirepass"),
    ("k8s/base/kore.yaml", "            - name: MARIMBA_REDIS_PASSWORD\n",
     "            - name: MARIMBA_REDIS_PASSWORD_X\n",
     "container kore: reaches Redis without MARIMBA_REDIS_PASSWORD"),
    ("k8s/base/kore.yaml", "appProtocol: HTTP\n", "appProtocol: http\n",
     "appProtocol 'http' is not one GKE knows"),
    ("k8s/base/kore.yaml",
     "          readinessProbe:\n            httpGet:\n              path: /healthz",
     "          readinessProbe:\n            httpGet:\n              path: /readyz",
     "Deployment/kore: readiness on /readyz"),
    ("k8s/overlays/gke/gateway.yaml", "requestPath: /healthz",
     "requestPath: /readyz", "HealthCheckPolicy/kore: the load balancer "
     "checks /readyz"),
    ("k8s/overlays/gke/gateway.yaml", "value: /marimba.v1.VoteService\n",
     "value: /marimba.v1.Votes\n",
     "no route takes gRPC service marimba.v1.VoteService"),
    ("k8s/overlays/gke-grpcroute/kustomization.yaml",
     "      - op: replace\n        path: /spec/gatewayClassName\n"
     "        value: grpcroute-capable\n", "",
     "GKE's Gateway controller does not implement GRPCRoute"),
    ("k8s/overlays/gke-grpcroute/grpcroute.yaml",
     "sectionName: grpc\n  hostnames:\n    - grpc.marimba.example.com",
     "sectionName: https\n  hostnames:\n    - marimba.example.com",
     "shares listener and host name with HTTPRoute/kore"),
    ("k8s/grafana/grafana.yaml", "            - name: GF_PLUGINS_PREINSTALL_SYNC\n",
     "            - name: GF_INSTALL_PLUGINS\n"
     "              value: redis-datasource 2.2.0\n"
     "            - name: GF_PLUGINS_PREINSTALL_SYNC\n",
     "GF_INSTALL_PLUGINS is deprecated"),
    ("k8s/locust/kustomization.yaml",
     "    newName: europe-west1-docker.pkg.dev/PROJECT_ID/marimba/"
     "marimba-locust\n", "", "names no registry"),
    ("k8s/locust/locust.yaml", '"--host", "https://marimba.example.com"',
     '"--host", "http://kore:8080"', "Locust must load the Gateway"),
]


def copy_tree(dst):
    for top in ("k8s", "locust", "proto"):
        shutil.copytree(os.path.join(ROOT, top), os.path.join(dst, top))


def top_of(rel):
    """The top-level kustomization a changed file ends up in."""
    for prefix, top in (("k8s/overlays/gke/", "k8s/overlays/gke"),
                        ("k8s/overlays/gke-grpcroute/",
                         "k8s/overlays/gke-grpcroute"),
                        ("k8s/overlays/gke-lag/", "k8s/overlays/gke-lag"),
                        ("k8s/locust/", "k8s/locust"),
                        ("locust/", "k8s/locust")):
        if rel.startswith(prefix):
            return top
    return "k8s/base"


def run(root, only=None):
    cmd = [sys.executable, CHECKER, "--root", root]
    if only:
        cmd += ["--only", only]
    res = subprocess.run(cmd, capture_output=True, text=True)
    return res.returncode, res.stdout + res.stderr


def try_mutation(tmp, i):
    """Runs the checker on a copy with mutation i; returns (ok, report)."""
    rel, old, new, want = MUTATIONS[i][:4]
    top = MUTATIONS[i][4] if len(MUTATIONS[i]) > 4 else top_of(rel)
    root = os.path.join(tmp, f"m{i}")
    copy_tree(root)
    try:
        path = os.path.join(root, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if old not in text:
            return False, f"FAIL mutation {i}: {old!r} not in {rel} " \
                "(update this test)"
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))
        rc, out = run(root, top)
        if rc == 1 and want in out:
            return True, f"ok   {rel}: {want}"
        return False, f"FAIL {rel}: {old!r} -> {new!r} gave status {rc}, " \
            f"want 1 with {want!r}:\n{out}"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    with tempfile.TemporaryDirectory(prefix="marimba-broken-") as tmp:
        clean = os.path.join(tmp, "clean")
        copy_tree(clean)
        rc, out = run(clean)
        if rc != 0:
            print(f"FAIL the unbroken copy does not pass:\n{out}")
            return 1
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            results = list(ex.map(lambda i: try_mutation(tmp, i),
                                  range(len(MUTATIONS))))
    failures = 0
    for ok, report in results:
        print(report)
        failures += not ok
    print(f"{len(MUTATIONS) - failures} of {len(MUTATIONS)} broken "
          "manifests caught")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
