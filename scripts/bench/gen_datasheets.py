#!/usr/bin/env python3
"""Writes synthetic component datasheets with known values, for the scale runs.

    gen_datasheets.py OUT_DIR FIRST COUNT [--seed N]

Writes COUNT text datasheets, numbered from FIRST, to OUT_DIR, and appends
one JSON line per document to OUT_DIR/../truth.jsonl: the file, the part
number, the mass in grams, the material (canonical name) and the country of
origin (ISO 3166-1 alpha-2). The same number always gives the same document
(the seed and the number decide everything), so a run at 10,000 documents
holds the 1,000 of the run before it. Wording, order, units and filler vary
so that the extractors see more than one template.
"""
import json
import os
import random
import sys

VENDORS = ["Norvale Components", "Tekaro Electric", "Brightmoor Devices", "Kessling AG",
           "Osuka Precision", "Lindqvist Connect", "Harbin Meridian", "Vantor Systems"]
KINDS = [("RL", "relay", "Miniature power relay"), ("CN", "connector", "Wire-to-board connector"),
         ("SW", "switch", "Tactile switch"), ("IN", "inductor", "Shielded power inductor"),
         ("FU", "fuse", "Surface-mount fuse"), ("TB", "terminal block", "PCB terminal block"),
         ("BZ", "buzzer", "Magnetic buzzer"), ("CR", "crystal", "Quartz crystal unit")]
# (as written, canonical)
MATERIALS = [("PBT", "pbt"), ("brass", "brass"), ("stainless steel", "stainless steel"),
             ("aluminium", "aluminium"), ("polycarbonate", "pc"), ("phosphor bronze", "phosphor bronze"),
             ("LCP", "lcp"), ("silicone rubber", "silicone"), ("ferrite", "ferrite"), ("copper", "copper")]
COUNTRIES = [("Japan", "JP"), ("Malaysia", "MY"), ("Germany", "DE"), ("Mexico", "MX"), ("China", "CN"),
             ("Vietnam", "VN"), ("Thailand", "TH"), ("Philippines", "PH"), ("Hungary", "HU"),
             ("Taiwan", "TW"), ("Czech Republic", "CZ"), ("United States", "US")]


def mass_line(r, grams):
    mg = grams * 1000
    return r.choice([
        f"Weight: {grams:g} g",
        f"Mass (typ.): {mg:g} mg",
        f"Net weight approx. {grams:g} grams",
        f"Unit weight {grams:g} g",
        f"Approximate mass: {mg:g} mg",
    ])


def material_line(r, written):
    return r.choice([
        f"Housing material: {written}",
        f"Body: {written}",
        f"Material: {written}",
        f"Case material: {written}",
    ])


def origin_line(r, country):
    return r.choice([
        f"Country of origin: {country}",
        f"Made in {country}",
        f"Manufactured in {country}",
        f"Origin: {country}",
    ])


def datasheet(n, seed):
    r = random.Random(seed * 1_000_003 + n)
    prefix, kind, title = r.choice(KINDS)
    part = f"{prefix}{n:06d}-{r.choice('ABCDEFGHJK')}{r.randint(1, 9)}"
    grams = round(r.uniform(0.05, 40.0), r.choice([2, 3]))
    written, material = r.choice(MATERIALS)
    country, code = r.choice(COUNTRIES)
    vendor = r.choice(VENDORS)
    specs = [
        f"Rated voltage: {r.choice([5, 12, 24, 48, 125, 250])} V",
        f"Operating temperature: -{r.choice([25, 40, 55])} °C to +{r.choice([85, 105, 125])} °C",
        f"Dimensions: {r.uniform(2, 30):.1f} x {r.uniform(2, 20):.1f} x {r.uniform(1, 15):.1f} mm",
        f"Rated current: {r.choice([0.5, 1, 2, 3, 5, 10])} A",
        "RoHS compliant, halogen free",
    ]
    r.shuffle(specs)
    facts = [mass_line(r, grams), material_line(r, written), origin_line(r, country)]
    r.shuffle(facts)
    lines = [f"{vendor}", f"{title} {part}", "",
             f"The {part} is a {kind} for industrial and consumer equipment.", "",
             "Specifications"]
    lines += specs[: r.randint(2, 5)]
    lines += [""] + facts
    lines += ["", f"Ordering code: {part}", f"© {r.randint(2015, 2025)} {vendor}. Subject to change without notice."]
    text = "\n".join(lines) + "\n"
    truth = {"part": part, "mass_g": grams, "material": material, "origin": code}
    return part, text, truth


def main():
    args = sys.argv[1:]
    seed = 7
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    out, first, count = args[0], int(args[1]), int(args[2])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(os.path.dirname(os.path.abspath(out)), "truth.jsonl"), "a") as t:
        for n in range(first, first + count):
            part, text, truth = datasheet(n, seed)
            name = f"{part}.txt"
            with open(os.path.join(out, name), "w") as f:
                f.write(text)
            t.write(json.dumps({"doc": name, **truth}) + "\n")


if __name__ == "__main__":
    main()
