#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""bench/e2e-plot.py: draws e2e-bench's results.tsv as two SVG charts
(Python standard library only):

  e2e-latency.svg     acknowledgement p50/p99/p99.9 and end-to-end p50/p99
                      (ms, log scale) against the offered rate (log scale)
  e2e-throughput.svg  sent, acknowledged and counted (consumer) votes/s
                      against the offered rate

usage: bench/e2e-plot.py results.tsv OUTDIR
"""
import csv
import math
import os
import sys
from xml.sax.saxutils import escape

W, H = 720, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 170, 40, 55
COLORS = ["#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd"]


def log_ticks(lo, hi):
    """Powers of ten (and 2x, 5x) between lo and hi."""
    ticks = []
    e = math.floor(math.log10(lo))
    while 10 ** e <= hi * 1.0001:
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lo * 0.9999 <= v <= hi * 1.0001:
                ticks.append(v)
        e += 1
    return ticks


def fmt(v):
    if v >= 1000:
        return f"{v / 1000:g}k"
    return f"{v:g}"


def chart(title, xlabel, ylabel, xs, series, ylog, path, diagonal=False):
    """series: list of (name, [y...]); xs are plotted on a log scale."""
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    xlo, xhi = min(xs), max(xs)
    if xlo == xhi:
        xlo, xhi = xlo / 2, xhi * 2
    ys = [y for _, vals in series for y in vals if y is not None and y > 0]
    if diagonal:
        ys += xs
    ylo, yhi = (min(ys), max(ys)) if ys else (1, 10)
    if ylog:
        ylo = 10 ** math.floor(math.log10(ylo))
        yhi = 10 ** math.ceil(math.log10(yhi))
    else:
        ylo = 0
        yhi = yhi * 1.1

    def px(x):
        return LEFT + (math.log(x) - math.log(xlo)) / (
            math.log(xhi) - math.log(xlo)) * pw

    def py(y):
        if ylog:
            f = (math.log(y) - math.log(ylo)) / (math.log(yhi) - math.log(ylo))
        else:
            f = (y - ylo) / (yhi - ylo)
        return TOP + ph - f * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" '
           f'height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" '
           f'font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" '
           f'font-size="15">{escape(title)}</text>']
    if ylog:
        yt = log_ticks(ylo, yhi)
    else:
        step = 10 ** math.floor(math.log10(yhi / 5))
        step *= next(m for m in (1, 2, 5, 10) if yhi / (step * m) <= 6)
        yhi = math.ceil(yhi / step) * step
        yt = [i * step for i in range(int(yhi / step) + 1)]
    for v in yt:
        y = py(v)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" '
                   f'y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{fmt(round(v, 1))}</text>')
    for v in xs:
        x = px(v)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" '
                   f'y2="{TOP + ph}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP + ph + 18}" '
                   f'text-anchor="middle">{fmt(v)}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" '
               f'fill="none" stroke="#333"/>')
    out.append(f'<text x="{LEFT + pw / 2}" y="{H - 12}" '
               f'text-anchor="middle">{escape(xlabel)}</text>')
    out.append(f'<text x="16" y="{TOP + ph / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {TOP + ph / 2})">'
               f'{escape(ylabel)}</text>')
    if diagonal:
        d = " ".join(f"{px(x):.1f},{py(x):.1f}" for x in xs)
        out.append(f'<polyline points="{d}" fill="none" stroke="#999" '
                   f'stroke-dasharray="4 4"/>')
    for i, (name, vals) in enumerate(series):
        color = COLORS[i % len(COLORS)]
        pts = [(px(x), py(y)) for x, y in zip(xs, vals)
               if y is not None and y > 0]
        dash = ' stroke-dasharray="6 3"' if i % 2 else ""
        if pts:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(f'<polyline points="{d}" fill="none" '
                       f'stroke="{color}" stroke-width="2"{dash}/>')
            for x, y in pts:
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" '
                           f'fill="{color}"/>')
        ly = TOP + 14 + i * 20
        out.append(f'<line x1="{LEFT + pw + 12}" y1="{ly - 4}" '
                   f'x2="{LEFT + pw + 32}" y2="{ly - 4}" stroke="{color}" '
                   f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{LEFT + pw + 38}" y="{ly}">'
                   f'{escape(name)}</text>')
    if diagonal:
        ly = TOP + 14 + len(series) * 20
        out.append(f'<line x1="{LEFT + pw + 12}" y1="{ly - 4}" '
                   f'x2="{LEFT + pw + 32}" y2="{ly - 4}" stroke="#999" '
                   f'stroke-dasharray="4 4"/>')
        out.append(f'<text x="{LEFT + pw + 38}" y="{ly}">offered</text>')
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows:
        sys.exit("e2e-plot: no rows")

    def col(name):
        return [float(r[name]) if r.get(name) not in (None, "") else None
                for r in rows]

    xs = col("offered")
    os.makedirs(sys.argv[2], exist_ok=True)
    chart("Vote latency against offered load (REST + gRPC, half each)",
          "offered votes/s", "latency, ms (log scale)", xs,
          [("ack p50", col("ack_p50")), ("ack p99", col("ack_p99")),
           ("ack p99.9", col("ack_p999")), ("to Redis p50", col("e2e_p50")),
           ("to Redis p99", col("e2e_p99"))],
          True, f"{sys.argv[2]}/e2e-latency.svg")
    chart("Acknowledged votes/s against offered load",
          "offered votes/s", "votes/s", xs,
          [("acknowledged/s", col("acked_s")), ("sent/s", col("sent_s")),
           ("counted/s", col("counted_s"))],
          False, f"{sys.argv[2]}/e2e-throughput.svg", diagonal=True)


if __name__ == "__main__":
    main()
