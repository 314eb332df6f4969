# SPDX-License-Identifier: ISC
"""The deployment rules of marimba on GKE that no generic linter knows,
checked on each rendered kustomization by check_manifests.py:

- autoscaling owns its replicas: no spec.replicas on a Deployment an HPA
  targets; the consumers' HPAs add pods slowly (each change is a group
  rebalance); one consumer Deployment per sink (--sink redis / mongo);
- disruption and placement: PDBs with unhealthyPodEvictionPolicy
  AlwaysAllow, topology spread by zone and by node for every autoscaled
  Deployment;
- the stores: NetworkPolicies let exactly the listed workloads reach Redis
  and MongoDB, Redis requires a password from the Secret and every client
  of it has that password, StatefulSets have a headless governing Service;
- routing on GKE: appProtocol values GKE knows, no GRPCRoute on a GKE
  Gateway (its controller does not implement it) nor next to an HTTPRoute
  for the same host, every gRPC service of proto/vote.proto routed to an
  h2c backend, no Kafka-dependent /readyz in a readiness probe or a load
  balancer check (the page must stay up when only Kafka is down);
- Grafana installs its plugin with GF_PLUGINS_PREINSTALL_SYNC only;
- Locust: an image from a registry, load through the Gateway (TLS).

Every rule reports through probs.add(where, message).
"""
import re

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}

# Who may reach each store (NetworkPolicy ingress), by the
# app.kubernetes.io/name of the pods. Grafana only reads Redis (dashboard);
# the logging sink writes the log window to Redis after each insert.
# (marimba-audit's CronJob is let in too; its pods are no workload here.)
STORE_CLIENTS = {
    "redis": {"kore", "consumer-redis", "consumer-mongo", "grafana"},
    "mongodb": {"kore", "consumer-mongo"},
}
REDIS_PASSWORD_KEY = "MARIMBA_REDIS_PASSWORD"
SINKS = {"redis", "mongo"}
# GKE's Gateway reads these Service appProtocol values (anything else:
# HTTP/1.1 to the pods).
GKE_APP_PROTOCOLS = {"HTTP", "HTTPS", "HTTP2", "kubernetes.io/h2c",
                     "kubernetes.io/ws", "kubernetes.io/wss"}
ZONE, HOST = "topology.kubernetes.io/zone", "kubernetes.io/hostname"


def get(d, *path, default=None):
    for p in path:
        if isinstance(d, dict) and p in d:
            d = d[p]
        elif isinstance(d, list) and isinstance(p, int) and p < len(d):
            d = d[p]
        else:
            return default
    return d


def name_of(d):
    return get(d, "metadata", "name")


def pod_labels(d):
    return get(d, "spec", "template", "metadata", "labels", default={}) or {}


def containers(d):
    spec = get(d, "spec", "template", "spec", default={}) or {}
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def selector_matches(sel, labels):
    """A LabelSelector (matchLabels and matchExpressions) against labels;
    an empty selector matches everything."""
    sel = sel or {}
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        k, op, vals = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(k) not in vals:
            return False
        if op == "NotIn" and labels.get(k) in vals:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


def workloads(docs):
    return [d for d in docs if d.get("kind") in WORKLOADS]


def app_name(d):
    return pod_labels(d).get("app.kubernetes.io/name") or name_of(d)


def find(docs, kind, name):
    return next((d for d in docs if d.get("kind") == kind and
                 name_of(d) == name), None)


def secret_named(docs, name):
    """A Secret by its generator name (kustomize may add a hash)."""
    return next((d for d in docs if d.get("kind") == "Secret" and
                 (name_of(d) == name or
                  re.fullmatch(re.escape(name) + r"-[a-z0-9]{10}",
                               name_of(d) or ""))), None)


# --- autoscaling ---------------------------------------------------------

