# SPDX-License-Identifier: ISC
"""What Grafana draws from a Redis panel, reproduced in Python: the data
frames the redis-datasource plugin (2.2.0, the version k8s/grafana
installs) builds for each command, the dashboard transformations applied
to them in order, and what each visualization then needs.

Frame shapes, from the plugin's Go source (pkg/query.go, redis-hash.go,
redis-stream.go, data-frame.go):
  GET key      one field "Value": float64 if the string parses as a float,
               else string (createFrameValue).
  HGETALL key  since 1.3.0 one row, one field per hash field, named by it:
               float64 if the value parses, else string. No Field/Value
               columns.
  XRANGE key   "$streamId" (string), "$time" (time, the id's milliseconds),
               then one field per entry field (float64 if the first value
               parses, else string; 0 / "" where an entry lacks it); range
               <from ms>-0 .. <to ms>-0 of the dashboard unless start/end.

Transformations, from Grafana's packages/grafana-data transformers: only
the ones the dashboard uses are implemented, any other fails the check.

A frame here is {"name": str, "fields": [{"name", "type", "values"}]},
type one of "number", "string", "time".
"""
import math
import re

# Go's strconv.ParseFloat accepts what Python's float() accepts, minus
# surrounding blanks and digit underscores (outside base prefixes).
_GO_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?"
                       r"|[iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])$")


class FrameError(Exception):
    pass


def go_parse_float(s):
    """The float strconv.ParseFloat(s, 64) returns, or None on error."""
    if not isinstance(s, str) or not _GO_FLOAT.match(s):
        return None
    return float(s)


def field(name, ftype, values):
    return {"name": name, "type": ftype, "values": list(values)}


def value_field(name, raw):
    v = go_parse_float(raw)
    return field(name, "number", [v]) if v is not None else \
        field(name, "string", [raw])


# --- the plugin -----------------------------------------------------------

def plugin_frames(r, target, key, time_range):
    """Runs target's command on the real Redis r (decode_responses=True)
    for key and returns the plugin's frames."""
    if target.get("query"):
        raise FrameError(f"custom query {target['query']!r}: not reproduced")
    cmd = target.get("command")
    if cmd == "get":
        raw = r.execute_command("GET", key)
        return [{"name": key, "fields": [value_field("Value",
                                                     raw or "")]}]
    if cmd == "hgetall":
        flat = r.execute_command("HGETALL", key)
        if isinstance(flat, dict):          # RESP3 / client-side mapping
            pairs = list(flat.items())
        else:
            pairs = list(zip(flat[0::2], flat[1::2]))
        return [{"name": "hgetall",
                 "fields": [value_field(k, v) for k, v in pairs]}]
    if cmd == "xrange":
        start = target.get("start") or f"{time_range[0]}-0"
        end = target.get("end") or f"{time_range[1]}-0"
        args = ["XRANGE", key, start, end]
        if int(target.get("count") or 0) > 0:
            args += ["COUNT", int(target["count"])]
        return [xrange_frame(cmd, r.execute_command(*args))]
    raise FrameError(f"command {cmd!r} is not reproduced by this test")


def xrange_frame(name, entries):
    ids, times = field("$streamId", "string", []), field("$time", "time", [])
    fields, order = {}, []
    for eid, kv in entries:
        ids["values"].append(eid)
        times["values"].append(int(eid.split("-")[0]))
        if isinstance(kv, dict):
            kv = [x for p in kv.items() for x in p]
        seen = set()
        for k, v in zip(kv[0::2], kv[1::2]):
            fv = go_parse_float(v)
            if k not in fields:
                ftype = "number" if fv is not None else "string"
                fields[k] = field(k, ftype, [0.0 if ftype == "number"
                                             else ""] *
                                  (len(ids["values"]) - 1))
                order.append(k)
            f = fields[k]
            if f["type"] == "number":
                # The plugin appends the failed parse's 0.
                f["values"].append(fv if fv is not None else 0.0)
            else:
                f["values"].append(v)
            seen.add(k)
        for k, f in fields.items():
            if k not in seen:
                f["values"].append(0.0 if f["type"] == "number" else "")
    return {"name": name, "fields": [ids, times] + [fields[k] for k in
                                                   order]}


# --- Grafana's transformations ---------------------------------------------

