# SPDX-License-Identifier: ISC
"""kubeconform and kube-score over every rendered kustomization of k8s/
(k8s/base, k8s/locust, k8s/overlays/*), rendered as check_manifests.py
renders them (the pinned kustomize of scripts/deploy-tools).

- kubeconform -strict: built-in kinds against the Kubernetes K8S_VERSION
  schemas of the kubernetes-validate package (made standalone in a
  temporary folder: its files point at one shared definitions file),
  custom resources against tests/deploy/schemas (SOURCES.md says from
  which pinned CRDs). A resource without a schema is an error.
- kube-score: every finding (warning or critical) must be one of ALLOWED,
  each listed with its reason in docs/deploy-gke.md; any other finding,
  or an ALLOWED entry no render produces any more, fails.

The tools come from scripts/deploy-tools (go install, pinned versions).
Exits 77 (skipped) when Go is not installed.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import kubernetes_validate
import yaml

import check_manifests as cm

ROOT = cm.ROOT
K8S_VERSION = cm.K8S_VERSION
SCHEMAS = os.path.join(ROOT, "tests", "deploy", "schemas")
DOC = os.path.join(ROOT, "docs", "deploy-gke.md")

# kube-score findings left on purpose: (check id, object names, pattern
# the finding's summary must match) -> the reason, repeated in
# docs/deploy-gke.md ("Linter findings left").
ALL_APPS = {"kore", "grpc", "consumer-redis", "consumer-mongo", "grafana",
            "redis", "mongodb", "locust-master", "locust-worker", "audit"}
ALLOWED = {
    ("container-resources", frozenset(ALL_APPS), "CPU limit"):
        "no CPU limits: CFS quotas throttle latency-sensitive servers; "
        "CPU requests are set (the HPAs scale on them), memory limits too",
    ("container-image-pull-policy", frozenset(ALL_APPS), ""):
        "pinned release tags, so IfNotPresent is right; Always only adds "
        "a registry round trip to every restart",
    ("pod-networkpolicy", frozenset(ALL_APPS - {"redis", "mongodb"}),
     "does not have a matching NetworkPolicy"):
        "only the stores are fenced; the rest takes traffic from the load "
        "balancer, its health checkers and Managed Prometheus, which a "
        "default-deny would have to list by IP range",
    ("pod-networkpolicy", frozenset({"redis", "mongodb"}), "egress"):
        "the stores have an ingress policy; they open no connections, so "
        "an egress policy would add nothing",
    ("container-security-context-user-group-id",
     frozenset({"grafana", "redis", "mongodb"}), ""):
        "upstream images run as their own users (Grafana 472, Redis and "
        "MongoDB 999) that own their data directories",
    ("container-security-context-readonlyrootfilesystem",
     frozenset({"grafana", "mongodb", "locust-master", "locust-worker"}),
     ""):
        "they write outside their volumes (Grafana's plugin install, "
        "mongod's socket in /tmp, Locust's generated gRPC stubs); not "
        "changed without a cluster to prove it",
    ("deployment-has-host-podantiaffinity",
     frozenset({"kore", "grpc", "consumer-redis", "consumer-mongo",
                "locust-worker"}), ""):
        "topologySpreadConstraints by node (DoNotSchedule) and zone spread "
        "the replicas; kube-score 1.20 only looks at podAntiAffinity "
        "(Locust workers: a load tool, packing them is fine)",
    ("pod-probes-identical", frozenset({"kore"}), ""):
        "Kore's readiness and liveness both ask /healthz on purpose: "
        "readiness must not depend on Kafka (the page stays up), and "
        "/healthz is what says the process serves",
    ("deployment-replicas", frozenset({"grafana", "locust-master"}), ""):
        "one replica by design: Grafana's state is its provisioned files, "
        "Locust has one master",
    ("deployment-has-poddisruptionbudget", frozenset({"locust-worker"}),
     ""):
        "an on-demand load tool: evicting a worker only lowers the load",
}


class Problems(cm.Problems):
    pass


def tools():
    """The bin directory of scripts/deploy-tools, or None without Go."""
    if not shutil.which("go"):
        return None
    res = subprocess.run([os.path.join(ROOT, "scripts", "deploy-tools")],
                         capture_output=True, text=True)
    if res.returncode != 0:
        print(f"FAIL scripts/deploy-tools:\n{res.stderr}")
        sys.exit(1)
    return res.stdout.strip()


def k8s_schemas(version, kinds, outdir):
    """Standalone strict schemas for the built-in kinds (apiVersion,
    kind) in outdir, named as kubeconform's {{ResourceKind}}{{KindSuffix}}
    template expects. Only the definitions each one reaches are copied."""
    src = os.path.join(os.path.dirname(kubernetes_validate.__file__),
                       "kubernetes-json-schema", f"v{version}-local-strict")
    with open(os.path.join(src, "_definitions.json"), encoding="utf-8") as f:
        defs = json.load(f)["$defs"]
    prefix = "/api/_definitions.json#/$defs/"

    def refs(node, out):
        if isinstance(node, dict):
            r = node.get("$ref")
            name = None
            if isinstance(r, str):
                for p in (prefix, "#/$defs/"):
                    if r.startswith(p):
                        name = r[len(p):]
            if name is not None:
                if name not in out:
                    out.add(name)
                    refs(defs[name], out)
            for v in node.values():
                refs(v, out)
        elif isinstance(node, list):
            for v in node:
                refs(v, out)

    for api, kind in sorted(kinds):
        group, _, ver = api.rpartition("/")
        suffix = f"-{group.split('.')[0]}-{ver}" if group else f"-{ver}"
        name = f"{kind.lower()}{suffix}.json"
        with open(os.path.join(src, name), encoding="utf-8") as f:
            schema = json.load(f)
        need = set()
        refs(schema, need)
        schema.pop("$id", None)
        schema["$defs"] = {n: defs[n] for n in sorted(need)}
        text = json.dumps(schema).replace(f'"{prefix}', '"#/$defs/')
        with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
            f.write(text)


def kubeconform(binary, path, schema_dir, where, probs):
    res = subprocess.run(
        [binary, "-strict", "-summary", "-output", "json",
         "-schema-location",
         os.path.join(schema_dir, "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
         "-schema-location",
         os.path.join(SCHEMAS, "{{ .Group }}",
                      "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"),
         path], capture_output=True, text=True)
    try:
        out = json.loads(res.stdout)
    except json.JSONDecodeError:
        probs.add(where, f"kubeconform: {res.stdout}{res.stderr}")
        return 0
    for r in out.get("resources", []):
        if r.get("status") != "statusValid":
            probs.add(f"{where} {r.get('kind')}/{r.get('name')}",
                      f"kubeconform: {r.get('msg')}")
    return sum((out.get("summary") or {}).values())


def kube_score(binary, path, where, probs, used):
    res = subprocess.run(
        [binary, "score", "--output-format", "json", "--kubernetes-version",
         "v" + ".".join(K8S_VERSION.split(".")[:2]), path],
        capture_output=True, text=True)
    try:
        objects = json.loads(res.stdout)
    except json.JSONDecodeError:
        probs.add(where, f"kube-score: {res.stdout}{res.stderr}")
        return 0
    found = 0
    for o in objects:
        name = o["object_name"].rsplit("/", 1)[-1]
        kind = o["type_meta"]["kind"]
        for c in o.get("checks", []):
            if c.get("skipped") or c.get("grade", 10) >= 10:
                continue
            found += 1
            cid = c["check"]["id"]
            why = "; ".join(x.get("summary", "") for x in
                            c.get("comments") or [])
            key = next((k for k in ALLOWED if k[0] == cid and
                        name in k[1] and re.search(k[2], why)), None)
            if key:
                used.add(key)
                continue
            probs.add(f"{where} {kind}/{name}", f"kube-score {cid}: {why}")
    return found


def check_doc(probs):
    """Every allowed finding is listed in docs/deploy-gke.md, and the
    Strimzi release it installs is the one the CRD schemas come from."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    with open(os.path.join(SCHEMAS, "SOURCES.md"), encoding="utf-8") as f:
        pinned = re.search(r"Strimzi \*\*([0-9.]+)\*\*", f.read())
    installs = set(re.findall(r"strimzi-kafka-operator \\\n\s*--version "
                              r"(\S+)", text)) | set(re.findall(
        r"strimzi-cluster-operator-([0-9][0-9.]*[0-9])\.yaml", text))
    if not pinned or installs != {pinned.group(1)}:
        probs.add("docs/deploy-gke.md", f"installs Strimzi {sorted(installs)}"
                  f", the schemas come from {pinned and pinned.group(1)} "
                  "(tests/deploy/schemas/SOURCES.md)")
    for cid, _, _ in ALLOWED:
        if not re.search(r"^\|\s*`" + re.escape(cid) + r"`", text, re.M):
            probs.add("docs/deploy-gke.md", f"the kube-score finding {cid} "
                      "left on purpose is not in its table")


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", default=ROOT,
                    help="repository (or copy) whose k8s/ to check")
    args = ap.parse_args()
    base = os.path.abspath(args.root)
    bindir = tools()
    if bindir is None:
        print("check_linters: SKIP: go is not installed")
        return 77
    probs = Problems()
    _, standins = cm.check_kustomizations(base, probs)
    tops = [os.path.join(base, "k8s", "base"),
            os.path.join(base, "k8s", "locust")]
    ov = os.path.join(base, "k8s", "overlays")
    tops += sorted(os.path.join(ov, o) for o in os.listdir(ov)
                   if cm.kustomization_file(os.path.join(ov, o)))
    used = set()
    with tempfile.TemporaryDirectory(prefix="marimba-lint-") as tmp:
        rendered, kinds = [], set()
        for top in tops:
            where = os.path.relpath(top, base)
            docs, how = cm.render(base, top, standins, probs)
            if how == "mini-render":
                probs.add(where, "rendered without kustomize: "
                          "scripts/deploy-tools did not install it")
            path = os.path.join(tmp, where.replace("/", "_") + ".yaml")
            with open(path, "w", encoding="utf-8") as f:
                yaml.safe_dump_all(docs, f, sort_keys=False)
            rendered.append((where, path))
            kinds |= {(d["apiVersion"], d["kind"]) for d in docs
                      if d.get("apiVersion") in cm.BUILTIN_GROUPS}
        schema_dir = os.path.join(tmp, "k8s-schemas")
        os.makedirs(schema_dir)
        k8s_schemas(K8S_VERSION, kinds, schema_dir)
        for where, path in rendered:
            n = kubeconform(os.path.join(bindir, "kubeconform"), path,
                            schema_dir, where, probs)
            f = kube_score(os.path.join(bindir, "kube-score"), path, where,
                           probs, used)
            print(f"{where}: kubeconform {n} resources, kube-score {f} "
                  "findings")
    for key in sorted(set(ALLOWED) - used):
        probs.add("check_linters.py", f"ALLOWED {key[0]} matched no finding "
                  "any more: remove it here and in docs/deploy-gke.md")
    check_doc(probs)
    for p in probs.items:
        print(f"FAIL {p}")
    print(f"linters: {len(rendered)} renders, {len(probs.items)} problems")
    return 1 if probs.items else 0


if __name__ == "__main__":
    sys.exit(main())
