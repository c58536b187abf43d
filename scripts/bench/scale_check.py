#!/usr/bin/env python3
"""Do the known values of generated datasheets come back?

    scale_check.py TRUTH_JSONL SERVICE_URL SAMPLE

Asks rules-mode /v1/extract about SAMPLE generated parts (a fixed random
sample) and prints, per field, how many answers were right, wrong (a value
that is not the known one) or missing, the first misses, and how many citations did not
quote the document text at their span.
"""
import json
import random
import sys
import urllib.request

truth = [json.loads(l) for l in open(sys.argv[1])]
url, n = sys.argv[2], int(sys.argv[3])
sample = random.Random(5).sample(truth, min(n, len(truth)))
counts = {f: {"right": 0, "wrong": 0, "missing": 0} for f in ("mass", "materials", "origin")}
bad_citations = 0
texts = {}


def post(path, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def get(path):
    with urllib.request.urlopen(url + path, timeout=60) as r:
        return json.load(r)


def check_citations(values):
    global bad_citations
    for v in values:
        for c in v.get("citations", []):
            doc = c["document_id"]
            if doc not in texts:
                texts[doc] = get(f"/v1/documents/{doc}/text")["text"]
            if texts[doc][c["start"]:c["end"]] != c["quote"]:
                bad_citations += 1


misses = []


def tally(field, got, ok, part, want):
    outcome = "missing" if not got else ("right" if ok else "wrong")
    counts[field][outcome] += 1
    if outcome != "right" and len(misses) < 10:
        misses.append({"part": part, "field": field, "outcome": outcome, "want": want,
                       "got": got if not isinstance(got, dict) else got["grams"]})


for t in sample:
    a = post("/v1/extract", {"subject": t["part"], "mode": "rules"})
    f = a["fields"]
    mass = f.get("mass")
    tally("mass", mass, mass and abs(mass["grams"] - t["mass_g"]) <= 0.005 * t["mass_g"], t["part"], t["mass_g"])
    mats = [m["name"] for m in f.get("materials", [])]
    tally("materials", mats, mats == [t["material"]], t["part"], t["material"])
    origin = [o["country"] for o in f.get("origin", [])]
    tally("origin", origin, origin == [t["origin"]], t["part"], t["origin"])
    check_citations(([mass] if mass else []) + f.get("materials", []) + f.get("origin", []))

print(json.dumps({"sample": len(sample), "fields": counts, "citations_not_at_span": bad_citations,
                  "misses": misses}))
