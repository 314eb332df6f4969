# SPDX-License-Identifier: ISC
"""Offline checks of every Kubernetes manifest of marimba (k8s/, locust/).

1. Every kustomization's resources, generator files and patches exist.
2. Each top-level kustomization (k8s/base, k8s/overlays/*, k8s/locust) is
   rendered: with `kustomize build` or `kubectl kustomize` when one is
   installed, else (or with MARIMBA_KUSTOMIZE=mini) with a minimal
   renderer of the features used here.
   A generator file that is missing on purpose (a git-ignored secrets.env)
   is replaced by its committed .example in a temporary copy.
3. Built-in kinds are validated with kubernetes-validate (strict: unknown
   fields are errors) against Kubernetes K8S_VERSION.
4. Custom resources (Strimzi Kafka, KafkaNodePool, KafkaTopic; Gateway API
   Gateway, HTTPRoute, GRPCRoute; GKE HealthCheckPolicy; Managed
   Prometheus PodMonitoring, Rules) get minimal
   checks of their own: exact apiVersion, required fields.
5. References resolve: routes -> Gateway listener and Services/ports,
   probes -> container ports, Services -> pods and named ports, HPA/PDB ->
   workloads, env/volumes -> ConfigMaps/Secrets and their keys, the Kafka
   bootstrap address in the ConfigMap -> the Kafka listener, the consumer's
   autoscaling ceiling -> the votes partitions, the Grafana dashboard
   provider path -> the mounted dashboards.

Prints every problem and exits 1 if there is one.
"""
import argparse
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

import kubernetes_validate
import yaml

import manifest_rules
# What the rules and this script both read objects with.
from manifest_rules import WORKLOADS, get, pod_labels

# libyaml's loader when PyYAML has it (the wheels do): the rendered
# overlays are thousands of lines, the pure Python parser takes seconds.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
K8S_VERSION = os.environ.get("MARIMBA_K8S_VERSION", "1.34.0")
NAMESPACE = "marimba"

BUILTIN_GROUPS = {"v1", "apps/v1", "autoscaling/v2", "policy/v1",
                  "batch/v1", "networking.k8s.io/v1",
                  "rbac.authorization.k8s.io/v1"}
CRD_API = {
    "Kafka": "kafka.strimzi.io/v1",
    "KafkaNodePool": "kafka.strimzi.io/v1",
    "KafkaTopic": "kafka.strimzi.io/v1",
    "Gateway": "gateway.networking.k8s.io/v1",
    "HTTPRoute": "gateway.networking.k8s.io/v1",
    "GRPCRoute": "gateway.networking.k8s.io/v1",
    "HealthCheckPolicy": "networking.gke.io/v1",
    "PodMonitoring": "monitoring.googleapis.com/v1",
    "Rules": "monitoring.googleapis.com/v1",
}


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, msg):
        self.items.append(f"{where}: {msg}")


def load_yaml_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.load_all(f, Loader=LOADER) if d is not None]


def kustomization_file(directory):
    for n in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        p = os.path.join(directory, n)
        if os.path.isfile(p):
            return p
    return None


def generator_paths(gen):
    """Files of a configMapGenerator/secretGenerator entry ("key=path")."""
    out = []
    for f in gen.get("files", []) or []:
        out.append(f.split("=", 1)[1] if "=" in f else f)
    out.extend(gen.get("envs", []) or [])
    if gen.get("env"):
        out.append(gen["env"])
    return out


