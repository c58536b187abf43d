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
limit_attest = json.loads(read("limit-attest.json") or "null")
if attest_ingest and limit_attest:
    # attest's end-to-end rate in the model's own tokens (the same texts),
    # against the bare model's rate on them.
    bare = limit_attest["sorted_by_length"]
    attest_ingest["embedding_tokens"] = bare["real_tokens"]
    attest_ingest["tokens_per_s"] = round(bare["real_tokens"] / attest_ingest["seconds"], 1)
    attest_ingest["share_of_model_limit"] = round(attest_ingest["tokens_per_s"] / bare["median_tokens_per_s"], 3)
if peer_ingest and limit and peer_ingest.get("t_total_s"):
    peer_ingest["tokens_per_s"] = round(peer_ingest["wordpiece_tokens_total_seen_by_model"] / peer_ingest["t_total_s"], 1)
    peer_ingest["share_of_model_limit"] = round(
        peer_ingest["tokens_per_s"] / limit["sorted_by_length"]["median_tokens_per_s"], 3)
report["ingest"] = {"attest": attest_ingest, "peer": peer_ingest,
                    "model_limit_on_peer_chunks": limit, "model_limit_on_attest_chunks": limit_attest}

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



def search_profile(text):
    """Sums and counts of the service's histograms after the search runs."""
    sums = {}
    for line in text.splitlines():
        m = re.match(r'(attest_[a-z_]+)_(sum|count)\{?([^}]*)\}? ([0-9.e+-]+)$', line)
        if m:
            name, kind, labels, value = m.groups()
            sums[(name, labels, kind)] = float(value)

    def pick(name, must):
        keys = [k for k in sums if k[0] == name and all(x in k[1] for x in must)]
        total = sum(sums[k] for k in keys if k[2] == "sum")
        count = sum(sums[k] for k in keys if k[2] == "count")
        return total, count

    embed_s, batches = pick("attest_embed_batch_seconds", ['kind="query"'])
    size_sum, _ = pick("attest_embed_batch_size", ['kind="query"'])
    store_s, queries = pick("attest_store_seconds", ['op="query"'])
    http_s, requests = pick("attest_http_request_duration_seconds", ["/v1/search"])
    if not requests:
        return None
    return {"requests": int(requests), "request_ms_mean": round(1000 * http_s / requests, 2),
            "embed_batches": int(batches),
            "embed_batch_size_mean": round(size_sum / batches, 2) if batches else None,
            "embed_batch_ms_mean": round(1000 * embed_s / batches, 2) if batches else None,
            # The model's time per request: one model, so its throughput
            # limit is 1000 / this req/s.
            "embed_ms_per_request": round(1000 * embed_s / requests, 2),
            "store_query_ms_mean": round(1000 * store_s / queries, 2) if queries else None,
            "store_queries": int(queries)}


report["search_profile"] = search_profile(read("attest-metrics-search.txt"))

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
for name, lim in (("the peer's", limit), ("attest's", limit_attest)):
    if lim:
        s = lim.get("sorted_by_length", {})
        md.append("")
        md.append(f"bare model on {name} chunk texts ({lim.get('chunks')} chunks, {s.get('real_tokens')} tokens, "
                  f"batch {lim.get('batch')}, sorted): "
                  f"{s.get('median_chunks_per_s', 0):.1f} chunks/s, {s.get('median_tokens_per_s', 0):.0f} tokens/s")
if attest_ingest and "tokens_per_s" in attest_ingest:
    md.append("")
    md.append(f"attest end to end: {attest_ingest['embedding_tokens']} embedding tokens, "
              f"{attest_ingest['tokens_per_s']:.0f} tokens/s, {attest_ingest['share_of_model_limit']:.2f} of the bare model's rate")
p = report["search_profile"]
if p:
    md.append("")
    md.append(f"attest search profile (all search runs): {p['requests']} requests, mean {p['request_ms_mean']} ms; "
              f"{p['embed_batches']} query-embedding batches, mean size {p['embed_batch_size_mean']}, "
              f"mean {p['embed_batch_ms_mean']} ms ({p['embed_ms_per_request']} ms of model time per request); "
              f"store queries mean {p['store_query_ms_mean']} ms")
with open(os.path.join(out, "report.md"), "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md))
