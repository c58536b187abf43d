#!/usr/bin/env python3
"""Validate a gold JSONL file against eval GOLD_FORMAT (version 1).

Stdlib only. Usage:
    python3 check_gold.py [GOLD_JSONL] [--corpus CORPUS_ROOT] [--strict]

Checks
  * every line is a JSON object with exactly the GOLD_FORMAT fields
    (id, doc, subject, mass_g, origin, materials, recycled, evidence);
  * types: id non-empty str (unique), doc relative path that exists under the
    corpus root, subject str|null, mass_g positive number|null, origin list of
    ISO-3166-1-alpha-2-shaped codes, materials list of lower-case strings
    (``a|b`` alternatives allowed), recycled list of {material: str|null,
    pct: number in [0, 100]};
  * evidence: a key for every non-empty field and only for those; each snippet
    is a one-line string of 5-60 characters that is found, whitespace-
    insensitively, in the document text:
      - PDF:  ``pdftotext FILE -`` (required) and ``pdftotext -layout FILE -``
              (warning if missing there);
      - .txt / .csv: the raw file text;
      - .xlsx: each sheet row rendered as one line, cells joined by " | ",
               numbers formatted like Rust's default Display (3.01, 2, 0.5).
Warnings (non-fatal): snippet occurring more than once in the document, snippet
shorter than 5 characters but unique, snippet not found within a single line,
reserved/non-country codes such as EU.  --strict turns warnings into errors.
Exit status 0 when no errors.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import zipfile
import xml.etree.ElementTree as ET
from decimal import Decimal

FIELDS = ["id", "doc", "subject", "mass_g", "origin", "materials", "recycled", "evidence"]
EVIDENCE_KEYS = {"mass_g", "origin", "materials", "recycled"}
# ISO 3166-1 alpha-2 exceptionally reserved codes that may appear as stated "origin"
RESERVED_OK = {"EU"}

_text_cache = {}


def norm_ws(s):
    return re.sub(r"\s+", " ", s).strip()


def strip_ws(s):
    return re.sub(r"\s+", "", s)


# ---------------------------------------------------------------- document text
def pdf_texts(path):
    out = {}
    for mode, args in (("plain", []), ("layout", ["-layout"])):
        try:
            r = subprocess.run(["pdftotext", *args, path, "-"], capture_output=True, timeout=120)
            out[mode] = r.stdout.decode("utf-8", "replace")
        except (OSError, subprocess.SubprocessError) as e:  # pragma: no cover
            out[mode] = ""
            print(f"WARN cannot run pdftotext {' '.join(args)} on {path}: {e}", file=sys.stderr)
    return out


def rust_num(v):
    """Rust f64 Display-like formatting: 2.0 -> '2', 0.5 -> '0.5', 1e-05 -> '0.00001'."""
    if math.isfinite(v) and v == int(v) and abs(v) < 1e16:
        return str(int(v))
    r = repr(v)
    if "e" in r or "E" in r:
        return format(Decimal(r), "f")
    return r


def _col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def xlsx_text(path):
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    lines = []
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))
            for si in root.findall("m:si", ns):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = {rel.get("Id"): rel.get("Target") for rel in rels}
        for sheet in wb.find("m:sheets", ns):
            rid = sheet.get(f"{{{ns['r']}}}id")
            t = target[rid].lstrip("/")
            t = t if t.startswith("xl/") else "xl/" + t
            root = ET.fromstring(z.read(t))
            data = root.find("m:sheetData", ns)
            if data is None:
                continue
            for row in data.findall("m:row", ns):
                cells = {}
                for c in row.findall("m:c", ns):
                    typ = c.get("t")
                    v = c.find("m:v", ns)
                    if typ == "s" and v is not None:
                        val = shared[int(v.text)]
                    elif typ == "inlineStr":
                        val = "".join(x.text or "" for x in c.iter(f"{{{ns['m']}}}t"))
                    elif typ in ("str", "e") and v is not None:
                        val = v.text or ""
                    elif typ == "b" and v is not None:
                        val = "true" if v.text == "1" else "false"
                    elif v is not None and v.text is not None:
                        try:
                            val = rust_num(float(v.text))
                        except ValueError:
                            val = v.text
                    else:
                        val = ""
                    cells[_col_index(c.get("r"))] = val
                if not cells:
                    lines.append("")
                    continue
                width = max(cells) + 1
                vals = [cells.get(i, "") for i in range(width)]
                while vals and vals[-1] == "":
                    vals.pop()
                lines.append(" | ".join(vals))
    return "\n".join(lines)


def doc_texts(path):
    """Return {name: text}; the first entry is the one a snippet must be found in."""
    if path in _text_cache:
        return _text_cache[path]
    ext = path.lower().rsplit(".", 1)[-1]
    if ext == "pdf":
        t = pdf_texts(path)
        texts = {"pdftotext": t["plain"], "pdftotext -layout": t["layout"]}
    elif ext == "xlsx":
        texts = {"xlsx rows": xlsx_text(path)}
    else:
        with open(path, encoding="utf-8", errors="replace") as f:
            texts = {"raw": f.read()}
    _text_cache[path] = texts
    return texts


# ---------------------------------------------------------------- validation
def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def check_case(n, case, corpus, errors, warnings, seen_ids):
    where = f"line {n}"
    if not isinstance(case, dict):
        errors.append(f"{where}: not a JSON object")
        return
    cid = case.get("id")
    where = f"line {n} ({cid})"
    keys = list(case.keys())
    if set(keys) != set(FIELDS):
        missing = [k for k in FIELDS if k not in case]
        extra = [k for k in keys if k not in FIELDS]
        errors.append(f"{where}: fields mismatch missing={missing} extra={extra}")
    # id
    if not isinstance(cid, str) or not cid.strip():
        errors.append(f"{where}: id must be a non-empty string")
    elif cid in seen_ids:
        errors.append(f"{where}: duplicate id (also line {seen_ids[cid]})")
    else:
        seen_ids[cid] = n
    # doc
    doc = case.get("doc")
    path = None
    if not isinstance(doc, str) or not doc:
        errors.append(f"{where}: doc must be a non-empty string")
    elif os.path.isabs(doc) or ".." in doc.split("/"):
        errors.append(f"{where}: doc must be a path relative to the corpus root: {doc}")
    else:
        path = os.path.join(corpus, doc)
        if not os.path.isfile(path):
            errors.append(f"{where}: doc not found under corpus root: {doc}")
            path = None
    # subject
    subj = case.get("subject")
    if subj is not None and (not isinstance(subj, str) or not subj.strip()):
        errors.append(f"{where}: subject must be a non-empty string or null")
    # mass_g
    mass = case.get("mass_g")
    if mass is not None and (not is_num(mass) or mass <= 0):
        errors.append(f"{where}: mass_g must be a positive number or null, got {mass!r}")
    # origin
    origin = case.get("origin")
    if not isinstance(origin, list):
        errors.append(f"{where}: origin must be a list")
        origin = []
    for code in origin:
        if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{2}", code):
            errors.append(f"{where}: origin code not ISO 3166-1 alpha-2 shaped: {code!r}")
        elif code in RESERVED_OK:
            warnings.append(f"{where}: origin {code} is an exceptionally reserved ISO code (region), see NOTES")
    if len(set(origin)) != len(origin):
        errors.append(f"{where}: duplicate origin codes")
    # materials
    mats = case.get("materials")
    if not isinstance(mats, list):
        errors.append(f"{where}: materials must be a list")
        mats = []
    for m in mats:
        if not isinstance(m, str) or not m.strip():
            errors.append(f"{where}: material must be a non-empty string: {m!r}")
        elif m != m.lower():
            errors.append(f"{where}: material not lower case: {m!r}")
        elif any(not alt.strip() for alt in m.split("|")):
            errors.append(f"{where}: empty alternative in material {m!r}")
    if len(set(mats)) != len(mats):
        errors.append(f"{where}: duplicate material entries")
    # recycled
    rec = case.get("recycled")
    if not isinstance(rec, list):
        errors.append(f"{where}: recycled must be a list")
        rec = []
    for r in rec:
        if not isinstance(r, dict) or set(r.keys()) != {"material", "pct"}:
            errors.append(f"{where}: recycled entry must be {{material, pct}}: {r!r}")
            continue
        if r["material"] is not None and (not isinstance(r["material"], str) or r["material"] != r["material"].lower()
                                          or not r["material"].strip()):
            errors.append(f"{where}: recycled material must be lower-case string or null: {r['material']!r}")
        if not is_num(r["pct"]) or not 0 <= r["pct"] <= 100:
            errors.append(f"{where}: recycled pct must be a number in [0,100]: {r['pct']!r}")
    # evidence
    ev = case.get("evidence")
    if not isinstance(ev, dict):
        errors.append(f"{where}: evidence must be an object")
        return
    nonempty = {"mass_g": mass is not None, "origin": bool(origin), "materials": bool(mats), "recycled": bool(rec)}
    for k in ev:
        if k not in EVIDENCE_KEYS:
            errors.append(f"{where}: unknown evidence key {k!r}")
        elif not nonempty[k]:
            errors.append(f"{where}: evidence given for empty field {k!r}")
    for k, has in nonempty.items():
        if has and k not in ev:
            errors.append(f"{where}: missing evidence for non-empty field {k!r}")
    if path is None:
        return
    texts = doc_texts(path)
    primary_name = next(iter(texts))
    for k, snip in ev.items():
        if k not in EVIDENCE_KEYS:
            continue
        tag = f"{where} evidence[{k}]"
        if not isinstance(snip, str) or not snip.strip():
            errors.append(f"{tag}: snippet must be a non-empty string")
            continue
        if "\n" in snip or "\r" in snip:
            errors.append(f"{tag}: snippet contains a line break")
        if len(snip) > 60:
            errors.append(f"{tag}: snippet longer than 60 characters ({len(snip)})")
        ns = norm_ws(snip)
        for name, text in texts.items():
            nt = norm_ws(text)
            cnt = nt.count(ns)
            if cnt == 0:
                if strip_ws(snip) in strip_ws(text):
                    msg = f"{tag}: found in {name} only when all whitespace is removed: {snip!r}"
                    (errors if name == primary_name else warnings).append(msg)
                else:
                    msg = f"{tag}: NOT found in {name}: {snip!r}"
                    (errors if name == primary_name else warnings).append(msg)
                continue
            if name == primary_name:
                if cnt > 1:
                    warnings.append(f"{tag}: snippet occurs {cnt}x in {name} (first occurrence should be the intended one): {snip!r}")
                if len(snip) < 5:
                    if cnt == 1:
                        warnings.append(f"{tag}: snippet shorter than 5 characters (unique in document): {snip!r}")
                    else:
                        errors.append(f"{tag}: snippet shorter than 5 characters and not unique: {snip!r}")
        # one-line check: within a single line of at least one text version
        if not any(ns in norm_ws(line) for text in texts.values() for line in text.splitlines()):
            warnings.append(f"{tag}: snippet is not contained in a single line of any text version: {snip!r}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", nargs="?", default=os.path.join(here, "dev.jsonl"))
    ap.add_argument("--corpus", default="/work/shared/corpus", help="corpus root (default: /work/shared/corpus)")
    ap.add_argument("--strict", action="store_true", help="treat warnings as errors")
    args = ap.parse_args()

    errors, warnings, seen = [], [], {}
    cases = 0
    with open(args.gold, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                errors.append(f"line {n}: blank line")
                continue
            try:
                case = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"line {n}: invalid JSON: {e}")
                continue
            cases += 1
            check_case(n, case, args.corpus, errors, warnings, seen)
    for w in warnings:
        print("WARN ", w)
    for e in errors:
        print("ERROR", e)
    if args.strict:
        errors += warnings
    print(f"{cases} cases, {len(errors)} errors, {len(warnings)} warnings")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
