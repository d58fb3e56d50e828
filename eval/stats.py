#!/usr/bin/env python3
"""Validate and describe eval/independent.jsonl (the held-out routing set).

Usage:  python3 eval/stats.py [--domain DIR]

DIR holds categories.json, gazetteer.json and corpus_dev.jsonl. The default is
src/profile/sumsel/ in this repository (identical copies of /work/shared/domain/).
Only category codes, kab/kota names, kecamatan names and the dev texts are read.

Checks (exit status 1 if any fails):
  * every line is a JSON object with exactly text, category, place, kecamatan, urgent;
  * category is one of the 38 codes; place is null or a kab/kota full name;
    kecamatan is null or a kecamatan of that kab/kota (never without a place);
  * eval/independent.style.jsonl has one style record per line;
  * no duplicate texts, and no text is a near copy of a corpus_dev text
    (difflib ratio >= 0.80 for texts over five words; identical for shorter ones);
  * the set's own targets: >= 620 messages, every category >= 8,
    urgent >= 25 %, colloquial >= 30 %, place named in 60-80 %.
"""
import argparse, collections, difflib, json, os, re, statistics, sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SET = os.path.join(HERE, "independent.jsonl")
STYLE = os.path.join(HERE, "independent.style.jsonl")
FIELDS = {"text", "category", "place", "kecamatan", "urgent"}
# Style tags (assigned by the author per message):
#   std   standard/formal Indonesian          chat  informal but plain Indonesian
#   plg   Palembang Malay (baso Pelembang)     kmr   Komering (mixed with Indonesian)
#   ulu   Besemah/Lahat/Pagar Alam/Musi/Ogan/Linggau speech
#   slang Jakarta-style chat slang, heavy abbreviations
#   caps  all capitals                         typo  typos, no punctuation, run-on
#   voice voice-note style spoken transcript
STYLES = {"std", "chat", "plg", "kmr", "ulu", "slang", "caps", "typo", "voice"}
COLLOQUIAL = STYLES - {"std", "chat"}
REGIONAL = {"plg", "kmr", "ulu"}
NEAR_COPY = 0.80   # difflib ratio against a corpus_dev text that counts as a paraphrase


