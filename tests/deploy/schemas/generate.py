# SPDX-License-Identifier: ISC
"""Turns CustomResourceDefinition YAML into the JSON schemas kubeconform
reads (tests/deploy/check_linters.py), strict like kubeconform's own
openapi2jsonschema: objects with declared properties admit no others
(unless x-kubernetes-preserve-unknown-fields), int-or-string becomes
integer|string, nullable admits null. Descriptions are dropped (size).

    python3 generate.py OUTDIR CRD.yaml...

writes OUTDIR/<group>/<kind>_<version>.json for every served version.
SOURCES.md beside this file names the pinned CRDs the committed schemas
come from.
"""
import json
import os
import sys

import yaml


def strict(node, branch=False):
    """branch: node is one alternative of oneOf/anyOf/allOf/not, which
    constrains some properties of the object the parent schema closes."""
    if isinstance(node, list):
        return [strict(n, branch) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k in ("description", "x-kubernetes-validations"):
            continue
        if k in ("enum", "default", "example", "required"):
            out[k] = v
        elif k in ("oneOf", "anyOf", "allOf", "not"):
            out[k] = strict(v, True)
        elif k == "properties":
            out[k] = {n: strict(sv) for n, sv in v.items()}
        else:
            out[k] = strict(v)
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["oneOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and \
            not preserve and not branch:
        out["additionalProperties"] = False
    for k in [k for k in out if k.startswith("x-kubernetes-")]:
        del out[k]
    return out


def main():
    outdir, paths = sys.argv[1], sys.argv[2:]
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for crd in yaml.safe_load_all(f):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                spec = crd["spec"]
                group, kind = spec["group"], spec["names"]["kind"].lower()
                for v in spec["versions"]:
                    if not v.get("served", True):
                        continue
                    schema = strict(v["schema"]["openAPIV3Schema"])
                    d = os.path.join(outdir, group)
                    os.makedirs(d, exist_ok=True)
                    out = os.path.join(d, f"{kind}_{v['name']}.json")
                    with open(out, "w", encoding="utf-8") as f:
                        json.dump(schema, f, separators=(",", ":"),
                                  sort_keys=True)
                        f.write("\n")
                    print(out)


if __name__ == "__main__":
    main()
