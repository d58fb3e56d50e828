#!/usr/bin/env python3
"""Builds eval/train2.jsonl and eval/train2_holdout.jsonl from the compact raw files in eval/raw2.

Raw line: `category|urgent(1/0)|kab code|kecamatan or -|text` (same format and validation as
eval/raw/build.py). Every fifth message (by order across the batch files) goes to the holdout
set; the split is fixed by file order before anyone measures anything.

`--stats` also prints the distribution: per category total/urgent/with place, urgent share,
urgent messages without alarm words, share of colloquial/regional register (heuristic, see
REGISTER_MARKERS), place share, lengths.
"""
import collections, glob, json, os, re, statistics, sys

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
ALARM = re.compile(r"\b(tolong|tolongin|tlg|tlng|darurat|segera|cepat|cepet|cpt|help|sos)\b", re.I)
# Words that mark a message as colloquial or regional. A heuristic for the statistics only:
# one STRONG word (Palembang Malay, Komering, Besemah/ulu, Musi/Linggau or Jakarta slang that is
# not also plain Indonesian) is enough; WEAK words (chat abbreviations, particles, words shared
# with standard Indonesian) count when there are two of them. All-capital messages count too.
STRONG = set("""
wong dak idak katek nian galak kito dio ado kagek jingok ambek pacak ngenjuk budak samo dewek
belago galo bae kamek uji tiduk ngapo kaba dem cak mano nak apo sapo kemano dimano balek
jeme dide ghumah kemaghi kance nedo gale teghiak kemane ade ape dighi keghene bedaghah
nyak sikam jelma lapah mulang bingi lamban ganta nihan wat lunik sanak
""".split())
SLANG = set("gw gue lu lo bgt bngt skrg tlg udh gak gk anjir wkwk nyokap gmn gatau gada".split())
REGIONAL = set(STRONG)
STRONG |= SLANG
WEAK = set("""
la lah kini aku kau ga udah dah yg dgn utk sy org kalo klo kyk kayak aja doang nih dong sih tuh
bro min ndan gan mnt tdk sdh blm jd bs lg bkn krn td kmrn dr rame2 mak ram ia tadi
""".split())

def is_register(text):
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        return True
    words = re.findall(r"[a-z0-9]+", text.lower())
    strong = sum(w in STRONG or (w.endswith("nyo") and len(w) > 4) for w in words)
    weak = sum(w in WEAK or bool(re.fullmatch(r"[a-z]+2", w)) for w in words)
    return strong >= 1 or weak >= 2

# `eval/raw3/build.py` runs this file on its own folder and set name.
here = globals().get("RAW_DIR") or os.path.dirname(os.path.abspath(__file__))
set_name = globals().get("SET_NAME", "train2")
root = os.path.dirname(os.path.dirname(here))
gaz = json.load(open(os.path.join(root, "src/profile/sumsel/gazetteer.json")))
cats = [c["code"] for c in json.load(open(os.path.join(root, "src/profile/sumsel/categories.json")))["categories"]]
kecs = {k["name"]: {x["name"] for x in k["kecamatan"]} for k in gaz["kabkota"]}
rows, errors, seen = [], 0, set()
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
        if not text or text.lower() in seen:
            print(f"{path}:{n}: empty or duplicate text", file=sys.stderr); errors += 1; continue
        seen.add(text.lower())
        rows.append({"text": text, "category": cat, "place": place, "kecamatan": kec, "urgent": urg == "1"})
if errors:
    sys.exit(1)
train = [r for i, r in enumerate(rows) if i % 5 != 4]
holdout = [r for i, r in enumerate(rows) if i % 5 == 4]
for name, part in ((f"{set_name}.jsonl", train), (f"{set_name}_holdout.jsonl", holdout)):
    with open(os.path.join(root, "eval", name), "w", encoding="utf-8") as out:
        for r in part:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
print(f"{len(rows)} messages: {len(train)} train, {len(holdout)} holdout; "
      f"urgent {sum(r['urgent'] for r in rows)/len(rows):.2f}; categories {len({r['category'] for r in rows})}/38")

if "--stats" in sys.argv:
    N = len(rows)
    urg = [r for r in rows if r["urgent"]]
    print(f"urgent: {len(urg)} ({len(urg)/N:.1%})")
    print(f"  urgent without an alarm word (tolong/tlg/darurat/segera/cepat/cepet/cpt/help/sos): "
          f"{sum(not ALARM.search(r['text']) for r in urg)} of {len(urg)}")
    reg = sum(is_register(r["text"]) for r in rows)
    print(f"colloquial/regional register (heuristic word markers or all caps): {reg} ({reg/N:.1%})")
    regional = sum(any(w in REGIONAL or (w.endswith("nyo") and len(w) > 4)
                       for w in re.findall(r"[a-z]+", r["text"].lower())) for r in rows)
    print(f"  of which with a South Sumatran regional word (Palembang/Komering/ulu/Musi): {regional} ({regional/N:.1%})")
    wp = sum(r["place"] is not None for r in rows)
    print(f"place labelled: {wp} ({wp/N:.1%}); kecamatan labelled: {sum(r['kecamatan'] is not None for r in rows)}")
    lens = [len(r["text"].split()) for r in rows]
    print(f"length in words: min {min(lens)}, median {statistics.median(lens)}, max {max(lens)}; "
          f"<=5: {sum(l<=5 for l in lens)}, >40: {sum(l>40 for l in lens)}, >80: {sum(l>80 for l in lens)}")
    print("\nper category (total / urgent / with place):")
    for c in cats:
        rs = [r for r in rows if r["category"] == c]
        print(f"  {c:22s} {len(rs):4d} {sum(r['urgent'] for r in rs):4d} {sum(r['place'] is not None for r in rs):4d}")
    print("\nper kab/kota:")
    for k, v in collections.Counter(r["place"] for r in rows).most_common():
        print(f"  {str(k):45s} {v:4d}")