def check_kustomizations(base, probs):
    """1. Every path a kustomization names exists. Returns the directories
    holding a kustomization and the generator files to stand in."""
    dirs, standins = [], {}
    for top in ("k8s", "locust"):
        for d, _, _ in os.walk(os.path.join(base, top)):
            if kustomization_file(d):
                dirs.append(d)
    for d in dirs:
        kf = kustomization_file(d)
        rel = os.path.relpath(kf, base)
        k = load_yaml_docs(kf)[0]
        if k.get("apiVersion") != "kustomize.config.k8s.io/v1beta1" or \
                k.get("kind") != "Kustomization":
            probs.add(rel, "apiVersion/kind is not "
                      "kustomize.config.k8s.io/v1beta1 Kustomization")
        for r in k.get("resources", []) or []:
            p = os.path.normpath(os.path.join(d, r))
            if os.path.isdir(p):
                if not kustomization_file(p):
                    probs.add(rel, f"resource {r}: directory without "
                              "kustomization.yaml")
            elif not os.path.isfile(p):
                probs.add(rel, f"resource {r} does not exist")
        for kind in ("configMapGenerator", "secretGenerator"):
            for gen in k.get(kind, []) or []:
                for f in generator_paths(gen):
                    p = os.path.normpath(os.path.join(d, f))
                    if os.path.isfile(p):
                        continue
                    if os.path.isfile(p + ".example"):
                        standins[p] = p + ".example"
                    else:
                        probs.add(rel, f"{kind} {gen.get('name')}: file "
                                  f"{f} does not exist")
        for patch in k.get("patches", []) or []:
            if isinstance(patch, dict) and patch.get("path") and not \
                    os.path.isfile(os.path.join(d, patch["path"])):
                probs.add(rel, f"patch {patch['path']} does not exist")
    return dirs, standins


def renderer():
    if os.environ.get("MARIMBA_KUSTOMIZE") == "mini":
        return None
    # scripts/deploy-tools installs the pinned kustomize there.
    pinned = os.path.join(ROOT, "var", "tools", "bin", "kustomize")
    if os.access(pinned, os.X_OK):
        return [pinned, "build"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def env_file(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
    return out


def mini_render(directory):
    """The kustomize features these manifests use: resources (files and
    directories), generators (without name hashes), namespace, labels,
    images, generator behavior replace."""
    k = load_yaml_docs(kustomization_file(directory))[0]
    docs = []
    for r in k.get("resources", []) or []:
        p = os.path.join(directory, r)
        docs.extend(mini_render(p) if os.path.isdir(p) else load_yaml_docs(p))
    for kind, gkind in (("configMapGenerator", "ConfigMap"),
                        ("secretGenerator", "Secret")):
        for gen in k.get(kind, []) or []:
            data = {}
            for f in gen.get("files", []) or []:
                key, path = f.split("=", 1) if "=" in f else \
                    (os.path.basename(f), f)
                with open(os.path.join(directory, path),
                          encoding="utf-8") as fh:
                    data[key] = fh.read()
            for e in gen.get("envs", []) or []:
                data.update(env_file(os.path.join(directory, e)))
            for lit in gen.get("literals", []) or []:
                key, v = lit.split("=", 1)
                data[key] = v
            obj = {"apiVersion": "v1", "kind": gkind,
                   "metadata": {"name": gen["name"]},
                   ("stringData" if gkind == "Secret" else "data"): data}
            if gkind == "Secret":
                obj["type"] = "Opaque"
            old = next((d for d in docs if d.get("kind") == gkind and
                        get(d, "metadata", "name") == gen["name"]), None)
            if gen.get("behavior") == "merge" and old is not None:
                key = "stringData" if gkind == "Secret" else "data"
                old.setdefault(key, {}).update(data)
                continue
            if gen.get("behavior") == "replace":
                docs = [d for d in docs if d is not old]
            docs.append(obj)
    for patch in k.get("patches", []) or []:
        docs = mini_patch(directory, docs, patch)
    for d in docs:
        if k.get("namespace") and d.get("kind") != "Namespace":
            d.setdefault("metadata", {})["namespace"] = k["namespace"]
        for lab in k.get("labels", []) or []:
            d.setdefault("metadata", {}).setdefault("labels", {}).update(
                lab.get("pairs", {}))
    for img in k.get("images", []) or []:
        for d in docs:
            for c in pod_containers(d):
                name, _, tag = c.get("image", "").partition(":")
                if name == img["name"]:
                    c["image"] = (img.get("newName", name) + ":" +
                                  str(img.get("newTag", tag or "latest")))
    return docs


def merge_patch(dst, src):
    """Strategic merge as far as these manifests need it: maps merge,
    lists are replaced."""
    for key, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(key), dict):
            merge_patch(dst[key], v)
        else:
            dst[key] = copy.deepcopy(v)


def json6902(obj, ops):
    """add / replace / remove with JSON pointers ("-" appends)."""
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~")
                 for p in op["path"].split("/")[1:]]
        parent = obj
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else \
                parent[p]
        last = parts[-1]
        if isinstance(parent, list):
            i = len(parent) if last == "-" else int(last)
            if op["op"] == "add":
                parent.insert(i, copy.deepcopy(op["value"]))
            elif op["op"] == "replace":
                parent[i] = copy.deepcopy(op["value"])
            elif op["op"] == "remove":
                del parent[i]
            else:
                raise ValueError(f"JSON patch op {op['op']!r}")
        elif op["op"] in ("add", "replace"):
            parent[last] = copy.deepcopy(op["value"])
        elif op["op"] == "remove":
            del parent[last]
        else:
            raise ValueError(f"JSON patch op {op['op']!r}")