def check_autoscaling(docs, where, probs, partitions):
    hpas = [d for d in docs if d.get("kind") == "HorizontalPodAutoscaler"]
    targeted = {}
    for h in hpas:
        ref = get(h, "spec", "scaleTargetRef", default={})
        targeted[(ref.get("kind"), ref.get("name"))] = h
    for d in workloads(docs):
        h = targeted.get((d["kind"], name_of(d)))
        if h is None:
            continue
        w = f"{where} {d['kind']}/{name_of(d)}"
        if get(d, "spec", "replicas") is not None:
            probs.add(w, f"sets spec.replicas while HorizontalPodAutoscaler/"
                      f"{name_of(h)} owns them: every apply resets the "
                      "count")
        check_spread(d, w, probs)
    consumers = [d for d in workloads(docs)
                 if any("marimba-consumer" in (c.get("image") or "")
                        for c in containers(d))]
    sinks = {}
    for d in consumers:
        w = f"{where} {d['kind']}/{name_of(d)}"
        args = [a for c in containers(d) for a in (c.get("args") or [])]
        sink = args[args.index("--sink") + 1] if "--sink" in args and \
            args.index("--sink") + 1 < len(args) else None
        if sink not in SINKS:
            probs.add(w, f"runs marimba-consumer without --sink "
                      f"{'|'.join(sorted(SINKS))} (args {args})")
            continue
        if sink in sinks:
            probs.add(w, f"a second Deployment for sink {sink} "
                      f"({sinks[sink]})")
        sinks[sink] = name_of(d)
        h = targeted.get((d["kind"], name_of(d)))
        if h is None:
            probs.add(w, "no HorizontalPodAutoscaler")
            continue
        check_consumer_hpa(h, f"{where} HorizontalPodAutoscaler/"
                           f"{name_of(h)}", probs, partitions)
    if consumers and set(sinks) != SINKS:
        probs.add(where, f"consumer sinks {sorted(sinks)}, want "
                  f"{sorted(SINKS)} (one Deployment each)")


def check_consumer_hpa(h, w, probs, partitions):
    if partitions and get(h, "spec", "maxReplicas", default=0) > partitions:
        probs.add(w, f"maxReplicas {get(h, 'spec', 'maxReplicas')} exceeds "
                  f"the {partitions} partitions: the extra consumers idle")
    up = get(h, "spec", "behavior", "scaleUp", default={}) or {}
    if up.get("selectPolicy") == "Disabled":
        return
    # Without policies the default allows doubling every 15 s: a
    # rebalance storm. Allowed: at most one pod per minute. A Percent
    # policy has no bound in pods.
    rates = []
    for p in up.get("policies") or []:
        if p.get("type") == "Pods" and p.get("periodSeconds"):
            rates.append(p.get("value", 0) * 60.0 / p["periodSeconds"])
        else:
            rates.append(float("inf"))
    rate = (min(rates) if up.get("selectPolicy") == "Min" else
            max(rates)) if rates else float("inf")
    if rate > 1.0:
        probs.add(w, "spec.behavior.scaleUp must add at most one consumer "
                  "per minute (Pods policies; each change rebalances the "
                  f"group): {up or 'default policy'}")


def check_spread(d, w, probs):
    tsc = get(d, "spec", "template", "spec", "topologySpreadConstraints",
              default=[]) or []
    for key in (ZONE, HOST):
        c = next((c for c in tsc if c.get("topologyKey") == key), None)
        if c is None:
            probs.add(w, f"no topologySpreadConstraints on {key}: its "
                      "replicas may share a " +
                      ("zone" if key == ZONE else "node"))
        elif not selector_matches(c.get("labelSelector"), pod_labels(d)) \
                or not c.get("labelSelector"):
            probs.add(w, f"topology spread on {key}: labelSelector does "
                      "not select its own pods")


def check_pdbs(docs, where, probs):
    for p in docs:
        if p.get("kind") != "PodDisruptionBudget":
            continue
        if get(p, "spec", "unhealthyPodEvictionPolicy") != "AlwaysAllow":
            probs.add(f"{where} PodDisruptionBudget/{name_of(p)}",
                      "unhealthyPodEvictionPolicy must be AlwaysAllow: "
                      "unready pods (Kafka down) would block node drains")


# --- the stores ------------------------------------------------------------

def check_network_policies(docs, where, probs):
    pols = [d for d in docs if d.get("kind") == "NetworkPolicy"]
    wl = workloads(docs)
    for store, allowed in STORE_CLIENTS.items():
        pods = [d for d in wl if app_name(d) == store]
        if not pods:
            continue
        labels = pod_labels(pods[0])
        w = f"{where} {pods[0]['kind']}/{name_of(pods[0])}"
        mine = [p for p in pols if selector_matches(
            get(p, "spec", "podSelector"), labels) and "Ingress" in (
                get(p, "spec", "policyTypes") or ["Ingress"])]
        if not mine:
            probs.add(w, "no NetworkPolicy restricts who connects: any pod "
                      "of the cluster reaches it")
            continue
        reach = set()
        for p in mine:
            for rule in get(p, "spec", "ingress", default=[]) or []:
                froms = rule.get("from")
                if not froms:
                    reach.add("*everyone*")
                    continue
                for f in froms:
                    if "ipBlock" in f or "podSelector" not in f or \
                            "namespaceSelector" in f:
                        reach.add(f"*{sorted(f)}*")
                        continue
                    for d in wl:
                        if selector_matches(f["podSelector"], pod_labels(d)):
                            reach.add(app_name(d))
        reach.discard(store)
        if reach != allowed:
            probs.add(w, f"NetworkPolicy lets {sorted(reach)} connect, "
                      f"want exactly {sorted(allowed)}")


