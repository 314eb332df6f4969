# SPDX-License-Identifier: ISC
"""Offline checks of the container images and the laptop Compose file
(hadolint and docker are not available here):

- every marimba binary (marimba-consumer, marimba-grpc, the Kore module)
  and Locust has a docker/<name>/Dockerfile that builds it;
- each Dockerfile: base images pinned to a tag (not latest), a non-root
  USER in the final stage, every COPY source present in the repository and
  not excluded by .dockerignore, apt installs with --no-install-recommends
  and the lists removed;
- docker-compose.yml: every build context and Dockerfile exists, every
  bind-mounted file or folder exists, every service with a build has an
  image name, every depends_on names a service.

Prints every problem and exits 1 if there is one.
"""
import fnmatch
import os
import re
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IMAGES = {
    "consumer": "marimba-consumer",
    "grpc": "marimba-grpc",
    "kore": "marimba_kore",
    "locust": "locustfile.py",
}


def instructions(path):
    """(instruction, arguments) pairs with continuation lines joined."""
    out, cur = [], ""
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = line.rstrip("\n")
            if not cur and (not s.strip() or s.lstrip().startswith("#")):
                continue
            if s.endswith("\\"):
                cur += s[:-1] + " "
                continue
            cur += s
            word, _, rest = cur.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            cur = ""
    return out


def dockerignore():
    pats = []
    p = os.path.join(ROOT, ".dockerignore")
    if os.path.isfile(p):
        with open(p, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    pats.append(line.rstrip("/"))
    return pats


def ignored(path, pats):
    path = os.path.normpath(path)
    parts = path.split(os.sep)
    for pat in pats:
        for i in range(1, len(parts) + 1):
            if fnmatch.fnmatch(os.sep.join(parts[:i]), pat):
                return True
    return False


def check_dockerfile(name, path, probs, pats):
    w = os.path.relpath(path, ROOT)
    ins = instructions(path)
    text = open(path, encoding="utf-8").read()
    if IMAGES[name] not in text:
        probs.append(f"{w}: never mentions {IMAGES[name]}")
    stages = [i for i, (k, _) in enumerate(ins) if k == "FROM"]
    if not stages:
        probs.append(f"{w}: no FROM")
        return
    names = set()
    for k, a in ins:
        if k == "FROM":
            words = a.split()
            image = [x for x in words if not x.startswith("--")][0]
            if len(words) >= 3 and words[-2].upper() == "AS":
                names.add(words[-1])
            if image in names:
                continue
            if ":" not in image or image.endswith(":latest"):
                probs.append(f"{w}: base image {image} is not pinned to a "
                             "tag")
        if k in ("COPY", "ADD") and "--from=" not in a:
            srcs = [x for x in a.split() if not x.startswith("--")][:-1]
            for s in srcs:
                if s == ".":
                    continue
                if not os.path.exists(os.path.join(ROOT, s)):
                    probs.append(f"{w}: {k} source {s} does not exist")
                elif ignored(s, pats):
                    probs.append(f"{w}: {k} source {s} is excluded by "
                                 ".dockerignore")
        if k == "RUN" and "apt-get install" in a:
            if "--no-install-recommends" not in a:
                probs.append(f"{w}: apt-get install without "
                             "--no-install-recommends")
            if "rm -rf /var/lib/apt/lists" not in a:
                probs.append(f"{w}: apt lists not removed in the same RUN")
    final = ins[stages[-1]:]
    users = [a for k, a in final if k == "USER"]
    if not users:
        probs.append(f"{w}: the final stage has no USER (runs as root)")
    elif users[-1].split(":")[0] in ("0", "root"):
        probs.append(f"{w}: the final stage runs as root")


def check_compose(probs):
    path = os.path.join(ROOT, "docker-compose.yml")
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    services = doc.get("services") or {}
    for name, svc in services.items():
        w = f"docker-compose.yml service {name}"
        b = svc.get("build")
        if b:
            ctx = b if isinstance(b, str) else b.get("context", ".")
            if not os.path.isdir(os.path.join(ROOT, ctx)):
                probs.append(f"{w}: build context {ctx} does not exist")
            df = "Dockerfile" if isinstance(b, str) else \
                b.get("dockerfile", "Dockerfile")
            if not os.path.isfile(os.path.join(ROOT, ctx, df)):
                probs.append(f"{w}: Dockerfile {df} does not exist")
            if not svc.get("image"):
                probs.append(f"{w}: built without an image name")
        for v in svc.get("volumes", []) or []:
            src = v.split(":", 1)[0] if isinstance(v, str) else v.get("source")
            if src and src.startswith((".", "/")) and not os.path.exists(
                    os.path.join(ROOT, src)):
                probs.append(f"{w}: bind mount source {src} does not exist")
        deps = svc.get("depends_on") or []
        for d in (deps if isinstance(deps, list) else deps.keys()):
            if d not in services:
                probs.append(f"{w}: depends_on {d} is no service")


def main():
    probs, pats = [], dockerignore()
    for name in IMAGES:
        path = os.path.join(ROOT, "docker", name, "Dockerfile")
        if not os.path.isfile(path):
            probs.append(f"docker/{name}/Dockerfile is missing")
            continue
        check_dockerfile(name, path, probs, pats)
    check_compose(probs)
    for p in probs:
        print(f"FAIL {p}")
    print(f"{len(IMAGES)} Dockerfiles and docker-compose.yml: "
          f"{len(probs)} problems")
    sys.exit(1 if probs else 0)


if __name__ == "__main__":
    main()