def mini_patch(directory, docs, patch):
    """A patches entry: with a target, a JSON 6902 patch of that object;
    else (path or inline) strategic merge documents naming their target by
    kind and metadata.name, "$patch: delete" removing it."""
    if patch.get("target"):
        t = patch["target"]
        target = next((d for d in docs if d.get("kind") == t.get("kind") and
                       get(d, "metadata", "name") == t.get("name")), None)
        if target is None:
            raise KeyError(f"patch target {t} not found")
        json6902(target, yaml.safe_load(patch.get("patch", "")) or [])
        return docs
    if patch.get("path"):
        items = load_yaml_docs(os.path.join(directory, patch["path"]))
    else:
        items = [d for d in yaml.safe_load_all(patch.get("patch", "")) if d]
    for p in items:
        kind, name = p.get("kind"), get(p, "metadata", "name")
        target = next((d for d in docs if d.get("kind") == kind and
                       get(d, "metadata", "name") == name), None)
        if target is None:
            raise KeyError(f"patch target {kind}/{name} not found")
        if p.get("$patch") == "delete":
            docs = [d for d in docs if d is not target]
        else:
            merge_patch(target, {k: v for k, v in p.items()
                                 if k not in ("apiVersion", "kind")})
    return docs


def render(base, directory, standins, probs):
    rel = os.path.relpath(directory, base)
    tmp = None
    if standins:
        tmp = tempfile.mkdtemp(prefix="marimba-k8s-")
        for top in ("k8s", "locust", "proto"):
            if os.path.isdir(os.path.join(base, top)):
                shutil.copytree(os.path.join(base, top),
                                os.path.join(tmp, top))
        for missing, example in standins.items():
            shutil.copy(example, os.path.join(
                tmp, os.path.relpath(missing, base)))
        directory = os.path.join(tmp, rel)
    try:
        cmd = renderer()
        if cmd is None:
            try:
                return mini_render(directory), "mini-render"
            except (OSError, KeyError, ValueError) as e:
                probs.add(rel, f"mini-render failed: {e}")
                return [], "mini-render"
        res = subprocess.run(cmd + [directory], capture_output=True,
                             text=True)
        if res.returncode != 0:
            probs.add(rel, f"{' '.join(cmd)} failed: {res.stderr.strip()}")
            return [], cmd[0]
        return [d for d in yaml.load_all(res.stdout, Loader=LOADER) if d], \
            cmd[0]
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def pod_spec(d):
    if d.get("kind") in WORKLOADS:
        return get(d, "spec", "template", "spec")
    if d.get("kind") == "Pod":
        return d.get("spec")
    if d.get("kind") == "CronJob":
        return get(d, "spec", "jobTemplate", "spec", "template", "spec")
    return None


def pod_containers(d):
    spec = pod_spec(d) or {}
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v
                                  for k, v in selector.items())


class Index:
    """The rendered objects by kind and name."""

    def __init__(self, docs):
        self.docs = docs
        self.by = {}
        for d in docs:
            self.by[(d.get("kind"), get(d, "metadata", "name"))] = d

    def find(self, kind, name):
        return self.by.get((kind, name))

    def kind(self, kind):
        return [d for d in self.docs if d.get("kind") == kind]


