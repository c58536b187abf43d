"""Assembles target/bench/report.json and report.md from one bench run's files."""
import json
import os
import re
import sys

out = sys.argv[1]


def read(name):
    p = os.path.join(out, name)
    return open(p).read() if os.path.exists(p) else ""


def wrk_json(text):
    for line in text.splitlines():
        if line.startswith("JSON "):
            return json.loads(line[5:])
    return None


def max_rss_mb(time_text):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_text)
    return round(int(m.group(1)) / 1024, 1) if m else None


report = {"machine": read("machine.txt").strip(), "duration_s": int(os.environ.get("DUR", "15"))}

# Ingest.
line = read("attest-ingest.txt")
m = re.search(r"documents: (\d+) ingested \((\d+) unchanged\), pages: (\d+), chunks: (\d+), failures: (\d+), elapsed: ([\d.]+) s", line)
attest_ingest = None
if m:
    docs, _, pages, chunks, failures, secs = m.groups()
    attest_ingest = {"documents": int(docs), "pages": int(pages), "chunks": int(chunks),
                     "failures": int(failures), "seconds": float(secs),
                     "chunks_per_s": round(int(chunks) / float(secs), 1),
                     "peak_rss_mb": max_rss_mb(read("attest-ingest.time"))}
peer_ingest = json.loads(read("peer-ingest.json") or "null")
limit = json.loads(read("limit.json") or "null")
report["ingest"] = {"attest": attest_ingest, "peer": peer_ingest, "model_limit_on_peer_chunks": limit}

# Load.
load = []
for f in sorted(os.listdir(out)):
    m = re.match(r"load-(attest|peer)-(search|extract)-c(\d+)\.txt$", f)
    if m:
        r = wrk_json(read(f))
        if r:
            load.append({"service": m.group(1), "route": m.group(2), "connections": int(m.group(3)), **r})
load.sort(key=lambda r: (r["route"], r["connections"], r["service"]))
report["load"] = load
report["attest_serve_rss_mb"] = read("attest-serve.rss").strip() or None

with open(os.path.join(out, "report.json"), "w") as f:
    json.dump(report, f, indent=2)

md = ["# attest beside the peer (one run)", "", report["machine"], ""]
md.append("| service | route | connections | req/s | p50 ms | p95 ms | p99 ms | errors |")
md.append("|---|---|---|---|---|---|---|---|")
for r in load:
    errors = r["err_connect"] + r["err_read"] + r["err_write"] + r["err_timeout"] + r["err_status"]
    md.append(f"| {r['service']} | {r['route']} | {r['connections']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {errors} |")
md.append("")
if attest_ingest:
    md.append(f"attest ingest: {attest_ingest['documents']} documents, {attest_ingest['pages']} pages, "
              f"{attest_ingest['chunks']} chunks in {attest_ingest['seconds']} s "
              f"({attest_ingest['chunks_per_s']} chunks/s), peak RSS {attest_ingest['peak_rss_mb']} MB")
if peer_ingest:
    md.append("")
    md.append("peer ingest: " + json.dumps(peer_ingest))
if limit:
    s = limit.get("sorted_by_length", {})
    md.append("")
    md.append(f"bare model on the peer's chunk texts (batch {limit.get('batch')}, sorted): "
              f"{s.get('median_chunks_per_s', 0):.1f} chunks/s, {s.get('median_tokens_per_s', 0):.0f} tokens/s")
with open(os.path.join(out, "report.md"), "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md))
