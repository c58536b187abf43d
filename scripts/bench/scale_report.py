#!/usr/bin/env python3
"""Assembles target/bench/scale/scale.json and scale.md from a scale run."""
import json
import os
import re
import sys

out = sys.argv[1]


def read(*p):
    path = os.path.join(out, *p)
    return open(path).read() if os.path.exists(path) else ""


def wrk(text):
    for line in text.splitlines():
        if line.startswith("JSON "):
            return json.loads(line[5:])
    return None


steps = sorted((int(d) for d in os.listdir(out) if d.isdigit()))
rows = []
prev_docs = 0
for n in steps:
    s = str(n)
    m = re.search(r"documents: (\d+) ingested \((\d+) unchanged\), pages: (\d+), chunks: (\d+), failures: (\d+), elapsed: ([\d.]+) s",
                  read(s, "ingest.txt"))
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", read(s, "ingest.time"))
    row = {"documents": n, "added": n - prev_docs}
    if m:
        docs, _, _, chunks, failures, secs = m.groups()
        row["ingest"] = {"documents": int(docs), "chunks": int(chunks), "failures": int(failures),
                         "seconds": float(secs), "documents_per_s": round(int(docs) / float(secs), 1),
                         "chunks_per_s": round(int(chunks) / float(secs), 1),
                         "peak_rss_mb": round(int(rss.group(1)) / 1024, 1) if rss else None}
    disk = read(s, "disk_bytes").strip()
    row["disk_bytes"] = int(disk) if disk else None
    rss_b = read(s, "serve_rss_bytes").strip()
    row["serve_rss_bytes"] = int(rss_b) if rss_b else None
    row["load"] = {}
    for route in ("search", "extract"):
        for c in (1, 32):
            r = wrk(read(s, f"load-{route}-c{c}.txt"))
            if r:
                row["load"][f"{route}-c{c}"] = r
    row["correctness"] = json.loads(read(s, "correct.json") or "null")
    rows.append(row)
    prev_docs = n

report = {"steps": rows}
if len(rows) >= 2 and all(r["serve_rss_bytes"] and r["disk_bytes"] for r in rows):
    a, b = rows[0], rows[-1]
    d = b["documents"] - a["documents"]
    report["serve_rss_bytes_per_document"] = round((b["serve_rss_bytes"] - a["serve_rss_bytes"]) / d)
    report["disk_bytes_per_document"] = round((b["disk_bytes"] - a["disk_bytes"]) / d)
if len(rows) >= 2:
    # p50 at the last size against the first, per route and connections.
    growth = {}
    for k in ("search-c1", "search-c32", "extract-c1", "extract-c32"):
        a, b = rows[0]["load"].get(k), rows[-1]["load"].get(k)
        if a and b and a["p50_ms"] > 0:
            growth[k] = round(b["p50_ms"] / a["p50_ms"] - 1, 3)
    report["p50_growth_first_to_last"] = growth
with open(os.path.join(out, "scale.json"), "w") as f:
    json.dump(report, f, indent=2)

md = ["| documents | ingest docs/s (step) | disk MB | serve RSS MB | search c=1 p50/p99 ms | search c=32 req/s, p50/p99 ms | extract c=1 p50/p99 ms | extract c=32 req/s, p50/p99 ms | known values back (mass / materials / origin) |",
      "|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    L = r["load"]

    def lat(k):
        x = L.get(k)
        return f"{x['p50_ms']:.1f} / {x['p99_ms']:.1f}" if x else "—"

    def thr(k):
        x = L.get(k)
        return f"{x['rps']:.0f}, {x['p50_ms']:.1f} / {x['p99_ms']:.1f}" if x else "—"

    c = r["correctness"] or {}
    fields = c.get("fields", {})
    known = " / ".join(f"{fields[f]['right']}/{c['sample']}" for f in ("mass", "materials", "origin")) if fields else "—"
    ing = r.get("ingest", {})
    md.append(f"| {r['documents']:,} | {ing.get('documents_per_s', '—')} | {(r['disk_bytes'] or 0) / 1e6:.0f} | "
              f"{(r['serve_rss_bytes'] or 0) / 1e6:.0f} | {lat('search-c1')} | {thr('search-c32')} | "
              f"{lat('extract-c1')} | {thr('extract-c32')} | {known} |")
if "serve_rss_bytes_per_document" in report:
    md += ["", f"Between the first and last size: {report['serve_rss_bytes_per_document']:,} bytes of serve RSS "
           f"and {report['disk_bytes_per_document']:,} bytes of disk per added document."]
if report.get("p50_growth_first_to_last"):
    md += ["", f"p50 from {rows[0]['documents']:,} to {rows[-1]['documents']:,} documents: " + ", ".join(
        f"{k} {v * 100:+.0f}%" for k, v in report["p50_growth_first_to_last"].items())]
with open(os.path.join(out, "scale.md"), "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md))