def data_keys(obj):
    return set((obj.get("data") or {}).keys()) | \
        set((obj.get("stringData") or {}).keys())


def check_pods(idx, where, d, probs):
    spec = pod_spec(d)
    name = get(d, "metadata", "name")
    w = f"{where} {d['kind']}/{name}"
    volumes = {v["name"]: v for v in spec.get("volumes", []) or []}
    for claim in get(d, "spec", "volumeClaimTemplates", default=[]) or []:
        volumes[get(claim, "metadata", "name")] = claim
    for c in pod_containers(d):
        cw = f"{w} container {c.get('name')}"
        ports = c.get("ports", []) or []
        numbers = {p.get("containerPort") for p in ports}
        names = {p.get("name") for p in ports if p.get("name")}
        if not get(c, "resources", "requests") or \
                not get(c, "resources", "limits"):
            probs.add(cw, "no resource requests and limits")
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            p = c.get(probe)
            if not p:
                continue
            for handler in ("httpGet", "tcpSocket", "grpc"):
                if handler in p:
                    port = p[handler].get("port")
                    ok = port in numbers if isinstance(port, int) \
                        else port in names
                    if not ok:
                        probs.add(cw, f"{probe}.{handler} port {port!r} is "
                                  "not a port of the container")
        for ef in c.get("envFrom", []) or []:
            for kind, ref in (("ConfigMap", "configMapRef"),
                              ("Secret", "secretRef")):
                if ref in ef and not idx.find(kind, ef[ref]["name"]):
                    probs.add(cw, f"envFrom {kind} {ef[ref]['name']} "
                              "does not exist")
        for e in c.get("env", []) or []:
            for kind, ref in (("ConfigMap", "configMapKeyRef"),
                              ("Secret", "secretKeyRef")):
                r = get(e, "valueFrom", ref)
                if not r:
                    continue
                obj = idx.find(kind, r["name"])
                if not obj:
                    probs.add(cw, f"env {e['name']}: {kind} {r['name']} "
                              "does not exist")
                elif r["key"] not in data_keys(obj):
                    probs.add(cw, f"env {e['name']}: {kind} {r['name']} "
                              f"has no key {r['key']}")
        for vm in c.get("volumeMounts", []) or []:
            if vm["name"] not in volumes:
                probs.add(cw, f"volumeMount {vm['name']} has no volume")
    for v in volumes.values():
        for kind, key, nkey in (("ConfigMap", "configMap", "name"),
                                ("Secret", "secret", "secretName")):
            if key in v and not idx.find(kind, v[key][nkey]):
                probs.add(w, f"volume {v['name']}: {kind} {v[key][nkey]} "
                          "does not exist")


def service_ports(svc):
    return {p.get("port"): p for p in get(svc, "spec", "ports",
                                           default=[]) or []}


def check_service(idx, where, svc, probs):
    w = f"{where} Service/{get(svc, 'metadata', 'name')}"
    sel = get(svc, "spec", "selector", default={}) or {}
    pods = [d for d in idx.docs if d.get("kind") in WORKLOADS and
            matches(sel, pod_labels(d))]
    if not pods:
        probs.add(w, f"selector {sel} matches no pod template")
        return
    for port in service_ports(svc).values():
        tp = port.get("targetPort", port.get("port"))
        found = False
        for d in pods:
            for c in pod_containers(d):
                for cp in c.get("ports", []) or []:
                    if tp in (cp.get("name"), cp.get("containerPort")):
                        found = True
        if not found:
            probs.add(w, f"targetPort {tp!r} is not a port of its pods")


