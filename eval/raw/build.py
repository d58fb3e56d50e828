#!/usr/bin/env python3
"""Builds eval/tuning.jsonl and eval/tuning_holdout.jsonl from the compact raw files.

Raw line: `category|urgent(1/0)|kab code|kecamatan or -|text`. Every fifth message (by order
across the raw files) goes to the holdout set; the split is fixed before any tuning.
"""
import glob, json, os, sys

KAB = {
    "PLG": "Kota Palembang", "OKU": "Kabupaten Ogan Komering Ulu",
    "OKI": "Kabupaten Ogan Komering Ilir", "ME": "Kabupaten Muara Enim",
    "LHT": "Kabupaten Lahat", "MURA": "Kabupaten Musi Rawas",
    "MUBA": "Kabupaten Musi Banyuasin", "BA": "Kabupaten Banyuasin",
    "OKUT": "Kabupaten Ogan Komering Ulu Timur", "OKUS": "Kabupaten Ogan Komering Ulu Selatan",
    "OI": "Kabupaten Ogan Ilir", "EL": "Kabupaten Empat Lawang",
    "PALI": "Kabupaten Penukal Abab Lematang Ilir", "MRT": "Kabupaten Musi Rawas Utara",
    "PGA": "Kota Pagar Alam", "LLG": "Kota Lubuk Linggau", "PBM": "Kota Prabumulih", "-": None,
}
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
gaz = json.load(open(os.path.join(root, "src/profile/sumsel/gazetteer.json")))
cats = {c["code"] for c in json.load(open(os.path.join(root, "src/profile/sumsel/categories.json")))["categories"]}
kecs = {k["name"]: {x["name"] for x in k["kecamatan"]} for k in gaz["kabkota"]}
rows, errors = [], 0
for path in sorted(glob.glob(os.path.join(here, "batch*.txt"))):
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("|", 4)
        if len(parts) != 5:
            print(f"{path}:{n}: bad line", file=sys.stderr); errors += 1; continue
        cat, urg, kab, kec, text = (p.strip() for p in parts)
        place = KAB.get(kab, "?")
        kec = None if kec == "-" else kec
        if cat not in cats or place == "?" or urg not in ("0", "1") or (kec and (not place or kec not in kecs[place])):
            print(f"{path}:{n}: bad label {cat} {kab} {kec}", file=sys.stderr); errors += 1; continue
        rows.append({"text": text, "category": cat, "place": place, "kecamatan": kec, "urgent": urg == "1"})
if errors:
    sys.exit(1)
tuning = [r for i, r in enumerate(rows) if i % 5 != 4]
holdout = [r for i, r in enumerate(rows) if i % 5 == 4]
for name, part in (("tuning.jsonl", tuning), ("tuning_holdout.jsonl", holdout)):
    with open(os.path.join(root, "eval", name), "w", encoding="utf-8") as out:
        for r in part:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
print(f"{len(rows)} messages: {len(tuning)} tuning, {len(holdout)} holdout; "
      f"urgent {sum(r['urgent'] for r in rows)/len(rows):.2f}; categories {len({r['category'] for r in rows})}/38")