REDUCERS = {
    # id: (display name, function over the non-null values)
    "max": ("Max", lambda v: max(v) if v else None),
    "min": ("Min", lambda v: min(v) if v else None),
    "sum": ("Total", lambda v: sum(v)),
    "mean": ("Mean", lambda v: sum(v) / len(v) if v else None),
    "last": ("Last", None),
    "lastNotNull": ("Last *", lambda v: v[-1] if v else None),
    "count": ("Count", None),
}


def reduce_values(fld, rid):
    vals = fld["values"]
    if rid == "last":
        return vals[-1] if vals else None
    if rid == "count":
        return len(vals)
    nums = [v for v in vals if v is not None and not (
        isinstance(v, float) and math.isnan(v))]
    if fld["type"] != "number":
        # Grafana's numeric reducers skip non-numbers; lastNotNull keeps
        # the last non-null of any type.
        if rid == "lastNotNull":
            return nums[-1] if nums else None
        return None
    return REDUCERS[rid][1](nums)


def guess_type(values):
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                      for v in values if v is not None) and \
            any(v is not None for v in values):
        return "number"
    if values and all(isinstance(v, str) for v in values if v is not None):
        return "string"
    return "other"


def t_reduce(frames, opt):
    reducers = opt.get("reducers") or []
    if not reducers:
        return frames
    if opt.get("fields"):
        raise FrameError("reduce: a fields matcher is not reproduced")
    for rid in reducers:
        if rid not in REDUCERS:
            raise FrameError(f"reduce: reducer {rid!r} is not reproduced")
    mode = opt.get("mode", "seriesToRows")
    if mode == "reduceFields":
        out = []
        for fr in frames:
            fields = []
            for f in fr["fields"]:
                if f["type"] == "time" and not opt.get("includeTimeField"):
                    continue
                for rid in reducers:
                    v = reduce_values(f, rid)
                    fields.append(dict(f, values=[v],
                                       type=guess_type([v])))
            if fields:
                out.append(dict(fr, fields=fields))
        return out
    if mode != "seriesToRows":
        raise FrameError(f"reduce: mode {mode!r}")
    merged = None
    for fr in frames:
        src = [f for f in fr["fields"] if f["type"] != "time"]
        names = field("Field", "string", [display_name(f, fr, frames)
                                          for f in src])
        calcs = [field(REDUCERS[rid][0], "other",
                       [reduce_values(f, rid) for f in src])
                 for rid in reducers]
        for c in calcs:
            c["type"] = guess_type(c["values"]) if c["values"] else "other"
        cur = {"name": fr.get("name"), "fields": [names] + calcs}
        if merged is None:
            merged = cur
            continue
        for i, bf in enumerate(merged["fields"]):
            for j, f in enumerate(cur["fields"]):
                if (i == 0 and j == 0) or (bf["type"] == f["type"] and
                                           bf["name"] == f["name"]):
                    bf["values"] = bf["values"] + f["values"]
    if merged is None:
        return []
    merged["name"] = None
    return [merged]


def display_name(f, fr, frames):
    """getFieldDisplayName for the fields here: no config, no labels. A
    lone "Value" field takes its frame's name (as Grafana does for a
    single-value frame)."""
    if f["name"] == "Value" and fr.get("name") and len(frames) >= 1:
        return fr["name"]
    return f["name"]


def t_organize(frames, opt):
    exclude = opt.get("excludeByName") or {}
    index = opt.get("indexByName") or {}
    rename = opt.get("renameByName") or {}
    out = []
    for fr in frames:
        fields = [f for f in fr["fields"] if not exclude.get(f["name"])]
        if index:
            fields.sort(key=lambda f: index.get(f["name"], 1 << 30))
        fields = [dict(f, name=rename.get(f["name"]) or f["name"])
                  for f in fields]
        out.append(dict(fr, fields=fields))
    return out


def t_convert(frames, opt):
    out = []
    for fr in frames:
        fields = []
        for f in fr["fields"]:
            f = dict(f)
            for c in opt.get("conversions") or []:
                if c.get("targetField") != f["name"]:
                    continue
                dest = c.get("destinationType")
                if dest == "number":
                    f["values"] = [v if isinstance(v, (int, float)) else
                                   (go_parse_float(str(v)) if v is not None
                                    else None) for v in f["values"]]
                    f["type"] = "number"
                elif dest == "string":
                    f["values"] = [None if v is None else
                                   (f"{v:g}" if isinstance(v, float)
                                    else str(v)) for v in f["values"]]
                    f["type"] = "string"
                else:
                    raise FrameError(f"convertFieldType to {dest!r}")
            fields.append(f)
        out.append(dict(fr, fields=fields))
    return out