def check_scalers(idx, where, probs):
    for h in idx.kind("HorizontalPodAutoscaler"):
        ref = get(h, "spec", "scaleTargetRef", default={})
        t = idx.find(ref.get("kind"), ref.get("name"))
        w = f"{where} HorizontalPodAutoscaler/{get(h, 'metadata', 'name')}"
        if not t:
            probs.add(w, f"scaleTargetRef {ref.get('kind')}/"
                      f"{ref.get('name')} does not exist")
            continue
        for m in get(h, "spec", "metrics", default=[]) or []:
            res = get(m, "resource", "name")
            if res and not all(get(c, "resources", "requests", res)
                               for c in pod_containers(t)):
                probs.add(w, f"{res} utilization needs {res} requests "
                          f"on every container of {ref['name']}")
    for p in idx.kind("PodDisruptionBudget"):
        sel = get(p, "spec", "selector", "matchLabels", default={})
        if not any(matches(sel, pod_labels(d)) for d in idx.docs
                   if d.get("kind") in WORKLOADS):
            probs.add(f"{where} PodDisruptionBudget/"
                      f"{get(p, 'metadata', 'name')}",
                      f"selector {sel} matches no pod template")


def require(probs, w, obj, *path):
    v = get(obj, *path)
    if v in (None, "", [], {}):
        probs.add(w, f"{'.'.join(str(p) for p in path)} is required")
    return v


def check_strimzi(idx, where, probs):
    kafkas = {get(k, "metadata", "name"): k for k in idx.kind("Kafka")}
    brokers = {}
    for k in kafkas.values():
        w = f"{where} Kafka/{get(k, 'metadata', 'name')}"
        listeners = require(probs, w, k, "spec", "kafka", "listeners") or []
        for i, lst in enumerate(listeners):
            for f in ("name", "port", "type", "tls"):
                if f not in lst:
                    probs.add(w, f"spec.kafka.listeners[{i}].{f} is "
                              "required")
        for gone in (("spec", "kafka", "replicas"),
                     ("spec", "kafka", "storage"), ("spec", "zookeeper")):
            if get(k, *gone) is not None:
                probs.add(w, f"{'.'.join(gone)} is not in the v1 API "
                          "(use a KafkaNodePool)")
    for pool in idx.kind("KafkaNodePool"):
        w = f"{where} KafkaNodePool/{get(pool, 'metadata', 'name')}"
        cluster = get(pool, "metadata", "labels", "strimzi.io/cluster")
        if cluster not in kafkas:
            probs.add(w, f"label strimzi.io/cluster {cluster!r} names no "
                      "Kafka")
        replicas = require(probs, w, pool, "spec", "replicas")
        roles = require(probs, w, pool, "spec", "roles") or []
        if not set(roles) <= {"controller", "broker"}:
            probs.add(w, f"roles {roles}: only controller and broker")
        if get(pool, "spec", "storage", "type") not in (
                "jbod", "persistent-claim", "ephemeral"):
            probs.add(w, "spec.storage.type must be jbod, "
                      "persistent-claim or ephemeral")
        for role in roles:
            brokers.setdefault((cluster, role), 0)
            brokers[(cluster, role)] += replicas or 0
    for name, k in kafkas.items():
        for role in ("controller", "broker"):
            if not brokers.get((name, role)):
                probs.add(f"{where} Kafka/{name}", f"no KafkaNodePool "
                          f"with the {role} role (KRaft needs both)")
        if idx.kind("KafkaTopic") and get(k, "spec", "entityOperator",
                                          "topicOperator") is None:
            probs.add(f"{where} Kafka/{name}", "KafkaTopics need "
                      "spec.entityOperator.topicOperator")
    for t in idx.kind("KafkaTopic"):
        w = f"{where} KafkaTopic/{get(t, 'metadata', 'name')}"
        cluster = get(t, "metadata", "labels", "strimzi.io/cluster")
        if cluster not in kafkas:
            probs.add(w, f"label strimzi.io/cluster {cluster!r} names no "
                      "Kafka")
        parts = require(probs, w, t, "spec", "partitions")
        reps = require(probs, w, t, "spec", "replicas")
        if reps and reps > brokers.get((cluster, "broker"), 0):
            probs.add(w, f"{reps} replicas but "
                      f"{brokers.get((cluster, 'broker'), 0)} brokers")
        if parts is not None and (not isinstance(parts, int) or parts < 1):
            probs.add(w, "spec.partitions must be a positive integer")
    return kafkas