def env_from_secret(c, var):
    for e in c.get("env") or []:
        if e.get("name") == var:
            return get(e, "valueFrom", "secretKeyRef")
    return None


def check_redis_auth(docs, where, probs):
    wl = workloads(docs)
    redis = next((d for d in wl if app_name(d) == "redis"), None)
    if redis is None:
        return
    w = f"{where} {redis['kind']}/{name_of(redis)}"
    c = (containers(redis) or [{}])[0]
    args = c.get("args") or []
    if "--requirepass" not in args:
        probs.add(w, "Redis runs without --requirepass: any client writes "
                  "the tallies")
    else:
        i = args.index("--requirepass") + 1
        ref = env_from_secret(c, REDIS_PASSWORD_KEY)
        if i >= len(args) or args[i] != f"$({REDIS_PASSWORD_KEY})" or \
                not ref or ref.get("key") != REDIS_PASSWORD_KEY:
            probs.add(w, f"--requirepass must be $({REDIS_PASSWORD_KEY}) "
                      "from the Secret's key " + REDIS_PASSWORD_KEY)
    for d in wl:
        if app_name(d) not in STORE_CLIENTS["redis"]:
            continue
        for cc in containers(d):
            ref = env_from_secret(cc, REDIS_PASSWORD_KEY)
            if not ref or ref.get("key") != REDIS_PASSWORD_KEY:
                probs.add(f"{where} {d['kind']}/{name_of(d)} container "
                          f"{cc.get('name')}", f"reaches Redis without "
                          f"{REDIS_PASSWORD_KEY} from the Secret")
    sec = secret_named(docs, "marimba-secrets")
    if sec is not None and REDIS_PASSWORD_KEY not in set(
            (sec.get("data") or {})) | set(sec.get("stringData") or {}):
        probs.add(f"{where} Secret/{name_of(sec)}",
                  f"has no {REDIS_PASSWORD_KEY}")


def check_statefulsets(docs, where, probs):
    for s in docs:
        if s.get("kind") != "StatefulSet":
            continue
        w = f"{where} StatefulSet/{name_of(s)}"
        svc = find(docs, "Service", get(s, "spec", "serviceName"))
        if svc is None:
            probs.add(w, f"serviceName {get(s, 'spec', 'serviceName')!r} "
                      "is no Service here")
        elif get(svc, "spec", "clusterIP") != "None":
            probs.add(w, f"Service/{name_of(svc)} must be headless "
                      "(clusterIP: None) to govern the StatefulSet")


# --- routing ---------------------------------------------------------------

def check_routing(docs, where, probs, proto_services):
    for s in docs:
        if s.get("kind") != "Service":
            continue
        for p in get(s, "spec", "ports", default=[]) or []:
            ap = p.get("appProtocol")
            if ap is not None and ap not in GKE_APP_PROTOCOLS:
                probs.add(f"{where} Service/{name_of(s)}",
                          f"port {p.get('port')} appProtocol {ap!r} is not "
                          f"one GKE knows ({sorted(GKE_APP_PROTOCOLS)})")
    gws = {name_of(g): g for g in docs if g.get("kind") == "Gateway"}
    gke = {n for n, g in gws.items()
           if str(get(g, "spec", "gatewayClassName", default="")).startswith(
               "gke-l7")}
    grpc_routes = [r for r in docs if r.get("kind") == "GRPCRoute"]
    http_routes = [r for r in docs if r.get("kind") == "HTTPRoute"]
    for r in grpc_routes:
        w = f"{where} GRPCRoute/{name_of(r)}"
        parents = {(p.get("name"), p.get("sectionName"))
                   for p in get(r, "spec", "parentRefs", default=[]) or []}
        if any(n in gke for n, _ in parents):
            probs.add(w, "GKE's Gateway controller does not implement "
                      "GRPCRoute: route gRPC with an HTTPRoute path rule")
        hosts = set(get(r, "spec", "hostnames", default=[]) or [])
        for h in http_routes:
            hp = {(p.get("name"), p.get("sectionName"))
                  for p in get(h, "spec", "parentRefs", default=[]) or []}
            hh = set(get(h, "spec", "hostnames", default=[]) or [])
            if parents & hp and (hosts & hh or not hosts or not hh):
                probs.add(w, f"shares listener and host name with "
                          f"HTTPRoute/{name_of(h)}: only one of them would "
                          "be accepted")
    if not gws:
        return
    routed = set()
    for r in http_routes + grpc_routes:
        for rule in get(r, "spec", "rules", default=[]) or []:
            backends = rule.get("backendRefs") or []
            h2c = bool(backends) and all(backend_is_h2c(docs, b)
                                         for b in backends)
            for m in rule.get("matches") or []:
                if r.get("kind") == "GRPCRoute":
                    svc = get(m, "method", "service")
                else:
                    path = get(m, "path", default={}) or {}
                    svc = None
                    if path.get("type") == "PathPrefix":
                        svc = path.get("value", "").strip("/") or None
                if svc in proto_services:
                    if h2c:
                        routed.add(svc)
                    else:
                        probs.add(f"{where} {r['kind']}/{name_of(r)}",
                                  f"routes {svc} to a backend without "
                                  "appProtocol kubernetes.io/h2c (gRPC "
                                  "needs HTTP/2 to the pods)")
    for svc in sorted(proto_services - routed):
        probs.add(where, f"no route takes gRPC service {svc} through the "
                  "Gateway")