def t_sort_by(frames, opt):
    sorts = opt.get("sort") or []
    if not sorts:
        return frames
    s = sorts[0]
    out = []
    for fr in frames:
        key = next((f for f in fr["fields"] if f["name"] == s.get("field")),
                   None)
        if key is None:
            out.append(fr)          # Grafana: nothing to sort by
            continue
        order = sorted(range(len(key["values"])),
                       key=lambda i: (key["values"][i] is None,
                                      key["values"][i]),
                       reverse=bool(s.get("desc")))
        out.append(dict(fr, fields=[dict(f, values=[f["values"][i]
                                                     for i in order])
                                    for f in fr["fields"]]))
    return out


def t_rows_to_fields(frames, opt):
    out = []
    for fr in frames:
        maps = {m.get("fieldName"): m.get("handlerKey")
                for m in opt.get("mappings") or []}
        by = {f["name"]: f for f in fr["fields"]}
        name_f = next((by[n] for n, h in maps.items()
                       if h == "field.name" and n in by), None)
        value_f = next((by[n] for n, h in maps.items()
                        if h == "field.value" and n in by), None)
        if not maps:
            name_f = next((f for f in fr["fields"]
                           if f["type"] == "string"), None)
            value_f = next((f for f in fr["fields"]
                            if f["type"] == "number"), None)
        if name_f is None or value_f is None:
            out.append(fr)          # Grafana returns the data unchanged
            continue
        out.append(dict(fr, fields=[
            field(str(n), value_f["type"], [v])
            for n, v in zip(name_f["values"], value_f["values"])]))
    return out


TRANSFORMS = {
    "reduce": t_reduce,
    "organize": t_organize,
    "convertFieldType": t_convert,
    "sortBy": t_sort_by,
    "rowsToFields": t_rows_to_fields,
}


def transform(frames, transformations):
    for t in transformations or []:
        if t.get("disabled"):
            continue
        fn = TRANSFORMS.get(t.get("id"))
        if fn is None:
            raise FrameError(f"transformation {t.get('id')!r} is not "
                             "reproduced by this test")
        frames = fn(frames, t.get("options") or {})
    return frames


# --- what the visualizations need ----------------------------------------

def reduced_values(panel, frames):
    """stat / piechart with reduceOptions.values false: one value per
    numeric field, reduced by the first calc. {display name: value}."""
    ro = (panel.get("options") or {}).get("reduceOptions") or {}
    if ro.get("values"):
        raise FrameError("reduceOptions.values true is not reproduced")
    calc = (ro.get("calcs") or ["lastNotNull"])[0]
    if calc not in REDUCERS:
        raise FrameError(f"calc {calc!r} is not reproduced")
    out = {}
    for fr in frames:
        for f in fr["fields"]:
            if f["type"] == "number":
                out[display_name(f, fr, frames)] = reduce_values(f, calc)
    if not out:
        raise FrameError("no numeric field: the panel shows No data")
    return out


def bars(panel, frames):
    """barchart: one frame, options.xField a string field, numeric fields
    for the bars. Returns [(x, {field: value})] in row order."""
    if len(frames) != 1:
        raise FrameError(f"{len(frames)} frames; a bar chart draws one")
    fr = frames[0]
    x_name = (panel.get("options") or {}).get("xField")
    xs = next((f for f in fr["fields"] if f["name"] == x_name), None) \
        if x_name else next((f for f in fr["fields"]
                             if f["type"] in ("string", "time")), None)
    if xs is None or xs["type"] not in ("string", "time"):
        raise FrameError(f"no string or time field {x_name or ''!r} for the "
                         "x axis (Grafana: \"Bar charts requires a string "
                         "or time field\"); fields: "
                         f"{[(f['name'], f['type']) for f in fr['fields']]}")
    nums = [f for f in fr["fields"] if f["type"] == "number"]
    if not nums:
        raise FrameError("no numeric field for the bars")
    return [(x, {f["name"]: f["values"][i] for f in nums})
            for i, x in enumerate(xs["values"])]


def series(panel, frames):
    """timeseries: a time field and numeric fields. {name: [values]}."""
    out = {}
    for fr in frames:
        if not any(f["type"] == "time" for f in fr["fields"]):
            raise FrameError("a frame without a time field: the time "
                             "series panel says \"Data does not have a "
                             "time field\"")
        for f in fr["fields"]:
            if f["type"] == "number":
                out[f["name"]] = f["values"]
    if not out:
        raise FrameError("no numeric field to draw")
    return out