def check_config_vs_kafka(idx, where, kafkas, probs):
    """MARIMBA_KAFKA_BROKERS points at a Kafka's plain listener and the
    topics exist. Returns the votes topic's partitions (None if unknown)."""
    cm = idx.find("ConfigMap", "marimba-config") or next(
        (c for c in idx.kind("ConfigMap")
         if get(c, "metadata", "name", default="").startswith(
             "marimba-config")), None)
    if not cm or not kafkas:
        return
    data = cm.get("data") or {}
    want = set()
    for name, k in kafkas.items():
        for lst in get(k, "spec", "kafka", "listeners", default=[]) or []:
            if lst.get("type") == "internal" and not lst.get("tls"):
                want.add(f"{name}-kafka-bootstrap:{lst.get('port')}")
    if data.get("MARIMBA_KAFKA_BROKERS") not in want:
        probs.add(f"{where} ConfigMap/marimba-config",
                  f"MARIMBA_KAFKA_BROKERS={data.get('MARIMBA_KAFKA_BROKERS')}"
                  f" is not a plain Kafka listener ({sorted(want)})")
    topic = data.get("MARIMBA_KAFKA_TOPIC", "votes")
    t = next((t for t in idx.kind("KafkaTopic")
              if (get(t, "spec", "topicName") or
                  get(t, "metadata", "name")) == topic), None)
    if not t:
        probs.add(where, f"no KafkaTopic for MARIMBA_KAFKA_TOPIC={topic}")
        return
    dlq = data.get("MARIMBA_KAFKA_DLQ_TOPIC")
    if dlq and not any((get(x, "spec", "topicName") or
                        get(x, "metadata", "name")) == dlq
                       for x in idx.kind("KafkaTopic")):
        probs.add(where, f"no KafkaTopic for MARIMBA_KAFKA_DLQ_TOPIC={dlq}")
    return get(t, "spec", "partitions")


def proto_services():
    out = set()
    path = os.path.join(ROOT, "proto", "vote.proto")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    pkg = re.search(r"^package\s+([\w.]+)\s*;", text, re.M)
    for s in re.findall(r"^service\s+(\w+)", text, re.M):
        out.add(f"{pkg.group(1)}.{s}" if pkg else s)
    return out