def norm(s):
    return re.sub(r"[^a-z0-9 ]", "", re.sub(r"\s+", " ", s.lower())).strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--domain", default=os.path.join(REPO, "src", "profile", "sumsel"))
    a = ap.parse_args()
    cats = json.load(open(os.path.join(a.domain, "categories.json")))["categories"]
    codes = [c["code"] for c in cats]
    urgent_default = {c["code"] for c in cats if c.get("urgent_default")}
    gaz = json.load(open(os.path.join(a.domain, "gazetteer.json")))
    kecs = {k["name"]: {c["name"] for c in k["kecamatan"]} for k in gaz["kabkota"]}
    dev = [json.loads(l)["text"] for l in open(os.path.join(a.domain, "corpus_dev.jsonl")) if l.strip()]

    errors, rows = [], []
    for n, line in enumerate(open(SET, encoding="utf-8"), 1):
        try:
            r = json.loads(line)
        except Exception as e:
            errors.append(f"line {n}: not JSON ({e})"); continue
        if not isinstance(r, dict) or set(r) != FIELDS:
            errors.append(f"line {n}: fields {sorted(r) if isinstance(r, dict) else type(r)}"); continue
        if not isinstance(r["text"], str) or not r["text"].strip():
            errors.append(f"line {n}: empty text")
        if r["category"] not in codes:
            errors.append(f"line {n}: unknown category {r['category']!r}")
        if r["place"] is not None and r["place"] not in kecs:
            errors.append(f"line {n}: unknown place {r['place']!r}")
        if r["kecamatan"] is not None:
            if r["place"] is None:
                errors.append(f"line {n}: kecamatan without place")
            elif r["kecamatan"] not in kecs.get(r["place"], ()):
                errors.append(f"line {n}: kecamatan {r['kecamatan']!r} not in {r['place']!r}")
        if not isinstance(r["urgent"], bool):
            errors.append(f"line {n}: urgent is not a bool")
        rows.append(r)

    styles = [json.loads(l) for l in open(STYLE, encoding="utf-8") if l.strip()]
    if len(styles) != len(rows):
        errors.append(f"style file has {len(styles)} records for {len(rows)} messages")
    for i, s in enumerate(styles, 1):
        tags = set(s["style"].split("+"))
        if s.get("line") != i or not tags <= STYLES:
            errors.append(f"style line {i}: {s}")

    seen = {}
    for n, r in enumerate(rows, 1):
        k = norm(r["text"])
        if k in seen:
            errors.append(f"line {n}: duplicate of line {seen[k]}")
        seen[k] = n
    dev_n = [norm(t) for t in dev]
    dev_tok = [set(d.split()) for d in dev_n]
    worst = []
    for n, r in enumerate(rows, 1):
        t = norm(r["text"])
        tt = set(t.split())
        # shortlist the 10 dev texts with the highest word overlap, then compare characters
        short = sorted(range(len(dev_n)), key=lambda i: -len(tt & dev_tok[i]) / (len(tt | dev_tok[i]) or 1))[:10]
        best = max((difflib.SequenceMatcher(None, t, dev_n[i], autojunk=False).ratio(), dev_n[i]) for i in short)
        worst.append((best[0], n))
        # greetings of one to five words ("assalamualaikum wr wb") cannot avoid resembling a
        # dev greeting; for them only an identical text counts as a copy
        if t in dev_n or (len(t.split()) > 5 and best[0] >= NEAR_COPY):
            errors.append(f"line {n}: near copy ({best[0]:.2f}) of corpus_dev text {best[1][:60]!r}")

    N = len(rows)
    pct = lambda x: f"{x} ({100.0 * x / N:.1f}%)" if N else "0"
    urgent = sum(r["urgent"] for r in rows)
    tagsets = [set(s["style"].split("+")) for s in styles]
    calm = sum(1 for r in rows if r["category"] in urgent_default and not r["urgent"])
    colloq = sum(1 for t in tagsets if t & COLLOQUIAL)
    regional = sum(1 for t in tagsets if t & REGIONAL)
    placed = sum(r["place"] is not None for r in rows)
    kec = sum(r["kecamatan"] is not None for r in rows)
    words = [len(r["text"].split()) for r in rows]

    print(f"messages: {N}")
    print(f"urgent: {pct(urgent)}")
    alarm = re.compile(r"\b(tolong|tlg|tolongin|darurat|segera|cepat|cepet|cpt|help|sos)\b", re.I)
    quiet = sum(1 for r in rows if r["urgent"] and not alarm.search(r["text"]))
    print(f"  urgent without an alarm word (tolong/tlg/darurat/segera/cepat/cepet/cpt/help/sos): "
          f"{quiet} of {urgent}")
    print(f"  not urgent although the category defaults to urgent (past/handled/tip): {calm}")
    print(f"colloquial/regional register (style tag other than std/chat): {pct(colloq)}")
    print(f"  of which regional speech (plg/kmr/ulu): {pct(regional)}")
    print(f"place (kab/kota) labelled: {pct(placed)}; no place: {pct(N - placed)}")
    print(f"kecamatan labelled: {pct(kec)}")
    print(f"length in words: min {min(words)}, median {statistics.median(words):g}, max {max(words)}; "
          f"<=8 words: {sum(w <= 8 for w in words)}, 9-30: {sum(9 <= w <= 30 for w in words)}, "
          f">30: {sum(w > 30 for w in words)}, >60: {sum(w > 60 for w in words)}")
    print(f"closest corpus_dev similarity (difflib): max {max(worst)[0]:.2f}, "
          f"median {statistics.median(w for w, _ in worst):.2f}")
    print("\nstyle tags:")
    tc = collections.Counter(t for ts in tagsets for t in ts)
    for t in sorted(STYLES, key=lambda t: -tc[t]):
        print(f"  {t:6s} {tc[t]:4d}")
    print("\nper category (total / urgent / with place):")
    cc = collections.Counter(r["category"] for r in rows)
    for c in codes:
        sub = [r for r in rows if r["category"] == c]
        print(f"  {c:20s} {len(sub):4d} {sum(r['urgent'] for r in sub):4d} {sum(r['place'] is not None for r in sub):4d}")
    print("\nper kab/kota:")
    pc = collections.Counter(r["place"] for r in rows)
    for p, k in pc.most_common():
        print(f"  {str(p):45s} {k:4d}")

    fails = []
    if N < 620: fails.append(f"only {N} messages (< 620)")
    for c in codes:
        if cc[c] < 8: fails.append(f"category {c} has {cc[c]} messages (< 8)")
    if urgent < 0.25 * N: fails.append("urgent share < 25%")
    if colloq < 0.30 * N: fails.append("colloquial share < 30%")
    if not 0.60 * N <= placed <= 0.80 * N: fails.append("place share outside 60-80%")
    print()
    for e in errors: print("ERROR", e)
    for f in fails: print("TARGET", f)
    if errors or fails:
        print(f"\nFAILED: {len(errors)} errors, {len(fails)} unmet targets"); sys.exit(1)
    print("OK: all lines valid, all targets met")


if __name__ == "__main__":
    main()