def backend_is_h2c(docs, b):
    s = find(docs, "Service", b.get("name"))
    return s is not None and any(
        p.get("port") == b.get("port") and
        p.get("appProtocol") == "kubernetes.io/h2c"
        for p in get(s, "spec", "ports", default=[]) or [])


def check_health_paths(docs, where, probs):
    for d in workloads(docs):
        for c in containers(d):
            if get(c, "readinessProbe", "httpGet", "path") == "/readyz":
                probs.add(f"{where} {d['kind']}/{name_of(d)}",
                          "readiness on /readyz takes every pod out of "
                          "the Service while Kafka is down: the page goes "
                          "dark (use /healthz)")
    for p in docs:
        if p.get("kind") == "HealthCheckPolicy" and get(
                p, "spec", "default", "config", "httpHealthCheck",
                "requestPath") == "/readyz":
            probs.add(f"{where} HealthCheckPolicy/{name_of(p)}",
                      "the load balancer checks /readyz: the page goes "
                      "dark when only Kafka is down (use /healthz)")


# --- Grafana and Locust --------------------------------------------------

def env_names(c):
    return {e.get("name"): e for e in c.get("env") or []}


def check_grafana_env(docs, where, probs):
    for d in workloads(docs):
        for c in containers(d):
            if not (c.get("image") or "").startswith("grafana/grafana"):
                continue
            env = env_names(c)
            w = f"{where} {d['kind']}/{name_of(d)}"
            if "GF_INSTALL_PLUGINS" in env:
                probs.add(w, "GF_INSTALL_PLUGINS is deprecated: "
                          "GF_PLUGINS_PREINSTALL_SYNC only")
            if "GF_PLUGINS_PREINSTALL_SYNC" not in env:
                probs.add(w, "no GF_PLUGINS_PREINSTALL_SYNC: the Redis data "
                          "source plugin is missing at provisioning")


def check_locust(docs, where, probs):
    for d in workloads(docs):
        for c in containers(d):
            image = c.get("image") or ""
            if "locust" not in image:
                continue
            w = f"{where} {d['kind']}/{name_of(d)}"
            first = image.split("/", 1)[0] if "/" in image else ""
            if "." not in first and ":" not in first:
                probs.add(w, f"image {image!r} names no registry: a cluster "
                          "cannot pull it")
            args = c.get("args") or []
            env = {k: (v or {}).get("value") for k, v in
                   env_names(c).items()}
            if "--host" in args:
                host = args[args.index("--host") + 1] \
                    if args.index("--host") + 1 < len(args) else ""
                if not host.startswith("https://") or \
                        "." not in host[len("https://"):]:
                    probs.add(w, f"--host {host!r}: Locust must load the "
                              "Gateway (https://<public host>), not an "
                              "in-cluster Service")
            grpc = env.get("MARIMBA_LOCUST_GRPC") or ""
            if grpc and ("." not in grpc.split(":")[0] or
                         env.get("MARIMBA_LOCUST_GRPC_TLS") != "1"):
                probs.add(w, f"MARIMBA_LOCUST_GRPC {grpc!r}: gRPC load must "
                          "go through the Gateway with TLS "
                          "(MARIMBA_LOCUST_GRPC_TLS=1)")


def check_all(docs, where, probs, proto_services, partitions):
    check_autoscaling(docs, where, probs, partitions)
    check_pdbs(docs, where, probs)
    check_network_policies(docs, where, probs)
    check_redis_auth(docs, where, probs)
    check_statefulsets(docs, where, probs)
    check_routing(docs, where, probs, proto_services)
    check_health_paths(docs, where, probs)
    check_grafana_env(docs, where, probs)
    check_locust(docs, where, probs)