def check_gateway(idx, where, probs):
    gws = {get(g, "metadata", "name"): g for g in idx.kind("Gateway")}
    for g in gws.values():
        w = f"{where} Gateway/{get(g, 'metadata', 'name')}"
        require(probs, w, g, "spec", "gatewayClassName")
        for i, lst in enumerate(require(probs, w, g, "spec", "listeners")
                                or []):
            for f in ("name", "port", "protocol"):
                if f not in lst:
                    probs.add(w, f"spec.listeners[{i}].{f} is required")
            if lst.get("protocol") not in ("HTTP", "HTTPS", "TLS", "TCP",
                                           "UDP"):
                probs.add(w, f"listener {lst.get('name')}: protocol "
                          f"{lst.get('protocol')!r}")
            if lst.get("protocol") == "HTTPS" and not get(
                    lst, "tls", "certificateRefs") and not get(
                    g, "metadata", "annotations", "networking.gke.io/certmap"):
                probs.add(w, f"HTTPS listener {lst.get('name')} has no "
                          "certificate (tls.certificateRefs or certmap)")
    services = proto_services()
    for kind in ("HTTPRoute", "GRPCRoute"):
        for r in idx.kind(kind):
            w = f"{where} {kind}/{get(r, 'metadata', 'name')}"
            for pr in require(probs, w, r, "spec", "parentRefs") or []:
                g = gws.get(pr.get("name"))
                if pr.get("kind", "Gateway") != "Gateway" or not g:
                    probs.add(w, f"parentRef {pr.get('name')!r} is no "
                              "Gateway here")
                    continue
                names = {lst.get("name") for lst in
                         get(g, "spec", "listeners", default=[])}
                if pr.get("sectionName") and pr["sectionName"] not in names:
                    probs.add(w, f"parentRef sectionName "
                              f"{pr['sectionName']!r} is no listener of "
                              f"Gateway/{pr['name']}")
            for i, rule in enumerate(require(probs, w, r, "spec", "rules")
                                     or []):
                for m in rule.get("matches", []) or []:
                    svc = get(m, "method", "service")
                    if kind == "GRPCRoute" and svc and svc not in services:
                        probs.add(w, f"method.service {svc!r} is not in "
                                  f"proto/vote.proto ({sorted(services)})")
                for b in rule.get("backendRefs", []) or []:
                    s = idx.find("Service", b.get("name"))
                    if b.get("kind", "Service") != "Service" or not s:
                        probs.add(w, f"rules[{i}] backendRef "
                                  f"{b.get('name')!r} is no Service here")
                        continue
                    port = service_ports(s).get(b.get("port"))
                    if not port:
                        probs.add(w, f"rules[{i}] backendRef "
                                  f"{b['name']}:{b.get('port')} is no port "
                                  "of the Service")
                    elif kind == "GRPCRoute" and port.get("appProtocol") \
                            != "kubernetes.io/h2c":
                        probs.add(w, f"Service {b['name']} port "
                                  f"{b.get('port')} needs appProtocol "
                                  "kubernetes.io/h2c for gRPC on GKE")
    for p in idx.kind("HealthCheckPolicy"):
        w = f"{where} HealthCheckPolicy/{get(p, 'metadata', 'name')}"
        ctype = require(probs, w, p, "spec", "default", "config", "type")
        block = {"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck",
                 "HTTP2": "http2HealthCheck", "GRPC": "grpcHealthCheck",
                 "TCP": "tcpHealthCheck"}.get(ctype)
        if ctype and not block:
            probs.add(w, f"config.type {ctype!r} is unknown")
        ref = require(probs, w, p, "spec", "targetRef") or {}
        s = idx.find("Service", ref.get("name"))
        if ref.get("kind") != "Service" or not s:
            probs.add(w, f"targetRef {ref.get('name')!r} is no Service here")
            continue
        hc = get(p, "spec", "default", "config", block, default={}) or {}
        if block and not hc:
            probs.add(w, f"config.{block} is required for type {ctype}")
        port = hc.get("port")
        if port is not None:
            targets = {pp.get("targetPort") for pp in
                       service_ports(s).values()} | set(service_ports(s))
            named = set()
            for d in idx.docs:
                if d.get("kind") in WORKLOADS and matches(
                        get(s, "spec", "selector"), pod_labels(d)):
                    for c in pod_containers(d):
                        for cp in c.get("ports", []) or []:
                            if cp.get("name") in targets:
                                named.add(cp.get("containerPort"))
            if port not in targets | named:
                probs.add(w, f"health check port {port} is not served by "
                          f"Service {ref['name']}")


def check_monitoring(idx, where, probs):
    """PodMonitoring selects pods of these manifests (or of the Strimzi
    operator) and scrapes a port they have; every rule has an expression
    and is an alert or a recording rule."""
    for pm in idx.kind("PodMonitoring"):
        w = f"{where} PodMonitoring/{get(pm, 'metadata', 'name')}"
        sel = require(probs, w, pm, "spec", "selector", "matchLabels") or {}
        eps = require(probs, w, pm, "spec", "endpoints") or []
        pods = [d for d in idx.docs if d.get("kind") in WORKLOADS and
                matches(sel, pod_labels(d))]
        if not pods:
            if not any(k.startswith("strimzi.io/") for k in sel):
                probs.add(w, f"selector {sel} matches no pod template")
            continue
        for ep in eps:
            port = ep.get("port")
            ok = any(port in (cp.get("name"), cp.get("containerPort"))
                     for d in pods for c in pod_containers(d)
                     for cp in c.get("ports", []) or [])
            if not ok:
                probs.add(w, f"endpoint port {port!r} is not a port of the "
                          "selected pods")
    for r in idx.kind("Rules"):
        w = f"{where} Rules/{get(r, 'metadata', 'name')}"
        for g in require(probs, w, r, "spec", "groups") or []:
            for rule in g.get("rules", []) or []:
                if not rule.get("expr") or not (rule.get("alert") or
                                                rule.get("record")):
                    probs.add(w, f"group {g.get('name')}: rule {rule} "
                              "needs expr and alert or record")


def check_grafana(idx, where, probs):
    """The dashboard provider's path is where the dashboards are mounted."""
    g = idx.find("Deployment", "grafana")
    if not g:
        return
    prov_path = None
    for cm in idx.kind("ConfigMap"):
        for v in (cm.get("data") or {}).values():
            try:
                doc = yaml.safe_load(v)
            except yaml.YAMLError:
                continue
            if isinstance(doc, dict) and doc.get("providers"):
                prov_path = get(doc, "providers", 0, "options", "path")
    mounts = {vm["mountPath"] for c in pod_containers(g)
              for vm in c.get("volumeMounts", []) or []}
    if prov_path and prov_path not in mounts:
        probs.add(f"{where} Deployment/grafana", f"dashboard provider path "
                  f"{prov_path} is not a mount ({sorted(mounts)})")


def check_docs(where, docs, probs, version):
    idx = Index(docs)
    for d in docs:
        api, kind = d.get("apiVersion"), d.get("kind")
        name = get(d, "metadata", "name")
        w = f"{where} {kind}/{name}"
        if not name:
            probs.add(w, "metadata.name is required")
        if kind != "Namespace" and get(d, "metadata", "namespace") != \
                NAMESPACE:
            probs.add(w, f"namespace {get(d, 'metadata', 'namespace')!r}, "
                      f"want {NAMESPACE}")
        if kind in CRD_API:
            if api != CRD_API[kind]:
                probs.add(w, f"apiVersion {api!r}, want {CRD_API[kind]}")
        elif api in BUILTIN_GROUPS:
            try:
                kubernetes_validate.validate(d, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                path = "/".join(str(p) for p in e.path)
                probs.add(w, f"schema {version}: {e.message} at {path}")
            except kubernetes_validate.SchemaNotFoundError:
                probs.add(w, f"no {version} schema for {api} {kind}")
        else:
            probs.add(w, f"{api} {kind} is neither built in nor checked")
        if pod_spec(d):
            check_pods(idx, where, d, probs)
        if kind == "Service":
            check_service(idx, where, d, probs)
    check_scalers(idx, where, probs)
    kafkas = check_strimzi(idx, where, probs)
    partitions = check_config_vs_kafka(idx, where, kafkas, probs)
    manifest_rules.check_all(docs, where, probs, proto_services(),
                             partitions)
    check_gateway(idx, where, probs)
    check_monitoring(idx, where, probs)
    check_grafana(idx, where, probs)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", default=ROOT,
                    help="repository (or copy) to check")
    ap.add_argument("--k8s-version", default=K8S_VERSION)
    ap.add_argument("--only", action="append", default=[],
                    help="render and check only this top-level "
                    "kustomization (e.g. k8s/base); repeatable")
    args = ap.parse_args()
    base = os.path.abspath(args.root)
    probs = Problems()

    dirs, standins = check_kustomizations(base, probs)
    tops = [os.path.join(base, "k8s", "base"), os.path.join(base, "k8s",
                                                            "locust")]
    ov = os.path.join(base, "k8s", "overlays")
    if os.path.isdir(ov):
        tops += sorted(os.path.join(ov, o) for o in os.listdir(ov)
                       if kustomization_file(os.path.join(ov, o)))
    if args.only:
        tops = [t for t in tops if os.path.relpath(t, base) in args.only]
    total = 0
    for top in tops:
        if not kustomization_file(top):
            probs.add(os.path.relpath(top, base), "no kustomization.yaml")
            continue
        docs, how = render(base, top, standins, probs)
        where = os.path.relpath(top, base)
        check_docs(where, docs, probs, args.k8s_version)
        total += len(docs)
        print(f"{where}: {len(docs)} objects rendered with {how}")
    for p in probs.items:
        print(f"FAIL {p}")
    print(f"{len(dirs)} kustomizations, {total} objects, "
          f"Kubernetes {args.k8s_version}: {len(probs.items)} problems")
    sys.exit(1 if probs.items else 0)


if __name__ == "__main__":
    main()
